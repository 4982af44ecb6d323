"""A value that changes on dates: the building block of every aggregate's valid time."""

from __future__ import annotations

from datetime import date
from typing import Generic, TypeVar

T = TypeVar("T")


class Timeline(Generic[T]):
    """Values keyed by the date they take effect; the same date again replaces (a correction)."""

    def __init__(self) -> None:
        self._values: dict[date, T] = {}

    def set(self, on: date, value: T) -> None:
        self._values[on] = value

    def drop(self, on: date) -> None:
        self._values.pop(on, None)

    def exactly(self, on: date) -> T | None:
        return self._values.get(on)

    def at(self, on: date) -> T | None:
        """The value in force on a date: that of the latest date on or before it."""
        dates = [d for d in self._values if d <= on]
        return self._values[max(dates)] if dates else None

    def dates(self) -> list[date]:
        return sorted(self._values)

    def by_date(self) -> dict[date, T]:
        """The values by the date each takes effect, in date order."""
        return {day: self._values[day] for day in self.dates()}
