"""GraphQL documents, parsed and validated once per text: the schema's rules (the spec's, the
depth limit, Strawberry's own) run on the first request that sends a text, and later ones with
the same text reuse the outcome. Only short texts are kept, so that no client can fill memory
with documents."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    Visitor,
    get_operation_ast,
    parse,
    specified_rules,
    visit,
)
from strawberry.schema.schema import validate_document

from api.schema import RULES, schema

CACHED_DOCUMENTS = 2000
CACHED_TEXT_BYTES = 16 * 1024


@dataclass(frozen=True)
class Document:
    node: DocumentNode | None
    errors: list[GraphQLError]
    shows_known_at: bool = True
    """Whether an answer shows a knownAt (selects a field of that name anywhere)."""

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
    errors = validate_document(schema._schema, node, rules)
    return Document(node, errors, shows_field(node, "knownAt"))


def shows_field(node: DocumentNode, name: str) -> bool:
    found = False

    class Finder(Visitor):
        def enter_field(self, field: FieldNode, *_: object) -> None:
            nonlocal found
            found = found or field.name.value == name

    visit(node, Finder())
    return found


_prepared = lru_cache(maxsize=CACHED_DOCUMENTS)(_prepare)
