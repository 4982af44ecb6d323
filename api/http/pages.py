"""The pages for people: the time-travel explorer at /, its report ingest at /ingest, and
GraphiQL at /graphiql (and /graphql in a browser), with their scripts and styles served from
api/http/static. Nothing loads from another host: the pages' Content-Security-Policy allows this
origin only."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

STATIC = Path(__file__).resolve().parent / "static"

POLICY = "; ".join(
    (
        "default-src 'self'",
        "connect-src 'self'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        # GraphiQL's editor and React set style attributes; no inline script runs anywhere.
        "style-src 'self' 'unsafe-inline'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'self'",
    )
)
HEADERS = {"Content-Security-Policy": POLICY, "Cache-Control": "no-cache"}


class Assets(StaticFiles):
    """api/http/static, revalidated on each use (by ETag), so that an upgrade shows at once."""

    def file_response(self, *args: object, **kwargs: object) -> Response:
        response = super().file_response(*args, **kwargs)  # type: ignore[arg-type]
        response.headers["Cache-Control"] = "no-cache"
        return response


def page(name: str) -> FileResponse:
    return FileResponse(STATIC / name, media_type="text/html", headers=HEADERS)


async def explorer(_: Request) -> Response:
    return page("index.html")


async def ingest(_: Request) -> Response:
    return page("ingest.html")


async def graphiql(_: Request) -> Response:
    return page("graphiql/index.html")


async def serve_graphiql(scope: Scope, receive: Receive, send: Send) -> None:
    """GraphiQL as an ASGI app: what /graphql answers a browser asking for a page."""
    await page("graphiql/index.html")(scope, receive, send)


def routes() -> list[BaseRoute]:
    return [
        Route("/", explorer, methods=["GET", "HEAD"]),
        Route("/ingest", ingest, methods=["GET", "HEAD"]),
        Route("/graphiql", graphiql, methods=["GET", "HEAD"]),
        Mount("/static", Assets(directory=STATIC), name="static"),
    ]
