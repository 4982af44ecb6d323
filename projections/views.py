"""What the read model answers, as plain values, and the roll-ups computed from its facts."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.budget import ACCOUNTS


@dataclass(frozen=True)
class UnitView:
    id: UUID
    name: str
    parent_id: UUID | None
    valid_from: date


def by_name(unit: UnitView) -> tuple[str, str]:
    """Units in order: by name, then id (two units may share a name)."""
    return (unit.name, str(unit.id))


@dataclass
class Tree:
    """The units in force at one (asOf, knownAt)."""

    units: dict[UUID, UnitView]
    _children: dict[UUID, list[UnitView]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for unit in sorted(self.units.values(), key=by_name):
            if unit.parent_id in self.units:
                self._children.setdefault(unit.parent_id, []).append(unit)

    def get(self, unit_id: UUID) -> UnitView | None:
        return self.units.get(unit_id)

    def parent(self, unit_id: UUID) -> UnitView | None:
        unit = self.units.get(unit_id)
        return self.units.get(unit.parent_id) if unit and unit.parent_id else None

    def children(self, unit_id: UUID) -> list[UnitView]:
        return self._children.get(unit_id, [])

    def subtree(self, unit_id: UUID) -> list[UUID]:
        """The unit and every descendant in force, depth-first by name, then id."""
        found: dict[UUID, None] = {}
        stack = [unit_id]
        while stack:
            current = stack.pop()
            if current not in found:
                found[current] = None
                stack.extend(reversed([child.id for child in self.children(current)]))
        return list(found)

    def in_order(self) -> list[UnitView]:
        """Roots first, then each unit's children, depth-first by name, then id."""
        roots = [u for u in self.units.values() if u.parent_id not in self.units]
        ordered: dict[UUID, None] = {}
        for root in sorted(roots, key=by_name):
            ordered.update(dict.fromkeys(self.subtree(root.id)))
        return [self.units[i] for i in ordered]


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


@dataclass(frozen=True)
class StaffingView:
    reference_date: date
    authorized: int | None
    current: int
    women: int | None
    rows: list[StaffingRowView]
    sources: list[str]
    notes: list[str]
    job_category: str | None = None
    """Set on the part of a table that by_category gives."""

    def by_category(self) -> list[StaffingView]:
        """The table's subtotals by job category (소계), in the order of the rows; women only
        where the rows give them (a unit-level figure cannot be split)."""
        groups: dict[str, list[StaffingRowView]] = {}
        for row in self.rows:
            groups.setdefault(row.job_category, []).append(row)
        return [
            StaffingView(
                reference_date=self.reference_date,
                authorized=_sum_or_none(r.authorized for r in rows),
                current=sum(r.current for r in rows),
                women=_sum_or_none(r.women for r in rows),
                rows=rows,
                sources=self.sources,
                notes=[],
                job_category=category,
            )
            for category, rows in groups.items()
        ]


def _sum_or_none(values: Iterable[int | None]) -> int | None:
    values = list(values)
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)


@dataclass(frozen=True)
class StaffingTable:
    """One unit's staffing table as in force: its reference date, its lines, and what it says
    of the unit as a whole."""

    unit_id: UUID
    reference_date: date
    rows: list[StaffingRowView]
    women: int | None
    note: str | None
    source: str | None

    @property
    def unit_women(self) -> int | None:
        if self.women is not None:
            return self.women
        return _sum_or_none(row.women for row in self.rows)

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


def roll_up_staffing(tables: list[StaffingTable]) -> StaffingView | None:
    """Sum the units' tables by series; labels are those of the latest reference date."""
    if not tables:
        return None
    if len(tables) == 1:
        return _one_table(tables[0])
    tables = sorted(tables, key=lambda table: table.reference_date)
    series: dict[str, list[StaffingRowView]] = {}
    for table in tables:
        for row in table.rows:
            series.setdefault(row.series_key, []).append(row)
    rows = [
        StaffingRowView(
            series_key=key,
            job_category=group[-1].job_category,
            grade=group[-1].grade,
            authorized=_sum_or_none(r.authorized for r in group),
            current=sum(r.current for r in group),
            women=_sum_or_none(r.women for r in group),
            resolutions=list(dict.fromkeys(n for r in group for n in r.resolutions)),
        )
        for key, group in series.items()
    ]
    return StaffingView(
        reference_date=tables[-1].reference_date,
        authorized=_sum_or_none(r.authorized for r in rows),
        current=sum(r.current for r in rows),
        women=_sum_or_none(table.unit_women for table in tables),
        rows=rows,
        sources=sorted({t.source for t in tables if t.source}),
        notes=[t.note for t in tables if t.note],
    )


