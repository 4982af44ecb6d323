"""GraphQL inputs, and their conversion to domain commands."""

from __future__ import annotations

from datetime import date
from enum import Enum

import strawberry

from api.graphql.ids import optional_id, parse_id
from api.graphql.scalars import Won
from domain import commands as c
from domain.task import TaskKind, TaskStatus


@strawberry.input
class MilestoneInput:
    when: str
    what: str


@strawberry.input
class RegisterOrgUnitInput:
    name: str
    parent_id: strawberry.ID | None = None
    valid_from: date
    reason: str | None = None
    source: str | None = None
    idempotency_key: str | None = None

    def command(self) -> c.RegisterOrgUnit:
        return c.RegisterOrgUnit(
            self.name, optional_id(self.parent_id, "parentId"), self.valid_from
        )


@strawberry.input
class StaffingRowInput:
    series_key: str | None = strawberry.field(
        default=None, description="Null derives the key from the normalised labels."
    )
    job_category: str
    grade: str | None = None
    authorized: int | None = None
    current: int
    women: int | None = None
    resolution: str | None = strawberry.field(
        default=None,
        description="How the figures were read where the source text was ambiguous (e.g. lost cells decided by the printed totals).",
    )


@strawberry.input
class RecordStaffingInput:
    org_unit_id: strawberry.ID
    reference_date: date
    rows: list[StaffingRowInput]
    women: int | None = strawberry.field(
        default=None,
        description="Women for the unit as a whole, where the source does not give them per row.",
    )
    note: str | None = None
    reason: str | None = None
    source: str | None = None
    expected_version: int | None = strawberry.field(
        default=None,
        description="The unit's staffing version the caller last saw; CONFLICT when it moved on.",
    )
    idempotency_key: str | None = None

    def command(self) -> c.RecordStaffing:
        rows = tuple(
            c.StaffingRowInput(
                job_category=r.job_category,
                grade=r.grade,
                authorized=r.authorized,
                current=r.current,
                women=r.women,
                series_key=r.series_key,
                resolution=r.resolution,
            )
            for r in self.rows
        )
        return c.RecordStaffing(
            org_unit_id=parse_id(self.org_unit_id, "orgUnitId"),
            reference_date=self.reference_date,
            rows=rows,
            women=self.women,
            note=self.note,
            expected_version=self.expected_version,
        )


@strawberry.input
class RecordBudgetLineInput:
    line_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Null creates a new line (or records on the line of the same unit, year, account and item).",
    )
    org_unit_id: strawberry.ID
    fiscal_year: int
    account: str | None = None
    item: str
    reference_date: date
    budgeted: Won
    executed: Won | None = None
    projects: int | None = strawberry.field(
        default=None, description="Number of projects (사업수)."
    )
    note: str | None = None
    reason: str | None = None
    source: str | None = None
    expected_version: int | None = None
    idempotency_key: str | None = None

    def command(self) -> c.RecordBudgetLine:
        return c.RecordBudgetLine(
            line_id=optional_id(self.line_id, "lineId"),
            org_unit_id=parse_id(self.org_unit_id, "orgUnitId"),
            fiscal_year=self.fiscal_year,
            account=self.account,
            item=self.item,
            reference_date=self.reference_date,
            budgeted=int(self.budgeted),
            executed=None if self.executed is None else int(self.executed),
            projects=self.projects,
            note=self.note,
            expected_version=self.expected_version,
        )


@strawberry.input
class RecordTaskInput:
    task_id: strawberry.ID | None = strawberry.field(
        default=None, description="Null creates a new task."
    )
    org_unit_id: strawberry.ID
    kind: TaskKind
    title: str
    description: str | None = strawberry.field(
        default=None,
        description="The text in full, as printed, where title is a shorter form of it.",
    )
    status: TaskStatus | None = None
    status_since: date | None = strawberry.field(
        default=None, description="The date the status holds since, where the source states it."
    )
    valid_from: date
    listed: bool = strawberry.field(
        default=True, description="False takes the task off the unit's list from validFrom on."
    )
    category: str | None = None
    number: int | None = None
    responsible: str | None = None
    milestones: list[MilestoneInput] | None = None
    reason: str | None = None
    source: str | None = None
    expected_version: int | None = None
    idempotency_key: str | None = None

    def command(self) -> c.RecordTask:
        return c.RecordTask(
            task_id=optional_id(self.task_id, "taskId"),
            org_unit_id=parse_id(self.org_unit_id, "orgUnitId"),
            kind=self.kind,
            title=self.title,
            status=self.status,
            valid_from=self.valid_from,
            listed=self.listed,
            status_since=self.status_since,
            category=self.category,
            number=self.number,
            responsible=self.responsible,
            milestones=tuple({"when": m.when, "what": m.what} for m in self.milestones or []),
            expected_version=self.expected_version,
            description=self.description,
        )


@strawberry.input
class RenameOrgUnitInput:
    org_unit_id: strawberry.ID
    name: str
    valid_from: date
    reason: str | None = None
    source: str | None = None
    expected_version: int | None = None
    idempotency_key: str | None = None

    def command(self) -> c.RenameOrgUnit:
        return c.RenameOrgUnit(
            parse_id(self.org_unit_id, "orgUnitId"),
            self.name,
            self.valid_from,
            self.expected_version,
        )


@strawberry.input
class MoveOrgUnitInput:
    org_unit_id: strawberry.ID
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="Null makes the unit a root."
    )
    valid_from: date
    reason: str | None = None
    source: str | None = None
    expected_version: int | None = None
    idempotency_key: str | None = None

    def command(self) -> c.MoveOrgUnit:
        return c.MoveOrgUnit(
            parse_id(self.org_unit_id, "orgUnitId"),
            optional_id(self.parent_id, "parentId"),
            self.valid_from,
            self.expected_version,
        )


@strawberry.input
class CloseOrgUnitInput:
    org_unit_id: strawberry.ID
    valid_from: date = strawberry.field(description="The first day the unit no longer exists.")
    reason: str | None = None
    source: str | None = None
    expected_version: int | None = None
    idempotency_key: str | None = None

    def command(self) -> c.CloseOrgUnit:
        return c.CloseOrgUnit(
            parse_id(self.org_unit_id, "orgUnitId"), self.valid_from, self.expected_version
        )


@strawberry.enum(description="The kinds of fact a retraction can take back.")
class RetractableFact(Enum):
    STAFFING = "STAFFING"
    BUDGET = "BUDGET"
    TASK = "TASK"


@strawberry.input(
    description="Takes back a fact recorded under the wrong subject or date: from now on that date has no such fact; knownAt before now still shows it."
)
class RetractFactInput:
    fact: RetractableFact
    subject_id: strawberry.ID = strawberry.field(
        description="The unit (STAFFING), budget line (BUDGET) or task (TASK)."
    )
    reference_date: date = strawberry.field(
        description="The reference date (STAFFING, BUDGET) or validFrom (TASK) of the fact."
    )
    reason: str = strawberry.field(description="Why the fact is taken back; required.")
    source: str | None = None
    expected_version: int | None = None
    idempotency_key: str | None = None

    def command(self) -> c.Command:
        subject = parse_id(self.subject_id, "subjectId")
        if self.fact is RetractableFact.STAFFING:
            return c.RetractStaffing(subject, self.reference_date, self.expected_version)
        if self.fact is RetractableFact.BUDGET:
            return c.RetractBudgetRecord(subject, self.reference_date, self.expected_version)
        return c.RetractTaskRecord(subject, self.reference_date, self.expected_version)
