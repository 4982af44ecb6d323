"""Who answers a request to /graphql: GraphiQL for a browser asking for a page, GraphQL over
HTTP for everyone else; and a POST to /graphql straight to its handler, past Starlette's routing
and middleware (the handler answers its own failures)."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from api.http import pages
from api.http.graphql import GraphQLHTTP


class GraphQLEndpoint:
    """/graphql over HTTP: a browser asking for a page gets GraphiQL, everyone else GraphQL."""

    def __init__(self, http: GraphQLHTTP) -> None:
        self.http = http

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


class FastPath:
    """GraphQL over HTTP straight to its endpoint, every other request through Starlette's
    routing and middleware."""

    def __init__(self, app: ASGIApp, graphql: GraphQLHTTP) -> None:
        self.app, self.graphql = app, graphql

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/graphql" and scope["method"] == "POST":
            await self.graphql(scope, receive, send)
        else:
            await self.app(scope, receive, send)
