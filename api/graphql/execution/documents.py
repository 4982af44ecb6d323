"""GraphQL documents, parsed, checked against the limits and validated once per text, for both
transports: over HTTP the handler asks for a text's Document; over WebSocket (and in process)
the schema's extension (extension.py) does. A text longer than MAX_DOCUMENT_CHARS or MAX_TOKENS
is not read at all; only short texts are kept (CACHED_TEXT_BYTES), later requests with the same
text reusing the outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    Visitor,
    parse,
    visit,
)

from api.errors import TooComplex
from api.graphql.execution.limits import MAX_TOKENS, too_long
from api.graphql.execution.validation import validate

CACHED_DOCUMENTS = 2000
CACHED_TEXT_BYTES = 16 * 1024
"""Only documents this short are kept, so that no client can fill memory with documents."""


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


class Documents:
    """The documents of one schema, each short text prepared once."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self._kept = lru_cache(maxsize=CACHED_DOCUMENTS)(self._prepare)

    def prepare(self, text: str) -> Document:
        """The document of a text, with the syntax or validation errors found in it."""
        if len(text) <= CACHED_TEXT_BYTES:
            return self._kept(text)
        return self._prepare(text)

    def _prepare(self, text: str) -> Document:
        refused = too_long(text)
        if refused:
            return Document(None, [refused])
        try:
            node = parse(text, max_tokens=MAX_TOKENS)
        except GraphQLError as error:
            return Document(None, [as_too_complex(error)])
        errors = validate(self.schema, node)
        return Document(node, errors, shows_field(node, "knownAt"), operations(node))


def as_too_complex(error: GraphQLError) -> GraphQLError:
    """A parse aborted for too many tokens, or nested too deeply, is QUERY_TOO_COMPLEX; other
    syntax errors stay as they are."""
    if not error.message.endswith("Parsing aborted."):
        return error
    return GraphQLError(
        error.message,
        source=error.source,
        positions=error.positions,
        original_error=TooComplex(error.message),
    )


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
