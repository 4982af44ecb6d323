"""What each command decides: the aggregate it acts on, loaded or opened, and the events it
leaves pending there for the application to record (ledger/application.py)."""

from __future__ import annotations

from functools import singledispatch
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain import commands as c
from domain.budget import BudgetLine
from domain.errors import Conflict
from domain.ids import unit_budget_line_id, unit_indicator_id
from domain.indicator import Indicator
from domain.normalised import staffing_rows
from domain.orgunit import OrgUnit
from domain.provenance import Provenance
from domain.task import Task
from ledger.subjects import Subjects


@singledispatch
def decide(command: c.Command, provenance: Provenance, subjects: Subjects) -> Aggregate:
    """Apply a command to its subject aggregate and return it, with its new events pending."""
    raise NotImplementedError(type(command).__name__)


@decide.register
def register_unit(
    command: c.RegisterOrgUnit, provenance: Provenance, subjects: Subjects
) -> Aggregate:
    parent = None
    if command.parent_id is not None:
        parent = subjects.load(OrgUnit, command.parent_id, "parentId")
    unit_id = command.unit_id or uuid4()
    if subjects.exists(unit_id):
        raise Conflict(f"orgUnit {unit_id} is already registered", field="id", value=unit_id)
    return OrgUnit.register(
        unit_id=unit_id,
        name=command.name,
        parent=parent,
        valid_from=command.valid_from,
        provenance=provenance,
    )


@decide.register
def rename_unit(command: c.RenameOrgUnit, provenance: Provenance, subjects: Subjects) -> Aggregate:
    unit = subjects.subject(OrgUnit, command.org_unit_id, "orgUnitId", command.expected_version)
    unit.rename(command.name, command.valid_from, provenance)
    return unit


@decide.register
def move_unit(command: c.MoveOrgUnit, provenance: Provenance, subjects: Subjects) -> Aggregate:
    unit = subjects.subject(OrgUnit, command.org_unit_id, "orgUnitId", command.expected_version)
    parent = None
    if command.parent_id is not None:
        parent = subjects.load(OrgUnit, command.parent_id, "parentId")
    above = ancestors(subjects, parent, command) if parent else []
    unit.move(parent, above, command.valid_from, provenance)
    return unit


def ancestors(subjects: Subjects, unit: OrgUnit, command: c.MoveOrgUnit) -> list[UUID]:
    """The units above this one on the day the move takes effect, nearest first."""
    found: list[UUID] = []
    parent_id = unit.parents.at(command.valid_from)
    while parent_id is not None and parent_id not in found:
        found.append(parent_id)
        parent_id = subjects.load(OrgUnit, parent_id, "parentId").parents.at(command.valid_from)
    return found


@decide.register
def close_unit(command: c.CloseOrgUnit, provenance: Provenance, subjects: Subjects) -> Aggregate:
    unit = subjects.subject(OrgUnit, command.org_unit_id, "orgUnitId", command.expected_version)
    unit.close(command.valid_from, provenance)
    return unit


@decide.register
def record_staffing(
    command: c.RecordStaffing, provenance: Provenance, subjects: Subjects
) -> Aggregate:
    unit = subjects.subject(OrgUnit, command.org_unit_id, "orgUnitId", command.expected_version)
    rows = staffing_rows(command)
    unit.record_staffing(command.reference_date, rows, command.women, command.note, provenance)
    return unit


@decide.register
def retract_staffing(
    command: c.RetractStaffing, provenance: Provenance, subjects: Subjects
) -> Aggregate:
    unit = subjects.subject(OrgUnit, command.org_unit_id, "orgUnitId", command.expected_version)
    unit.retract_staffing(command.reference_date, provenance)
    return unit


