"""The Strawberry schema, and its SDL as committed in schema.graphql."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import ASTValidationRule, GraphQLError, lexicographic_sort_schema, print_schema
from strawberry.extensions import AddValidationRules, ParserCache, ValidationCache
from strawberry.extensions.query_depth_limiter import create_validator
from strawberry.schema.config import StrawberryConfig

from api.errors import ErrorCodes
from api.executor import LedgerExecutionContext
from api.mutations import Mutation
from api.query import Query
from api.scalars import SCALARS
from api.subscription import Subscription

MAX_DEPTH = 15
"""Deep enough for an explorer's tree of units; shallow enough that no query walks it forever."""
CACHED_DOCUMENTS = 1000
RULES: list[type[ASTValidationRule]] = [create_validator(MAX_DEPTH, None, None)]
"""Made once: the validation cache knows a document by its rules too."""


def added_rules() -> AddValidationRules:
    return AddValidationRules(RULES)


def parser_cache() -> ParserCache:
    return ParserCache(maxsize=CACHED_DOCUMENTS)


def validation_cache() -> ValidationCache:
    return ValidationCache(maxsize=CACHED_DOCUMENTS)


class LedgerSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Expected failures are answers, not incidents: ErrorCodes logs the unexpected ones."""


schema = LedgerSchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    extensions=[ErrorCodes, added_rules, parser_cache, validation_cache],
    execution_context_class=LedgerExecutionContext,
    config=StrawberryConfig(scalar_map=SCALARS),
)


def sdl() -> str:
    return print_schema(lexicographic_sort_schema(schema._schema)) + "\n"
