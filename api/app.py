"""The Starlette application: GraphQL over HTTP and WebSocket on /graphql, with GraphiQL, bearer
tokens checked before any execution, and Prometheus metrics."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

from api.context import Context, Services
from api.errors import Unauthenticated
from api.runtime import Runtime
from api.schema import schema


class LedgerGraphQL(GraphQL[Context, None]):
    def __init__(self, services: dict[str, Services]) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
        )
        self.services = services

    async def get_context(self, request: Any, response: Any) -> Context:
        state = request.scope.get("state") or {}
        return Context(self.services["current"], principal=state.get("principal"))


class BearerAuth:
    """Refuses a request whose bearer token is bad before anything executes."""

    def __init__(self, app: ASGIApp, services: dict[str, Services]) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            header = dict(scope["headers"]).get(b"authorization")
            try:
                tokens = self.services["current"].tokens
                principal = await tokens.authenticate(header.decode() if header else None)
            except Unauthenticated as error:
                body = {
                    "data": None,
                    "errors": [{"message": error.message, "extensions": {"code": error.code}}],
                }
                response = JSONResponse(body, status_code=401)
                await response(scope, receive, send)
                return
            scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


async def metrics(_: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


async def health(_: Request) -> Response:
    return Response(json.dumps({"status": "ok"}), media_type="application/json")


def create_app(runtime: Runtime) -> Starlette:
    services: dict[str, Services] = {}
    graphql = BearerAuth(LedgerGraphQL(services), services)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        services["current"] = await runtime.open_services()
        try:
            yield
        finally:
            await runtime.close_services()

    routes = [
        Route("/", lambda _: RedirectResponse("/graphql")),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/metrics", metrics),
        Route("/healthz", health),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
