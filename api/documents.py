"""GraphQL documents, parsed and validated once per text: the schema's rules (the spec's, the
depth limit, Strawberry's own) run on the first request that sends a text, and later ones with
the same text reuse the outcome. Only short texts are kept, so that no client can fill memory
with documents."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from graphql import (
    DocumentNode,
    GraphQLError,
    OperationDefinitionNode,
    get_operation_ast,
    parse,
    specified_rules,
)
from strawberry.schema.schema import validate_document

from api.schema import RULES, schema

CACHED_DOCUMENTS = 2000
CACHED_TEXT_BYTES = 16 * 1024


@dataclass(frozen=True)
class Document:
    node: DocumentNode | None
    errors: list[GraphQLError]

    def operation(self, name: str | None) -> OperationDefinitionNode | None:
        return None if self.node is None else get_operation_ast(self.node, name)


def prepare(text: str) -> Document:
    """The document of a text, with the syntax or validation errors found in it."""
    if len(text) <= CACHED_TEXT_BYTES:
        return _prepared(text)
    return _prepare(text)


def _prepare(text: str) -> Document:
    try:
        node = parse(text)
    except GraphQLError as error:
        return Document(None, [error])
    rules = (*specified_rules, *RULES)
    return Document(node, validate_document(schema._schema, node, rules))


_prepared = lru_cache(maxsize=CACHED_DOCUMENTS)(_prepare)
