"""The Starlette application: its routes composed. /graphql is GraphQL over HTTP
(api/http/graphql.py, GraphiQL for a browser asking for a page: api/http/endpoint.py) and over
WebSocket (api/http/websocket.py); the explorer and GraphiQL pages (api/http/pages.py); health;
Prometheus metrics. Bearer tokens are checked before any execution."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp

from api import heap
from api.graphql.context import Services
from api.http import pages
from api.http.cache import AnswerCache
from api.http.endpoint import FastPath, GraphQLEndpoint
from api.http.graphql import GraphQLHTTP
from api.http.health import live, readiness
from api.http.websocket import LedgerGraphQL
from api.runtime import Runtime


async def metrics(_: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def create_app(runtime: Runtime, owns_runtime: bool = False, settle_heap: bool = False) -> ASGIApp:
    """The application over a runtime; with owns_runtime, it closes the runtime when it stops
    (a worker process, whose runtime is its own); with settle_heap, it settles the process's
    heap once started (api/heap.py: a serving process, not a test's)."""
    services: dict[str, Services] = {}
    cache = AnswerCache(runtime.settings.api.answer_cache_bytes)
    http = GraphQLHTTP(services, cache)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        services["current"] = await runtime.open_services()
        if settle_heap:
            heap.settle()
        try:
            yield
        finally:
            await runtime.close_services()
            if owns_runtime:
                runtime.close()

    routes = [
        *pages.routes(),
        Route(
            "/graphql",
            GraphQLEndpoint(http),
            methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"],
        ),
        WebSocketRoute("/graphql", LedgerGraphQL(services)),
        Route("/metrics", metrics),
        Route("/healthz", live),
        Route("/readyz", readiness(services)),
    ]
    return FastPath(Starlette(routes=routes, lifespan=lifespan), http)
