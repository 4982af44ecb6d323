"""The one place where failures become GraphQL error codes (extensions.code)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.error import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionResult

from domain.errors import Conflict, DomainError, InvalidInput, NotFound
from ledger.outages import unreachable
from ledger.recorder import LogBusy

log = logging.getLogger(__name__)


class ApiError(Exception):
    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unauthenticated(ApiError):
    code = "UNAUTHENTICATED"


class Forbidden(ApiError):
    code = "FORBIDDEN"


class BadInput(ApiError):
    code = "BAD_USER_INPUT"


class Unavailable(ApiError):
    code = "SERVICE_UNAVAILABLE"


class TooComplex(ApiError):
    """A document past a limit of api/cost.py: refused before it runs."""

    code = "QUERY_TOO_COMPLEX"


DOMAIN_CODES: dict[type[DomainError], str] = {
    InvalidInput: "BAD_USER_INPUT",
    NotFound: "NOT_FOUND",
    Conflict: "CONFLICT",
}
INPUT_PHRASES = (
    "has invalid value",
    "got invalid value",
    "cannot represent",
    "Expected value of type",
)


def code_for(error: GraphQLError) -> str:
    original = error.original_error
    if isinstance(original, DomainError):
        found = (code for cls, code in DOMAIN_CODES.items() if isinstance(original, cls))
        return next(found, "BAD_USER_INPUT")
    if isinstance(original, ApiError):
        return original.code
    if isinstance(original, LogBusy):  # a lock or statement timeout: nothing was recorded
        return "SERVICE_UNAVAILABLE"
    if original is not None and unreachable(original):
        return "SERVICE_UNAVAILABLE"
    if any(phrase in error.message for phrase in INPUT_PHRASES):
        return "BAD_USER_INPUT"
    if original is None:
        return "GRAPHQL_VALIDATION_FAILED"
    if isinstance(original, ValueError):
        return "BAD_USER_INPUT"
    return "INTERNAL_SERVER_ERROR"


def with_code(error: GraphQLError) -> GraphQLError:
    if (error.extensions or {}).get("code"):
        return error  # coded already: where it was raised, or by a transport's earlier pass
    code = code_for(error)
    if code == "INTERNAL_SERVER_ERROR":
        log.error("unexpected error", exc_info=error.original_error)
        error = GraphQLError(
            "Internal error; it was logged.",
            error.nodes,
            error.source,
            error.positions,
            error.path,
        )
    field = getattr(error.original_error, "field", None)
    error.extensions = {**(error.extensions or {}), "code": code}
    if field:
        error.extensions["field"] = field
    return error


class ErrorCodes(SchemaExtension):
    """Give every error an extensions.code, and hide unexpected errors' details."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if isinstance(result, GraphQLExecutionResult | ExecutionResult) and result.errors:
            result.errors = [with_code(error) for error in result.errors]

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """Each result a streaming transport (WebSocket) sends, before it is sent."""
        if isinstance(result, GraphQLExecutionResult | ExecutionResult) and result.errors:
            result.errors = [with_code(error) for error in result.errors]
        yield
