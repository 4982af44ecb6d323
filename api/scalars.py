"""Scalars of the contract beyond Strawberry's own Date, DateTime and JSON."""

from __future__ import annotations

from typing import Any, NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

MAX_WON = 2**53 - 1

Won = NewType("Won", int)


def parse_won(value: Any) -> Won:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"Won must be a whole number of won, not {value!r}")
    if abs(value) > MAX_WON:
        raise ValueError(f"Won must stay below 2^53 in absolute value, not {value}")
    return Won(value)


SCALARS: dict[object, ScalarDefinition] = {
    Won: strawberry.scalar(
        name="Won",
        description="Whole Korean won, serialised as a JSON integer (absolute value below 2^53).",
        serialize=int,
        parse_value=parse_won,
    ),
}
