"""Events to read-model facts, and how the public log presents events."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.budget import BudgetLine
from domain.orgunit import OrgUnit
from domain.provenance import Provenance
from domain.staffing import StaffingRow, make_row
from domain.task import Task, TaskKind, TaskStatus
from projections.facts import (
    Close,
    Put,
    camel,
    event_data,
    facts_of,
    jsonable,
    owner_of,
    public_type,
    subject_type,
    valid_date,
)
from projections.read.changes import Fact, changes_between

EDITOR = Provenance("tester", "because", "src.pdf")
DAY = date(2020, 1, 1)


def unit(parent: OrgUnit | None = None) -> OrgUnit:
    return OrgUnit.register(
        unit_id=uuid4(), name="기획실", parent=parent, valid_from=DAY, provenance=EDITOR
    )


def one_row(women: int | None = None, authorized: int | None = 2) -> list[StaffingRow]:
    return [
        make_row(
            job_category="일반직",
            grade="5급",
            authorized=authorized,
            current=1,
            women=women,
            series_key=None,
            index=0,
        )
    ]


def only(aggregate: Aggregate) -> Aggregate.Event:
    events = aggregate.collect_events()
    assert len(events) >= 1
    return events[-1]


def test_registered_puts_name_parent_and_status() -> None:
    parent = unit()
    child = unit(parent)
    event = only(child)
    assert facts_of(event) == [
        Put("org.name", child.id, DAY, {"name": "기획실"}),
        Put("org.parent", child.id, DAY, {"parent_id": str(parent.id)}),
        Put("org.status", child.id, DAY, {"open": True}),
    ]
    assert facts_of(only(parent))[1].value == {"parent_id": None}  # type: ignore[union-attr]


def test_renamed_moved_closed() -> None:
    org, other = unit(), unit()
    org.collect_events()
    org.rename("새 이름", date(2021, 1, 1), EDITOR)
    assert facts_of(only(org)) == [Put("org.name", org.id, date(2021, 1, 1), {"name": "새 이름"})]
    org.move(other, [], date(2022, 1, 1), EDITOR)
    assert facts_of(only(org)) == [
        Put("org.parent", org.id, date(2022, 1, 1), {"parent_id": str(other.id)})
    ]
    org.close(date(2023, 1, 1), EDITOR)
    assert facts_of(only(org)) == [Put("org.status", org.id, date(2023, 1, 1), {"open": False})]


def test_staffing_recorded_and_retracted() -> None:
    org = unit()
    rows = one_row()
    org.record_staffing(date(2021, 1, 1), rows, 1, "비고", EDITOR)
    (put,) = facts_of(only(org))
    assert put == Put(
        "staffing",
        org.id,
        date(2021, 1, 1),
        {
            "rows": [rows[0].as_dict()],
            "women": 1,
            "note": "비고",
            "source": "src.pdf",
        },
    )
    org.retract_staffing(date(2021, 1, 1), EDITOR)
    assert facts_of(only(org)) == [Close("staffing", org.id, date(2021, 1, 1))]


def test_budget_opened_recorded_retracted() -> None:
    owner = uuid4()
    line = BudgetLine.open(line_id=uuid4(), owner_id=owner, fiscal_year=2024, provenance=EDITOR)
    opened = only(line)
    assert facts_of(opened) == []
    assert public_type(opened) == "BudgetLineOpened"
    assert owner_of(opened) == owner
    line.record(
        reference_date=date(2024, 3, 31),
        account="기금",
        item="사업",
        budgeted=10,
        executed=3,
        provenance=Provenance("tester"),
    )
    (put,) = facts_of(only(line))
    assert put == Put(
        "budget",
        line.id,
        date(2024, 3, 31),
        {
            "account": "기금",
            "item": "사업",
            "budgeted": 10,
            "executed": 3,
            "projects": None,
            "note": None,
            "as_printed": None,
            "source": None,
        },
    )
    line.retract(date(2024, 3, 31), EDITOR)
    assert facts_of(only(line)) == [Close("budget", line.id, date(2024, 3, 31))]


def test_task_opened_recorded_retracted() -> None:
    owner = uuid4()
    task = Task.open(
        task_id=uuid4(), owner_id=owner, kind=TaskKind.AUDIT_FOLLOW_UP, provenance=EDITOR
    )
    assert facts_of(only(task)) == []
    task.record(
        valid_from=DAY,
        title="후속",
        description=None,
        status=TaskStatus.COMPLETED,
        status_since=date(2019, 5, 1),
        number=3,
        category=None,
        responsible="팀장",
        listed=False,
        milestones=[{"when": "5월", "what": "완료"}],
        provenance=EDITOR,
    )
    (put,) = facts_of(only(task))
    assert put == Put(
        "task",
        task.id,
        DAY,
        {
            "title": "후속",
            "description": None,
            "status": "COMPLETED",
            "status_since": "2019-05-01",
            "number": 3,
            "category": None,
            "responsible": "팀장",
            "listed": False,
            "milestones": [{"when": "5월", "what": "완료"}],
            "source": "src.pdf",
        },
    )
    task.retract(DAY, EDITOR)
    assert facts_of(only(task)) == [Close("task", task.id, DAY)]


def test_event_data_camel_cases_and_stringifies() -> None:
    parent = unit()
    child = unit(parent)
    assert event_data(only(child)) == {
        "name": "기획실",
        "parentId": str(parent.id),
        "validFrom": "2020-01-01",
    }


def test_event_data_nested_rows_and_no_envelope_or_provenance() -> None:
    org = unit()
    rows = one_row(women=1, authorized=None)
    org.record_staffing(date(2021, 1, 1), rows, None, None, EDITOR)
    data = event_data(only(org))
    assert data == {
        "referenceDate": "2021-01-01",
        "women": None,
        "note": None,
        "rows": [
            {
                "seriesKey": "일반직/5급",
                "jobCategory": "일반직",
                "grade": "5급",
                "authorized": None,
                "current": 1,
                "women": 1,
            }
        ],
    }


def test_event_data_of_task_and_budget_opened() -> None:
    owner = uuid4()
    task = Task.open(task_id=uuid4(), owner_id=owner, kind=TaskKind.MAJOR_TASK, provenance=EDITOR)
    assert event_data(only(task)) == {"ownerId": str(owner), "kind": "MAJOR_TASK"}
    line = BudgetLine.open(line_id=uuid4(), owner_id=owner, fiscal_year=2024, provenance=EDITOR)
    assert event_data(only(line)) == {"ownerId": str(owner), "fiscalYear": 2024}


def test_jsonable_and_camel() -> None:
    some = UUID(int=1)
    assert camel("as_printed") == "asPrinted"
    assert camel("reference_date_of_x") == "referenceDateOfX"
    assert camel("name") == "name"
    assert jsonable({"a_b": [date(2020, 1, 2), (some,)], "n": 1}) == {
        "aB": ["2020-01-02", [str(some)]],
        "n": 1,
    }


def test_types_owner_and_valid_date() -> None:
    org = unit()
    registered = only(org)
    assert public_type(registered) == "OrgUnitRegistered"
    assert subject_type(registered) == "OrgUnit"
    assert owner_of(registered) == org.id
    assert valid_date(registered) == DAY
    org.record_staffing(date(2021, 2, 3), one_row(), None, None, EDITOR)
    recorded = only(org)
    assert public_type(recorded) == "StaffingRecorded"
    assert valid_date(recorded) == date(2021, 2, 3)
    task = Task.open(task_id=uuid4(), owner_id=org.id, kind=TaskKind.MAJOR_TASK, provenance=EDITOR)
    opened = only(task)
    assert subject_type(opened) == "Task"
    assert public_type(opened) == "TaskOpened"
    assert valid_date(opened) is None


def test_indicator_points_change_under_their_indicator() -> None:
    indicator, unit = uuid4(), uuid4()
    point = uuid4()
    name = Fact("indicator.name", indicator, unit, {"name": "유연근무 확대", "measure": "명"})

    def target(value: int) -> Fact:
        data = {"indicator_id": str(indicator), "period": "2013", "kind": "TARGET", "value": value}
        return Fact("indicator", point, unit, {**data, "printed": None})

    before = {("indicator.name", indicator): name, ("indicator", point): target(1000)}
    after = {**before, ("indicator", point): target(1200)}
    (change,) = changes_between(before, after, {}, {("indicator", point): (7,)})
    assert (change.subject_id, change.subject_type, change.label) == (
        indicator,
        "Indicator",
        "유연근무 확대",
    )
    assert (change.key, change.field) == ("2013 TARGET", "value")
    assert (change.old, change.new) == (1000, 1200)
    assert change.positions == (7,)
