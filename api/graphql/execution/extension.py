"""The document pipeline inside Strawberry's own execution (subscriptions over WebSocket,
`schema.execute` in process): the same Documents as over HTTP, so that a text is parsed and
validated once whichever way it comes. A text too long to read is refused as a validation error;
a text that does not parse is left to Strawberry, which reports its syntax error (max_tokens
bounds its tokens)."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import parse
from strawberry.extensions import MaxTokensLimiter, SchemaExtension

from api.graphql.execution.documents import Document, Documents
from api.graphql.execution.limits import MAX_TOKENS, too_long

UNREAD = parse("{ __typename }")
"""The document of a text too long to read, so that its refusal comes as a validation error."""


class PreparedDocuments(SchemaExtension):
    def __init__(self, documents: Documents) -> None:
        super().__init__()
        self.documents = documents
        self.document: Document | None = None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        text = context.query or ""
        self.document = self.documents.prepare(text)
        if self.document.node is not None:
            context.graphql_document = self.document.node
        elif too_long(text):
            context.graphql_document = UNREAD
        yield

    def on_validate(self) -> Iterator[None]:
        assert self.document is not None
        self.execution_context.pre_execution_errors = self.document.errors
        yield


def max_tokens() -> MaxTokensLimiter:
    return MaxTokensLimiter(MAX_TOKENS)
