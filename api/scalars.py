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
        parse_value=wrap_parser(dt.datetime.fromisoformat, "DateTime"),
    ),
    Won: strawberry.scalar(
        name="Won",
        description="Whole Korean won, serialised as a JSON integer (absolute value below 2^53).",
        serialize=int,
        parse_value=parse_won,
    ),
}
