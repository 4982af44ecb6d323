"""Scalars of the contract: Date and DateTime as the contract words them (parsed by the
standard library), and Won. JSON is Strawberry's own."""

from __future__ import annotations

import datetime as dt
from typing import Any, NewType

import strawberry
from strawberry.schema.types.base_scalars import wrap_parser
from strawberry.types.scalar import ScalarDefinition

MAX_WON = 2**53 - 1

Won = NewType("Won", int)


def parse_won(value: Any) -> Won:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"Won must be a whole number of won, not {value!r}")
    if abs(value) > MAX_WON:
        raise ValueError(f"Won must stay below 2^53 in absolute value, not {value}")
    return Won(value)


def isoformat(value: dt.date) -> str:
    return value.isoformat()


def parse_datetime(value: str) -> dt.datetime:
    """An ISO 8601 timestamp whose UTC instant a datetime can hold (0001-01-01T00:00:00+14:00
    is not one: in UTC it falls before year 1)."""
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is not None:
        try:
            parsed.astimezone(dt.UTC)
        except OverflowError:
            raise ValueError("its UTC instant is outside years 1 to 9999") from None
    return parsed


SCALARS: dict[object, ScalarDefinition] = {
    dt.date: strawberry.scalar(
        name="Date",
        description="ISO 8601 calendar date, e.g. 2020-03-31.",
        serialize=isoformat,
        parse_value=wrap_parser(dt.date.fromisoformat, "Date"),
    ),
    dt.datetime: strawberry.scalar(
        name="DateTime",
        description="ISO 8601 timestamp with a UTC offset, e.g. 2020-04-01T09:00:00+09:00.",
        serialize=isoformat,
        parse_value=wrap_parser(parse_datetime, "DateTime"),
    ),
    Won: strawberry.scalar(
        name="Won",
        description="Whole Korean won, serialised as a JSON integer (absolute value below 2^53).",
        serialize=int,
        parse_value=parse_won,
    ),
}
