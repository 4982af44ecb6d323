"""The Strawberry schema, and its SDL as committed in schema.graphql."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from functools import lru_cache, partial
from typing import Any

import strawberry
from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    lexicographic_sort_schema,
    parse,
    print_schema,
    specified_rules,
)
from strawberry.extensions import MaxTokensLimiter, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import validate_document

from api.errors import ErrorCodes
from api.graphql.execution.executor import LedgerExecutionContext
from api.graphql.execution.limits import MAX_DEPTH, MAX_TOKENS, QueryLimits, too_long
from api.graphql.mutation import Mutation
from api.graphql.query import Query
from api.graphql.scalars import SCALARS
from api.graphql.subscription import Subscription

__all__ = ["MAX_DEPTH", "RULES", "schema", "sdl", "validate"]
CACHED_DOCUMENTS = 1000
CACHED_TEXT_BYTES = 16 * 1024
"""Only documents this short are kept, so that no client can fill memory with documents."""
RULES: list[type[ASTValidationRule]] = [QueryLimits]
"""Depth, aliases, repeats and cost (api/cost.py; Strawberry's own depth and alias limiters
expand fragments without memory, which a fragment bomb turns into minutes): checked before the
spec's rules, which run only on a document within them (see validate)."""


def validate(document: DocumentNode) -> list[GraphQLError]:
    """The errors of a document: those of RULES, else those of the spec's rules (some of which
    take time that grows with the square of a document's size)."""
    core = schema._schema
    return validate_document(core, document, tuple(RULES)) or validate_document(
        core, document, tuple(specified_rules)
    )


class Documents(SchemaExtension):
    """Over WebSocket as over HTTP (api/documents.py): a document too long is not read, the
    others are parsed and validated once per text. A text that does not parse is left to
    Strawberry, which reports its syntax error (MaxTokensLimiter bounds its tokens)."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        text = context.query or ""
        if too_long(text):
            context.graphql_document = UNREAD
        else:
            with suppress(GraphQLError):
                kept = len(text) <= CACHED_TEXT_BYTES
                context.graphql_document = (_parsed if kept else _parse)(text)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        assert document is not None
        refused = too_long(context.query or "")
        kept = len(context.query or "") <= CACHED_TEXT_BYTES
        errors = [refused] if refused else (_validated if kept else validate)(document)
        context.pre_execution_errors = errors
        yield


UNREAD = parse("{ __typename }")
"""The document of a text too long to read, so that its refusal comes as a validation error."""
_parse = partial(parse, max_tokens=MAX_TOKENS)
_parsed = lru_cache(maxsize=CACHED_DOCUMENTS)(_parse)
_validated = lru_cache(maxsize=CACHED_DOCUMENTS)(validate)


def max_tokens() -> MaxTokensLimiter:
    return MaxTokensLimiter(MAX_TOKENS)


class LedgerSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Expected failures are answers, not incidents: ErrorCodes logs the unexpected ones."""


schema = LedgerSchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    extensions=[ErrorCodes, max_tokens, Documents],
    execution_context_class=LedgerExecutionContext,
    config=StrawberryConfig(scalar_map=SCALARS),
)


def sdl() -> str:
    return print_schema(lexicographic_sort_schema(schema._schema)) + "\n"
