"""GraphQL inputs, and their conversion to domain commands."""

from __future__ import annotations

from datetime import date
from enum import Enum

import strawberry

from api.graphql.ids import optional_id, parse_id
from api.graphql.scalars import Won
from api.graphql.types.indicators import IndicatorKind
from api.graphql.types.tasks import TaskKind, TaskStatus
from domain import commands as c
from domain.errors import InvalidInput, invalid
from domain.text import TextKind, TextLimits, check_chars, check_length

PERIOD = "What the value describes: an ISO year, month or date (2012, 2013-09, 2012-12-31)."
OWN = "; must be the indicator's own when it exists (renaming is not supported)."
KEY = "The same key again replays the first result instead of recording twice."


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


@strawberry.input(
    description="One value of an indicator at one reference date; "
    "again for the same period, kind and date is a correction."
)
class RecordIndicatorValueInput:
    indicator_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Null creates a new indicator "
        "(or records on the unit's indicator of the same group and name).",
    )
    org_unit_id: strawberry.ID = strawberry.field(
        description="The unit whose report states the indicator."
    )
    name: str = strawberry.field(description="As printed" + OWN)
    group: str | None = strawberry.field(
        default=None, description="The table or heading it is printed under" + OWN
    )
    measure: str = strawberry.field(description="The unit of measure as printed (명, 종)" + OWN)
    period: str = strawberry.field(description=PERIOD)
    kind: IndicatorKind = strawberry.field(description="Actual or target.")
    value: int = strawberry.field(description="A whole number, zero or more.")
    reference_date: date = strawberry.field(
        description="When the value was stated or measured: a printed 기준일, "
        "else the report's date."
    )
    printed: str | None = strawberry.field(
        default=None,
        description="The cell as printed where it differs from value, e.g. 794명('12).",
    )
    reason: str | None = strawberry.field(default=None, description="Why it is recorded.")
    source: str | None = strawberry.field(
        default=None, description="The document the value comes from."
    )
    expected_version: int | None = strawberry.field(
        default=None,
        description="The indicator's version the caller last saw; CONFLICT when it moved on.",
    )
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def command(self) -> c.RecordIndicatorValue:
        return c.RecordIndicatorValue(
            indicator_id=optional_id(self.indicator_id, "indicatorId"),
            org_unit_id=parse_id(self.org_unit_id, "orgUnitId"),
            name=self.name,
            measure=self.measure,
            period=self.period,
            kind=self.kind,
            value=self.value,
            reference_date=self.reference_date,
            group=self.group,
            printed=self.printed,
            expected_version=self.expected_version,
        )


@strawberry.input(
    description="Takes back one value recorded under the wrong period, kind or date: from now on "
    "it has no such value; knownAt before now still shows it."
)
class RetractIndicatorValueInput:
    indicator_id: strawberry.ID = strawberry.field(description="The indicator.")
    period: str = strawberry.field(description=PERIOD)
    kind: IndicatorKind = strawberry.field(description="Actual or target.")
    reference_date: date = strawberry.field(description="The reference date of the value.")
    reason: str = strawberry.field(description="Why the value is taken back; required.")
    source: str | None = strawberry.field(
        default=None, description="The document that shows the value was wrong."
    )
    expected_version: int | None = strawberry.field(
        default=None,
        description="The indicator's version the caller last saw; CONFLICT when it moved on.",
    )
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def command(self) -> c.RetractIndicatorValue:
        return c.RetractIndicatorValue(
            indicator_id=parse_id(self.indicator_id, "indicatorId"),
            period=self.period,
            kind=self.kind,
            reference_date=self.reference_date,
            expected_version=self.expected_version,
        )


MAX_REPORT_BYTES = 1 << 20
PAGE_BREAK = "\f"
"""What pdftotext puts between pages: a report's text may hold it (the reader drops it)."""
"""The most a report's text may hold, in UTF-8: the bound of an HTTP request's body."""


@strawberry.input(
    description="A work report's text, reviewed against the ledger as it is now, and its change "
    "set recorded when apply is true."
)
class IngestReportInput:
    text: str = strawberry.field(
        description="The report's text as extracted from its PDF or HWP (the shape of "
        "data/seeds), at most 1 MiB in UTF-8; lines are split at line feeds."
    )
    file: str = strawberry.field(
        description="The report's file name (001_8609ec9c98224de6.txt), recorded with the "
        "line in the source of every fact: a name, without a path or control characters."
    )
    unit: str | None = strawberry.field(
        default=None,
        description="The report's unit where its text does not name it (a text without its "
        "cover); a unit named on the cover wins.",
    )
    apply: bool = strawberry.field(
        default=False,
        description="Record the change set (all or nothing), only when the report was read "
        "whole. Sending the same report again records nothing: the ledger holds it already.",
    )

    def check(self, limits: TextLimits) -> None:
        """InvalidInput naming the field where the input cannot be a report."""
        if not self.text.strip():
            raise invalid("text", self.text, "is empty; paste or upload the report's text")
        size = len(self.text.encode("utf-8", "surrogatepass"))
        if size > MAX_REPORT_BYTES:
            raise InvalidInput(
                f"text: {size} bytes in UTF-8; at most {MAX_REPORT_BYTES} are accepted",
                field="text",
            )
        check_chars("text", self.text.replace(PAGE_BREAK, ""))
        check_name("file", self.file, limits)
        if "/" in self.file or "\\" in self.file or self.file.strip(".") == "":
            raise invalid("file", self.file, "is a path; give the file's name alone")
        if self.unit is not None:
            check_name("unit", self.unit, limits)


def check_name(field: str, value: str, limits: TextLimits) -> None:
    """A name on one line: not blank, no control character, no space at either end."""
    if not value.strip():
        raise invalid(field, value, "is empty")
    check_chars(field, value)
    if any(char in value for char in "\t\n\r"):
        raise invalid(field, value, "holds a tab or a line break")
    if value != value.strip():
        raise invalid(field, value, "begins or ends with a space")
    check_length(field, value, limits.of(TextKind.NAME))
