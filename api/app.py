"""The Starlette application: GraphQL over HTTP (api/http.py) and over WebSocket (Strawberry's
view) on /graphql, the explorer and GraphiQL for a browser (api/pages.py), with bearer
tokens checked before any execution, and Prometheus metrics."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

from api.graphql.context import Context, Services
from api.graphql.schema import schema
from api.http import pages
from api.http.cache import AnswerCache
from api.http.graphql import GraphQLHTTP
from api.http.health import live, readiness
from api.runtime import Runtime

CACHE_MB = "GOVLEDGER_ANSWER_CACHE_MB"


class LedgerGraphQL(GraphQL[Context, None]):
    """Strawberry's view: subscriptions over WebSocket, and GraphiQL for a browser."""

    def __init__(self, services: dict[str, Services]) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
        )
        self.services = services

    async def get_context(self, request: Any, response: Any) -> Context:
        """Subscriptions only read: they run without a principal, as anonymous reads do."""
        return Context(self.services["current"])


class GraphQLEndpoint:
    """/graphql: a browser asking for a page gets GraphiQL, everyone else GraphQL."""

    def __init__(self, http: GraphQLHTTP, view: LedgerGraphQL) -> None:
        self.http, self.view = http, view

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.wants_page(scope):
            await pages.serve_graphiql(scope, receive, send)
        else:
            await self.http(scope, receive, send)

    @staticmethod
    def wants_page(scope: Scope) -> bool:
        if scope["method"] != "GET" or b"query=" in scope.get("query_string", b""):
            return False
        accept = dict(scope["headers"]).get(b"accept", b"")
        return b"text/html" in accept


async def metrics(_: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


async def health(_: Request) -> Response:
    return Response(json.dumps({"status": "ok"}), media_type="application/json")


class FastPath:
    """GraphQL over HTTP straight to its endpoint, every other request through Starlette's
    routing and middleware (the endpoint answers its own failures)."""

    def __init__(self, app: ASGIApp, graphql: GraphQLHTTP) -> None:
        self.app, self.graphql = app, graphql

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/graphql" and scope["method"] == "POST":
            await self.graphql(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def create_app(runtime: Runtime, owns_runtime: bool = False) -> ASGIApp:
    """The application over a runtime; with owns_runtime, it closes the runtime when it stops
    (a worker process, whose runtime is its own)."""
    services: dict[str, Services] = {}
    cache = AnswerCache(int(float(os.environ.get(CACHE_MB, "64")) * 2**20))
    view = LedgerGraphQL(services)
    http = GraphQLHTTP(services, cache)
    endpoint = GraphQLEndpoint(http, view)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        services["current"] = await runtime.open_services()
        try:
            yield
        finally:
            await runtime.close_services()
            if owns_runtime:
                runtime.close()

    routes = [
        *pages.routes(),
        Route("/graphql", endpoint, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]),
        WebSocketRoute("/graphql", view),
        Route("/metrics", metrics),
        Route("/healthz", live),
        Route("/readyz", readiness(services)),
    ]
    return FastPath(Starlette(routes=routes, lifespan=lifespan), http)