def _one_table(table: StaffingTable) -> StaffingView:
    return StaffingView(
        reference_date=table.reference_date,
        authorized=_sum_or_none(r.authorized for r in table.rows),
        current=sum(r.current for r in table.rows),
        women=table.unit_women,
        rows=table.rows,
        sources=[table.source] if table.source else [],
        notes=[table.note] if table.note else [],
    )


@dataclass(frozen=True)
class GovernmentTotalsView:
    """A government's staffing totals at one (asOf, knownAt), as the projector keeps them
    (rm_rollup): Staffing's authorized, current, women and reference date over its tree, and
    the units in force in it (None and 0 where no table is in force)."""

    government: UnitView
    units: int
    authorized: int | None
    current: int
    women: int | None
    reference_date: date | None


@dataclass(frozen=True)
class BudgetLineView:
    id: UUID
    owner_id: UUID
    fiscal_year: int
    reference_date: date
    account: str | None
    item: str
    budgeted: int
    executed: int | None
    projects: int | None
    note: str | None
    source: str | None
    as_printed: dict[str, Any] | None

    @property
    def remaining(self) -> int | None:
        return None if self.executed is None else self.budgeted - self.executed

    @property
    def execution_rate(self) -> float | None:
        if self.executed is None or self.budgeted == 0:
            return None
        return self.executed / self.budgeted


@dataclass(frozen=True)
class BudgetView:
    fiscal_year: int
    reference_date: date
    budgeted: int
    executed: int | None
    lines: list[BudgetLineView]
    account: str | None = None
    """Set on the part of a budget that by_account gives."""

    @property
    def projects(self) -> int | None:
        return _sum_or_none(line.projects for line in self.lines)

    def by_account(self) -> list[BudgetView]:
        """The budget's totals by account (일반회계, 특별회계, 기금; lines without one last)."""
        groups: dict[str | None, list[BudgetLineView]] = {}
        for line in sorted(self.lines, key=_account_order):
            groups.setdefault(line.account, []).append(line)
        parts = [roll_up_budget(self.fiscal_year, lines) for lines in groups.values()]
        return [
            dataclasses.replace(part, account=account)
            for account, part in zip(groups, parts, strict=True)
            if part is not None
        ]

    @property
    def fully_reported(self) -> bool:
        return all(line.executed is not None for line in self.lines)

    @property
    def remaining(self) -> int | None:
        if self.executed is None or not self.fully_reported:
            return None
        return self.budgeted - self.executed

    @property
    def execution_rate(self) -> float | None:
        if self.executed is None or not self.fully_reported or self.budgeted == 0:
            return None
        return self.executed / self.budgeted


def _account_order(line: BudgetLineView) -> int:
    return ACCOUNTS.index(line.account) if line.account in ACCOUNTS else len(ACCOUNTS)


def roll_up_budget(fiscal_year: int, lines: list[BudgetLineView]) -> BudgetView | None:
    if not lines:
        return None
    reported = [line.executed for line in lines if line.executed is not None]
    return BudgetView(
        fiscal_year=fiscal_year,
        reference_date=max(line.reference_date for line in lines),
        budgeted=sum(line.budgeted for line in lines),
        executed=sum(reported) if reported else None,
        lines=sorted(lines, key=lambda line: (line.account or "", line.item, str(line.id))),
    )


@dataclass(frozen=True)
class TaskView:
    id: UUID
    owner_id: UUID
    kind: str
    valid_from: date
    title: str
    description: str | None
    status: str | None
    status_since: date | None
    number: int | None
    category: str | None
    responsible: str | None
    listed: bool
    milestones: list[dict[str, str]]
    source: str | None


@dataclass(frozen=True)
class EventView:
    position: int
    type: str
    subject_id: UUID
    subject_type: str
    subject_version: int
    valid_from: date | None
    recorded_at: datetime
    actor: str
    reason: str | None
    source: str | None


@dataclass(frozen=True)
class EventPage:
    events: list[EventView]
    has_next: bool