@decide.register
def record_budget_line(
    command: c.RecordBudgetLine, provenance: Provenance, subjects: Subjects
) -> Aggregate:
    owner = subjects.load(OrgUnit, command.org_unit_id, "orgUnitId")
    owner.check_after_registration("referenceDate", command.reference_date)
    key = (command.org_unit_id, command.fiscal_year, command.account, command.item)
    line = subjects.find_or_open(
        BudgetLine,
        "lineId",
        named=command.line_id,
        new_id=command.new_line_id or unit_budget_line_id(*key),
        expected=command.expected_version,
        identify=lambda line: line.check_identity(owner.id, command.fiscal_year),
        open_new=lambda line_id: BudgetLine.open(
            line_id=line_id,
            owner_id=owner.id,
            fiscal_year=command.fiscal_year,
            provenance=provenance,
        ),
    )
    line.record(
        reference_date=command.reference_date,
        account=command.account,
        item=command.item,
        budgeted=command.budgeted,
        executed=command.executed,
        projects=command.projects,
        note=command.note,
        as_printed=command.as_printed,
        provenance=provenance,
    )
    return line


@decide.register
def retract_budget_record(
    command: c.RetractBudgetRecord, provenance: Provenance, subjects: Subjects
) -> Aggregate:
    line = subjects.subject(BudgetLine, command.line_id, "lineId", command.expected_version)
    line.retract(command.reference_date, provenance)
    return line


@decide.register
def record_task(command: c.RecordTask, provenance: Provenance, subjects: Subjects) -> Aggregate:
    owner = subjects.load(OrgUnit, command.org_unit_id, "orgUnitId")
    owner.check_after_registration("validFrom", command.valid_from)
    task = subjects.find_or_open(
        Task,
        "taskId",
        named=command.task_id,
        new_id=command.new_task_id,
        expected=command.expected_version,
        identify=lambda task: task.check_identity(owner.id, command.kind),
        open_new=lambda task_id: Task.open(
            task_id=task_id, owner_id=owner.id, kind=command.kind, provenance=provenance
        ),
    )
    task.record(
        valid_from=command.valid_from,
        title=command.title,
        description=command.description,
        status=command.status,
        status_since=command.status_since,
        number=command.number,
        category=command.category,
        responsible=command.responsible,
        listed=command.listed,
        milestones=list(command.milestones),
        provenance=provenance,
    )
    return task


@decide.register
def retract_task_record(
    command: c.RetractTaskRecord, provenance: Provenance, subjects: Subjects
) -> Aggregate:
    task = subjects.subject(Task, command.task_id, "taskId", command.expected_version)
    task.retract(command.valid_from, provenance)
    return task


@decide.register
def record_indicator_value(
    command: c.RecordIndicatorValue, provenance: Provenance, subjects: Subjects
) -> Aggregate:
    owner = subjects.load(OrgUnit, command.org_unit_id, "orgUnitId")
    owner.check_after_registration("referenceDate", command.reference_date)
    key = (command.org_unit_id, command.group, command.name)
    indicator = subjects.find_or_open(
        Indicator,
        "indicatorId",
        named=command.indicator_id,
        new_id=command.new_indicator_id or unit_indicator_id(*key),
        expected=command.expected_version,
        identify=lambda indicator: indicator.check_identity(
            owner.id, command.name, command.group, command.measure
        ),
        open_new=lambda indicator_id: Indicator.open(
            indicator_id=indicator_id,
            owner_id=owner.id,
            name=command.name,
            group=command.group,
            measure=command.measure,
            provenance=provenance,
        ),
    )
    indicator.record(
        period=command.period,
        kind=command.kind,
        value=command.value,
        reference_date=command.reference_date,
        printed=command.printed,
        provenance=provenance,
    )
    return indicator


@decide.register
def retract_indicator_value(
    command: c.RetractIndicatorValue, provenance: Provenance, subjects: Subjects
) -> Aggregate:
    indicator = subjects.subject(
        Indicator, command.indicator_id, "indicatorId", command.expected_version
    )
    indicator.retract(command.period, command.kind, command.reference_date, provenance)
    return indicator
