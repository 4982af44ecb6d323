"""Commands: what a client asks the ledger to record. Small frozen dataclasses, validated by the
aggregates that carry them out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from domain.indicator import IndicatorKind
from domain.task import TaskKind, TaskStatus


@dataclass(frozen=True)
class Command:
    """Base of all commands; expected_version guards the subject against lost updates."""


@dataclass(frozen=True)
class RegisterOrgUnit(Command):
    name: str
    parent_id: UUID | None
    valid_from: date
    unit_id: UUID | None = None


@dataclass(frozen=True)
class RenameOrgUnit(Command):
    org_unit_id: UUID
    name: str
    valid_from: date
    expected_version: int | None = None


@dataclass(frozen=True)
class MoveOrgUnit(Command):
    org_unit_id: UUID
    parent_id: UUID | None
    valid_from: date
    expected_version: int | None = None


@dataclass(frozen=True)
class CloseOrgUnit(Command):
    org_unit_id: UUID
    valid_from: date
    expected_version: int | None = None


@dataclass(frozen=True)
class StaffingRowInput:
    job_category: str
    grade: str | None
    authorized: int | None
    current: int
    women: int | None = None
    series_key: str | None = None
    resolution: str | None = None

    def fields(self) -> dict[str, Any]:
        """The row's fields by name (a shallow copy: dataclasses.asdict deep-copies each)."""
        return {
            "job_category": self.job_category,
            "grade": self.grade,
            "authorized": self.authorized,
            "current": self.current,
            "women": self.women,
            "series_key": self.series_key,
            "resolution": self.resolution,
        }


@dataclass(frozen=True)
class RecordStaffing(Command):
    org_unit_id: UUID
    reference_date: date
    rows: tuple[StaffingRowInput, ...]
    women: int | None = None
    note: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class RetractStaffing(Command):
    org_unit_id: UUID
    reference_date: date
    expected_version: int | None = None


@dataclass(frozen=True)
class RecordBudgetLine(Command):
    line_id: UUID | None
    org_unit_id: UUID
    fiscal_year: int
    account: str | None
    item: str
    reference_date: date
    budgeted: int
    executed: int | None
    projects: int | None = None
    note: str | None = None
    as_printed: dict[str, Any] | None = None
    expected_version: int | None = None
    new_line_id: UUID | None = None


@dataclass(frozen=True)
class RetractBudgetRecord(Command):
    line_id: UUID
    reference_date: date
    expected_version: int | None = None


@dataclass(frozen=True)
class RecordTask(Command):
    task_id: UUID | None
    org_unit_id: UUID
    kind: TaskKind
    title: str
    status: TaskStatus | None
    valid_from: date
    listed: bool = True
    status_since: date | None = None
    category: str | None = None
    number: int | None = None
    responsible: str | None = None
    milestones: tuple[dict[str, str], ...] = field(default_factory=tuple)
    expected_version: int | None = None
    new_task_id: UUID | None = None
    description: str | None = None


@dataclass(frozen=True)
class RetractTaskRecord(Command):
    task_id: UUID
    valid_from: date
    expected_version: int | None = None


@dataclass(frozen=True)
class RecordIndicatorValue(Command):
    indicator_id: UUID | None
    org_unit_id: UUID
    name: str
    measure: str
    period: str
    kind: IndicatorKind
    value: int
    reference_date: date
    group: str | None = None
    printed: str | None = None
    expected_version: int | None = None
    new_indicator_id: UUID | None = None


@dataclass(frozen=True)
class RetractIndicatorValue(Command):
    indicator_id: UUID
    period: str
    kind: IndicatorKind
    reference_date: date
    expected_version: int | None = None
