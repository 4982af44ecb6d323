"""The Strawberry schema, the documents it runs (one pipeline for both transports: parse, limits
and validation once per text, api/graphql/execution/), and its SDL as committed in
schema.graphql."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError, lexicographic_sort_schema, print_schema
from strawberry.schema.config import StrawberryConfig

from api.errors import ErrorCodes
from api.graphql.execution.documents import Documents
from api.graphql.execution.executor import LedgerExecutionContext
from api.graphql.execution.extension import PreparedDocuments, max_tokens
from api.graphql.mutation import Mutation
from api.graphql.query import Query
from api.graphql.scalars import SCALARS
from api.graphql.subscription import Subscription

__all__ = ["documents", "prepare", "schema", "sdl"]


class LedgerSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Expected failures are answers, not incidents: ErrorCodes logs the unexpected ones."""


def prepared_documents() -> PreparedDocuments:
    """Strawberry's executions take their documents from the pipeline HTTP uses."""
    return PreparedDocuments(documents)


schema = LedgerSchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    extensions=[ErrorCodes, max_tokens, prepared_documents],
    execution_context_class=LedgerExecutionContext,
    config=StrawberryConfig(scalar_map=SCALARS),
)
documents = Documents(schema._schema)
prepare = documents.prepare


def sdl() -> str:
    return print_schema(lexicographic_sort_schema(schema._schema)) + "\n"
