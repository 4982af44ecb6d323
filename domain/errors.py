"""Domain errors. The API maps each class to one GraphQL error code, in one place."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A command broke a rule; nothing was recorded."""

    def __init__(self, message: str, *, field: str | None = None, value: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.value = value


class InvalidInput(DomainError):
    """A value is not acceptable (negative count, unknown date, empty name...)."""


class NotFound(DomainError):
    """An id names nothing in the ledger."""


class Conflict(DomainError):
    """The command collides with what is already recorded (stale version, reused key)."""


SHOWN_CHARS = 80
"""The most characters of a refused value a message repeats."""


def shown(value: Any) -> str:
    """The value's repr, cut short: a message need not echo a megabyte back."""
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else f"{text[: SHOWN_CHARS - 1]}… ({len(text)} chars)"


def invalid(field: str, value: Any, why: str) -> InvalidInput:
    return InvalidInput(f"{field}: {shown(value)} {why}", field=field, value=value)
