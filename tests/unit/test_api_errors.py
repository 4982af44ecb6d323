"""code_for: the one mapping from failures to GraphQL error codes."""

from __future__ import annotations

import pytest
from graphql.error import GraphQLError

from api.errors import BadInput, Forbidden, Unauthenticated, Unavailable, code_for
from domain.errors import Conflict, InvalidInput, NotFound, invalid


def wrapped(original: Exception | None, message: str = "failed") -> GraphQLError:
    return GraphQLError(message, original_error=original)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (InvalidInput("name: '' must not be empty", field="name"), "BAD_USER_INPUT"),
        (invalid("rows[0].current", -1, "must be positive"), "BAD_USER_INPUT"),
        (NotFound("orgUnitId: nothing"), "NOT_FOUND"),
        (Conflict("stale version"), "CONFLICT"),
    ],
)
def test_domain_errors(error: Exception, code: str) -> None:
    assert code_for(wrapped(error)) == code


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (Unauthenticated("no token"), "UNAUTHENTICATED"),
        (Forbidden("not an editor"), "FORBIDDEN"),
        (BadInput("first: -1"), "BAD_USER_INPUT"),
        (Unavailable("database down"), "SERVICE_UNAVAILABLE"),
    ],
)
def test_api_errors(error: Exception, code: str) -> None:
    assert code_for(wrapped(error)) == code


def test_value_error_is_bad_input_and_others_internal() -> None:
    assert code_for(wrapped(ValueError("bad uuid"))) == "BAD_USER_INPUT"
    assert code_for(wrapped(RuntimeError("boom"))) == "INTERNAL_SERVER_ERROR"
    assert code_for(wrapped(KeyError("x"))) == "INTERNAL_SERVER_ERROR"


@pytest.mark.parametrize(
    "message",
    [
        "Variable '$first' got invalid value 'x'.",
        "Int cannot represent non-integer value: 'x'",
        "Expected value of type 'Date!', found \"x\".",
        "Argument 'first' has invalid value \"x\".",
    ],
)
def test_input_coercion_messages_are_bad_input(message: str) -> None:
    assert code_for(wrapped(None, message)) == "BAD_USER_INPUT"


def test_other_errors_without_original_are_validation_failures() -> None:
    message = "Cannot query field 'nope' on type 'Query'."
    assert code_for(wrapped(None, message)) == "GRAPHQL_VALIDATION_FAILED"
