"""GraphQL documents, parsed and validated once per text: the limits of api/cost.py, then the
spec's rules (api/schema.py's validate), run on the first request that sends a text, and later
ones with the same text reuse the outcome. Only short texts are kept (CACHED_TEXT_BYTES); none
longer than MAX_DOCUMENT_CHARS or MAX_TOKENS is read at all."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    Visitor,
    parse,
    visit,
)

from api.errors import TooComplex
from api.graphql.execution.limits import MAX_TOKENS, too_long
from api.graphql.schema import CACHED_TEXT_BYTES, validate

CACHED_DOCUMENTS = 2000


@dataclass(frozen=True)
class Document:
    node: DocumentNode | None
    errors: list[GraphQLError]
    shows_known_at: bool = True
    """Whether an answer shows a knownAt (selects a field of that name anywhere)."""
    operations: dict[str | None, OperationDefinitionNode] = field(default_factory=dict)
    """The operations by name; the one operation also under None."""

    def operation(self, name: str | None) -> OperationDefinitionNode | None:
        return self.operations.get(name)

    def why_none(self, name: str | None) -> str:
        """Why operation(name) found none to run."""
        names = ", ".join(repr(n) for n in self.operations if n is not None)
        if name is not None:
            return f"operationName {name!r} names no operation of the document ({names or 'none'})"
        return (
            f"the document has several operations ({names}): operationName must name the one to run"
        )


def prepare(text: str) -> Document:
    """The document of a text, with the syntax or validation errors found in it."""
    if len(text) <= CACHED_TEXT_BYTES:
        return _prepared(text)
    return _prepare(text)


def _prepare(text: str) -> Document:
    refused = too_long(text)
    if refused:
        return Document(None, [refused])
    try:
        node = parse(text, max_tokens=MAX_TOKENS)
    except GraphQLError as error:
        if error.message.endswith("Parsing aborted."):  # too many tokens, or nested too deeply
            error = GraphQLError(
                error.message,
                source=error.source,
                positions=error.positions,
                original_error=TooComplex(error.message),
            )
        return Document(None, [error])
    errors = validate(node)
    return Document(node, errors, shows_field(node, "knownAt"), operations(node))


def operations(node: DocumentNode) -> dict[str | None, OperationDefinitionNode]:
    found = [d for d in node.definitions if isinstance(d, OperationDefinitionNode)]
    named: dict[str | None, OperationDefinitionNode] = {o.name.value: o for o in found if o.name}
    if len(found) == 1:
        named[None] = found[0]
    return named


def shows_field(node: DocumentNode, name: str) -> bool:
    found = False

    class Finder(Visitor):
        def enter_field(self, field: FieldNode, *_: object) -> None:
            nonlocal found
            found = found or field.name.value == name

    visit(node, Finder())
    return found


_prepared = lru_cache(maxsize=CACHED_DOCUMENTS)(_prepare)
