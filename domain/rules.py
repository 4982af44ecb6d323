"""Checks shared by the aggregates: each raises InvalidInput naming the field and the value."""

from __future__ import annotations

from datetime import date

from domain.errors import invalid
from domain.names import clean
from domain.text import check_chars

MAX_WON = 10**15
"""The most won one figure may be (1,000조 원, more than a national budget): sums of up to
nine such figures stay below 2^53, the most a Won answers exactly."""
EARLIEST_YEAR = 1900
LATEST_YEAR = 2200


MAX_COUNT = 1_000_000
"""The most people (or projects) one figure may count: sums of up to 2,147 figures stay within
a GraphQL Int (2^31 - 1)."""


def check_count(field: str, value: int | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise invalid(field, value, "must be a whole number of people, zero or more")
    if value > MAX_COUNT:
        raise invalid(field, value, f"must be at most {MAX_COUNT}")


def check_won(field: str, value: int | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise invalid(field, value, "must be a whole number of won, zero or more")
    if value > MAX_WON:
        raise invalid(field, value, f"exceeds the largest amount the ledger keeps ({MAX_WON})")


def check_date(field: str, value: date) -> None:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise invalid(field, value.isoformat(), f"is outside {EARLIEST_YEAR}..{LATEST_YEAR}")


def check_fiscal_year(value: int) -> None:
    if isinstance(value, bool) or not EARLIEST_YEAR <= value <= LATEST_YEAR:
        raise invalid("fiscalYear", value, f"is not a fiscal year ({EARLIEST_YEAR}..{LATEST_YEAR})")


def required_text(field: str, value: str | None) -> str:
    check_chars(field, value or "")
    text = clean(value or "")
    if not text:
        raise invalid(field, value, "must not be empty")
    return text


def optional_text(field: str, value: str | None) -> str | None:
    check_chars(field, value or "")
    text = clean(value or "")
    return text or None
