"""Strawberry's own view, on /graphql's WebSocket route: subscriptions over graphql-transport-ws
and the older graphql-ws. (Over HTTP, /graphql is endpoint.py's.)"""

from __future__ import annotations

from typing import Any

from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

from api.graphql.context import Context, Services
from api.graphql.schema import schema


class LedgerGraphQL(GraphQL[Context, None]):
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
