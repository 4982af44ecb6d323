"""The Strawberry schema, and its SDL as committed in schema.graphql."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError, lexicographic_sort_schema, print_schema
from strawberry.extensions import QueryDepthLimiter
from strawberry.schema.config import StrawberryConfig

from api.errors import ErrorCodes
from api.mutations import Mutation
from api.query import Query
from api.scalars import SCALARS
from api.subscription import Subscription

MAX_DEPTH = 15
"""Deep enough for an explorer's tree of units; shallow enough that no query walks it forever."""


def depth_limit() -> QueryDepthLimiter:
    return QueryDepthLimiter(max_depth=MAX_DEPTH)


class LedgerSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Expected failures are answers, not incidents: ErrorCodes logs the unexpected ones."""


schema = LedgerSchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    extensions=[ErrorCodes, depth_limit],
    config=StrawberryConfig(scalar_map=SCALARS),
)


def sdl() -> str:
    return print_schema(lexicographic_sort_schema(schema._schema)) + "\n"
