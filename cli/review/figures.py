"""How the review writes a figure or a cell: whole numbers with thousands separators, every
text as printed (never read as rich markup)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

NONE = "—"


def figure(value: int | float | Decimal | None) -> str:
    """1234567 as 1,234,567; 28.9 as 28.9; None as an empty cell."""
    if value is None:
        return ""
    return f"{value:,}"


def cell(value: Any) -> str:
    """A ledger cell as a person reads it: a figure with separators, a date as ISO, a list or
    mapping in brief (a task's milestones), nothing held as —."""
    if value is None:
        return NONE
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return figure(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):  # a milestone: when: what
        return ": ".join(cell(item) for item in value.values())
    if isinstance(value, Sequence) and not isinstance(value, str):
        return "; ".join(cell(item) for item in value) or "(none)"
    return str(value)


def change(old: Any, new: Any) -> str:
    return f"{cell(old)} -> {cell(new)}"


def counted(count: int, noun: str) -> str:
    """3 facts, 1 fact."""
    return f"{count:,} {noun}{'s' * (count != 1)}"


def line(number: int | None) -> str:
    return "" if number is None else str(number)


def lines(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


def table(*columns: str, numeric: Sequence[str] = ()) -> Table:
    """A review table of these columns (those named in numeric right-aligned)."""
    found = Table()
    for name in columns:
        found.add_column(name, justify="right" if name in numeric else "left", overflow="fold")
    return found


def titled(title: str, found: Table, *notes: str) -> Group:
    """The table under its title (on a line of its own, however narrow the table), with notes
    below it."""
    below = [Text(note, style="italic") for note in notes]
    return Group(Text(title, style="bold"), found, *below)
