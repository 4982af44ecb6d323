"""Staffing as the read model answers it: a unit's table in force, and tables summed by series.

A tree's page (Query.orgUnits with each unit's staffing) sums hundreds of tables, one sum a
unit over its subtree, and most pages ask for the totals alone. So a table read from the read
model keeps its lines as the columns it was stored in, and a sum keeps the tables it sums: the
totals come from the columns, and the lines (the rows of a table, the series of a sum) are made
when first asked for."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, partial
from typing import Any
from uuid import UUID

Label = tuple[str, str, str | None]
"""A line's series key, job category and grade."""


def sum_or_none(values: Iterable[int | None]) -> int | None:
    """The sum, or None when a value is missing."""
    values = list(values)
    return None if None in values else sum(v for v in values if v is not None)


@dataclass(slots=True)
class StaffingRowView:
    """One line of a table in force. Not frozen: a frozen dataclass takes about 2 µs more to
    make (a setattr through object per field), and a government's tree makes thousands of
    lines a read; nothing changes a view once made."""

    series_key: str
    job_category: str
    grade: str | None
    authorized: int | None
    current: int
    women: int | None
    resolutions: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TableColumns:
    """A table's lines as rm_staffing stores them: a column a figure, a label id a line."""

    label_ids: list[int]
    labels: dict[int, Label]
    authorized: list[int | None]
    current: list[int]
    women: list[int | None] | None
    resolutions: list[str | None] | None

    def rows(self) -> list[StaffingRowView]:
        count = len(self.label_ids)
        lines = []
        for label, authorized, current, women, resolution in zip(
            self.label_ids,
            self.authorized,
            self.current,
            self.women or [None] * count,
            self.resolutions or [None] * count,
            strict=True,
        ):
            key, category, grade = self.labels[label]
            notes = [resolution] if resolution else []
            lines.append(StaffingRowView(key, category, grade, authorized, current, women, notes))
        return lines


@dataclass(frozen=True)
class StaffingTable:
    """One unit's staffing table as in force: its reference date, its lines (as rows, or as
    the columns they were read in), and what it says of the unit as a whole."""

    unit_id: UUID
    reference_date: date
    lines: list[StaffingRowView] | TableColumns
    women: int | None
    note: str | None
    source: str | None

    @cached_property
    def rows(self) -> list[StaffingRowView]:
        return self.lines.rows() if isinstance(self.lines, TableColumns) else self.lines

    @cached_property
    def authorized(self) -> int | None:
        if isinstance(self.lines, TableColumns):
            return sum_or_none(self.lines.authorized)
        return sum_or_none(row.authorized for row in self.lines)

    @cached_property
    def current(self) -> int:
        if isinstance(self.lines, TableColumns):
            return sum(self.lines.current)
        return sum(row.current for row in self.lines)

    @property
    def unit_women(self) -> int | None:
        if self.women is not None:
            return self.women
        if isinstance(self.lines, TableColumns):
            columns = self.lines
            return sum_or_none(columns.women or [None] * len(columns.label_ids))
        return sum_or_none(row.women for row in self.lines)

    def value(self) -> dict[str, Any]:
        """The table as its event recorded it (the shape changes() compares)."""
        rows = []
        for row in self.rows:
            line: dict[str, Any] = {
                "series_key": row.series_key,
                "job_category": row.job_category,
                "grade": row.grade,
                "authorized": row.authorized,
                "current": row.current,
                "women": row.women,
            }
            if row.resolutions:
                line["resolution"] = row.resolutions[0]
            rows.append(line)
        return {"rows": rows, "women": self.women, "note": self.note, "source": self.source}


@dataclass(frozen=True)
class StaffingView:
    """Tables summed (or one table): totals, and rows by series made when first read."""

    reference_date: date
    authorized: int | None
    current: int
    women: int | None
    lines: list[StaffingRowView] | Callable[[], list[StaffingRowView]] = field(
        repr=False, compare=False
    )
    sources: list[str]
    notes: list[str]
    job_category: str | None = None
    """Set on the part of a table that by_category gives."""

    @cached_property
    def rows(self) -> list[StaffingRowView]:
        return self.lines() if callable(self.lines) else self.lines

    def by_category(self) -> list[StaffingView]:
        """The table's subtotals by job category (소계), in the order of the rows; women only
        where the rows give them (a unit-level figure cannot be split)."""
        groups: dict[str, list[StaffingRowView]] = {}
        for row in self.rows:
            groups.setdefault(row.job_category, []).append(row)
        return [
            StaffingView(
                reference_date=self.reference_date,
                authorized=sum_or_none(r.authorized for r in rows),
                current=sum(r.current for r in rows),
                women=sum_or_none(r.women for r in rows),
                lines=rows,
                sources=self.sources,
                notes=[],
                job_category=category,
            )
            for category, rows in groups.items()
        ]


def roll_up_staffing(tables: list[StaffingTable]) -> StaffingView | None:
    """Sum the units' tables by series; labels are those of the latest reference date. A
    total is None where a line of any table lacks the figure, as the series' sums are."""
    if not tables:
        return None
    if len(tables) == 1:
        return _one_table(tables[0])
    tables = sorted(tables, key=lambda table: table.reference_date)
    return StaffingView(
        reference_date=tables[-1].reference_date,
        authorized=sum_or_none(table.authorized for table in tables),
        current=sum(table.current for table in tables),
        women=sum_or_none(table.unit_women for table in tables),
        lines=partial(_by_series, tables),
        sources=sorted({t.source for t in tables if t.source}),
        notes=[t.note for t in tables if t.note],
    )


def _by_series(tables: list[StaffingTable]) -> list[StaffingRowView]:
    """The tables' rows summed by series, in the order each series first appears."""
    series: dict[str, list[StaffingRowView]] = {}
    for table in tables:
        for row in table.rows:
            series.setdefault(row.series_key, []).append(row)
    return [
        StaffingRowView(
            series_key=key,
            job_category=group[-1].job_category,
            grade=group[-1].grade,
            authorized=sum_or_none(r.authorized for r in group),
            current=sum(r.current for r in group),
            women=sum_or_none(r.women for r in group),
            resolutions=list(dict.fromkeys(n for r in group for n in r.resolutions)),
        )
        for key, group in series.items()
    ]


def _one_table(table: StaffingTable) -> StaffingView:
    return StaffingView(
        reference_date=table.reference_date,
        authorized=table.authorized,
        current=table.current,
        women=table.unit_women,
        lines=lambda: table.rows,
        sources=[table.source] if table.source else [],
        notes=[table.note] if table.note else [],
    )
