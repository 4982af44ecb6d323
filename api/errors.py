"""The one place where failures become GraphQL error codes (extensions.code), and where a
database out of reach becomes SERVICE_UNAVAILABLE (`unavailable`): in an answer's errors, at a
subscription's end, and for the token check and the write that happen outside a resolver's
error path."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.error import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionResult

from domain.errors import Conflict, DomainError, InvalidInput, NotFound
from integrations.fanout import TooSlow
from integrations.webhooks.store import NameTaken, UnknownWebhook
from ledger import outages
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
    """A document past a limit of api/graphql/execution/limits.py: refused before it runs."""

    code = "QUERY_TOO_COMPLEX"


class SubscriberTooSlow(ApiError):
    code = "SUBSCRIBER_TOO_SLOW"


DOMAIN_CODES: dict[type[DomainError], str] = {
    InvalidInput: "BAD_USER_INPUT",
    NotFound: "NOT_FOUND",
    Conflict: "CONFLICT",
}
WEBHOOK_CODES: dict[type[Exception], str] = {UnknownWebhook: "NOT_FOUND", NameTaken: "CONFLICT"}
"""The webhook store's refusals; the others are ValueErrors (BAD_USER_INPUT)."""
INPUT_PHRASES = (
    "has invalid value",
    "got invalid value",
    "cannot represent",
    "Expected value of type",
)


def unavailable(error: BaseException, message: str = outages.MESSAGE) -> Unavailable | None:
    """The answer to a database out of reach (ledger/outages.py), with message; None for any
    other failure."""
    if isinstance(error, Unavailable):
        return error
    return Unavailable(message) if outages.unreachable(error) else None


def subscription_end(error: BaseException) -> ApiError | None:
    """Why a subscription ended, when it may be resumed from its cursor: the database out of
    reach, or a subscriber that fell too far behind; None for an unexpected failure."""
    if isinstance(error, TooSlow):
        return SubscriberTooSlow(str(error))
    return unavailable(error)


def code_for(error: GraphQLError) -> str:
    original = error.original_error
    if isinstance(original, DomainError):
        found = (code for cls, code in DOMAIN_CODES.items() if isinstance(original, cls))
        return next(found, "BAD_USER_INPUT")
    if isinstance(original, ApiError):
        return original.code
    if original is not None and type(original) in WEBHOOK_CODES:
        return WEBHOOK_CODES[type(original)]
    if isinstance(original, LogBusy):  # a lock or statement timeout: nothing was recorded
        return "SERVICE_UNAVAILABLE"
    if original is not None and outages.unreachable(original):
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
    original = error.original_error
    if code == "INTERNAL_SERVER_ERROR":
        log.error("unexpected error", exc_info=original)
        error = reworded(error, "Internal error; it was logged.")
    elif isinstance(original, Exception) and not isinstance(original, ApiError):
        answer = unavailable(original)
        if answer is not None:  # the driver's words name hosts and sockets: not for clients
            error = reworded(error, answer.message, answer)
    field = getattr(error.original_error, "field", None)
    error.extensions = {**(error.extensions or {}), "code": code}
    if field:
        error.extensions["field"] = field
    return error


def reworded(error: GraphQLError, message: str, original: Exception | None = None) -> GraphQLError:
    return GraphQLError(
        message, error.nodes, error.source, error.positions, error.path, original_error=original
    )


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
