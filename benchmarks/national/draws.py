"""Draws from a generator's random(), without random.choice's and randint's checks: the
generator makes millions of them. Each stays deterministic for a seeded generator."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
Draw = Callable[[], float]


def pick(rnd: Draw, items: Sequence[T]) -> T:
    """One of the items."""
    return items[int(rnd() * len(items))]


def between(rnd: Draw, low: int, high: int) -> int:
    """A whole number from low to high, both included."""
    return low + int(rnd() * (high - low + 1))
