"""The Task aggregate: recording whole states from a date, and retracting them."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

import pytest

from domain.errors import InvalidInput
from domain.provenance import Provenance
from domain.task import Task, TaskKind, TaskStatus, check_milestones

EDITOR = Provenance("tester", "correction", "tasks.pdf")
OWNER = uuid4()
DAY = date(2024, 1, 1)


def task(kind: TaskKind = TaskKind.MAJOR_TASK) -> Task:
    return Task.open(task_id=uuid4(), owner_id=OWNER, kind=kind, provenance=EDITOR)


def record(target: Task, **changes: Any) -> None:
    fields: dict[str, Any] = {
        "valid_from": DAY,
        "title": "청년 일자리",
        "description": None,
        "status": TaskStatus.IN_PROGRESS,
        "status_since": None,
        "number": 1,
        "category": None,
        "responsible": None,
        "listed": True,
        "milestones": [],
        "provenance": EDITOR,
    }
    fields.update(changes)
    target.record(**fields)


def test_open_keeps_owner_and_kind() -> None:
    opened = task(TaskKind.AUDIT_FOLLOW_UP)
    assert opened.owner_id == OWNER
    assert opened.kind is TaskKind.AUDIT_FOLLOW_UP


def test_record_keeps_the_whole_state() -> None:
    target = task()
    record(
        target,
        title=" 청년  일자리 ",
        status_since=date(2023, 6, 1),
        number=2,
        category=" 경제 ",
        responsible="  ",
        listed=False,
        milestones=[{"when": " 4월 ", "what": " 착수 "}],
        description=" 청년  일자리를  늘린다 ",
    )
    assert target.states.exactly(DAY) == {
        "title": "청년 일자리",
        "description": "청년 일자리를 늘린다",
        "status": "IN_PROGRESS",
        "status_since": date(2023, 6, 1),
        "number": 2,
        "category": "경제",
        "responsible": None,
        "listed": False,
        "milestones": [{"when": "4월", "what": "착수"}],
    }


def test_record_same_date_again_is_a_correction() -> None:
    target = task()
    record(target, title="처음")
    record(target, title="고침")
    assert target.states.dates() == [DAY]
    assert target.states.at(DAY)["title"] == "고침"  # type: ignore[index]


def test_record_accepts_no_status_and_no_number() -> None:
    target = task()
    record(target, status=None, number=None)
    state = target.states.exactly(DAY)
    assert state is not None
    assert state["status"] is None
    assert state["number"] is None


@pytest.mark.parametrize("number", [0, -1])
def test_record_refuses_number_below_one(number: int) -> None:
    target = task()
    with pytest.raises(InvalidInput) as raised:
        record(target, number=number)
    assert raised.value.field == "number"
    assert raised.value.value == number
    assert f"number: {number} " in raised.value.message
    assert target.states.dates() == []


def test_record_refuses_status_since_without_status() -> None:
    with pytest.raises(InvalidInput, match="needs a status") as raised:
        record(task(), status=None, status_since=date(2023, 1, 1))
    assert raised.value.field == "statusSince"
    assert raised.value.value == "2023-01-01"


def test_record_refuses_status_since_after_valid_from() -> None:
    with pytest.raises(InvalidInput, match="after validFrom") as raised:
        record(task(), status_since=date(2024, 1, 2))
    assert raised.value.field == "statusSince"
    assert raised.value.value == "2024-01-02"


def test_record_accepts_status_since_on_valid_from() -> None:
    target = task()
    record(target, status_since=DAY)
    assert target.states.exactly(DAY)["status_since"] == DAY  # type: ignore[index]


def test_record_refuses_empty_title() -> None:
    with pytest.raises(InvalidInput) as raised:
        record(task(), title="")
    assert raised.value.field == "title"


def test_record_refuses_valid_from_out_of_range() -> None:
    with pytest.raises(InvalidInput) as raised:
        record(task(), valid_from=date(2300, 1, 1))
    assert raised.value.field == "validFrom"
    assert raised.value.value == "2300-01-01"


def test_check_milestones_names_the_missing_part() -> None:
    with pytest.raises(InvalidInput) as raised:
        check_milestones([{"when": "4월", "what": "착수"}, {"when": "5월"}])
    assert raised.value.field == "milestones[1].what"
    with pytest.raises(InvalidInput) as raised:
        check_milestones([{"when": " ", "what": "착수"}])
    assert raised.value.field == "milestones[0].when"


def test_check_identity() -> None:
    target = task(TaskKind.MAJOR_TASK)
    target.check_identity(OWNER, TaskKind.MAJOR_TASK)
    with pytest.raises(InvalidInput) as raised:
        target.check_identity(uuid4(), TaskKind.MAJOR_TASK)
    assert raised.value.field == "orgUnitId"
    with pytest.raises(InvalidInput) as raised:
        target.check_identity(OWNER, TaskKind.AUDIT_FOLLOW_UP)
    assert raised.value.field == "kind"
    assert raised.value.value == "AUDIT_FOLLOW_UP"


def test_retract_drops_the_state() -> None:
    target = task()
    record(target, valid_from=DAY)
    record(target, valid_from=date(2024, 7, 1), title="둘째")
    target.retract(date(2024, 7, 1), EDITOR)
    assert target.states.dates() == [DAY]
    assert target.states.at(date(2024, 12, 31))["title"] == "청년 일자리"  # type: ignore[index]


def test_retract_refuses_without_a_record() -> None:
    with pytest.raises(InvalidInput, match="no task record") as raised:
        task().retract(DAY, EDITOR)
    assert raised.value.field == "validFrom"
    assert raised.value.value == DAY.isoformat()


@pytest.mark.parametrize("reason", [None, ""])
def test_retract_refuses_without_a_reason(reason: str | None) -> None:
    target = task()
    record(target)
    with pytest.raises(InvalidInput) as raised:
        target.retract(DAY, Provenance("tester", reason))
    assert raised.value.field == "reason"
    assert target.states.exactly(DAY) is not None
