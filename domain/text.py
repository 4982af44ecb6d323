"""What text the ledger accepts: no character PostgreSQL text or JSON cannot hold or a reader
cannot see (control characters but tab, newline and carriage return; lone surrogates;
noncharacters), and no more characters than the field's limit.

The limits are settings (ledger/settings.py reads them); the domain gets them as a TextLimits
value and does no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from domain.errors import InvalidInput


class TextKind(Enum):
    """The kinds of text a command carries, each with a limit of its own."""

    NAME = "name"
    """Names and titles: a unit's name, a budget item, a task's title, an indicator's name."""
    LABEL = "label"
    """Short labels: job categories, grades, accounts, measures, periods, categories."""
    REASON = "reason"
    """Why and from where: reasons, sources (a document's name or address), milestones."""
    DESCRIPTION = "description"
    """Free text: task descriptions, notes, resolutions of ambiguous figures."""
    KEY = "key"
    """Keys given by the client: idempotency keys, series keys."""


@dataclass(frozen=True)
class TextLimits:
    """The most characters (code points) a field of each kind may hold."""

    name: int = 200
    label: int = 100
    reason: int = 2000
    description: int = 20000
    key: int = 200

    def of(self, kind: TextKind) -> int:
        limit: int = getattr(self, kind.value)
        return limit


DEFAULT_LIMITS = TextLimits()

_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane | 0xFFFE)}{chr(plane | 0xFFFF)}" for plane in range(0, 0x110000, 0x10000)
)
_REFUSED = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff{_NONCHARACTERS}]")


def _what(char: str) -> str:
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return "a lone surrogate"
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return "a control character"
    return "a noncharacter"


def passes(value: str) -> bool:
    """Whether the text holds no character the ledger refuses (check_chars says which)."""
    return _REFUSED.search(value) is None


def check_chars(field: str, value: str) -> None:
    """InvalidInput naming the field when the text holds a character the ledger refuses."""
    found = _REFUSED.search(value)
    if found is not None:
        char = found.group()
        raise InvalidInput(
            f"{field}: contains U+{ord(char):04X} ({_what(char)}) at character {found.start()}; "
            "control characters other than tab and newline, lone surrogates and noncharacters "
            "are not accepted",
            field=field,
        )


def check_length(field: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise InvalidInput(
            f"{field}: {len(value)} characters; at most {limit} are accepted", field=field
        )


def check_text(field: str, value: str | None, limit: int) -> None:
    """The field's text within its limit and free of refused characters (None passes)."""
    if value is None:
        return
    check_length(field, value, limit)
    check_chars(field, value)


def check_key(value: str | None, limits: TextLimits = DEFAULT_LIMITS) -> None:
    """An idempotency key, when given, is 1 to limits.key characters."""
    if value is None:
        return
    if not value:
        raise InvalidInput(
            f"idempotencyKey: must be 1 to {limits.key} characters, not empty",
            field="idempotencyKey",
        )
    check_text("idempotencyKey", value, limits.key)


def checked_texts(field: str, values: list[str] | None, limit: int) -> list[str] | None:
    """The values as they are, once each passes check_text (field[index] names a refused one)."""
    for index, value in enumerate(values or ()):
        check_text(f"{field}[{index}]", value, limit)
    return values
