"""What the read model answers, as plain values, and the roll-ups computed from its facts."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.budget import ACCOUNTS
from projections.staffing_views import sum_or_none


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
        return sum_or_none(line.projects for line in self.lines)

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
