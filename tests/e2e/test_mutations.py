"""Every mutation over HTTP: what it answers, each error code, and that a failure records
nothing."""

from __future__ import annotations

import pytest

from tests.support.live import Live
from tests.support.mutations import (
    BUDGET,
    PAYLOAD,
    STAFFING,
    TASK,
    error_code,
    mutate,
    ok,
    register,
)


def test_each_mutation_records_and_answers_from_the_read_model(live: Live, editor: str) -> None:
    seoul = register(live, editor, "서울특별시")
    unit = register(live, editor, "시장비서실", seoul)

    staffing = ok(
        mutate(
            live,
            "recordStaffing",
            "RecordStaffingInput",
            f"staffing {{ current authorized }} orgUnit {{ name }} {PAYLOAD}",
            {**STAFFING, "orgUnitId": unit, "reason": "2020.3 report"},
            editor,
        ),
        "recordStaffing",
    )
    assert staffing["staffing"] == {"current": 2, "authorized": 2}
    assert staffing["events"][0]["reason"] == "2020.3 report"

    line = ok(
        mutate(
            live,
            "recordBudgetLine",
            "RecordBudgetLineInput",
            f"budgetLine {{ id budgeted executed remaining executionRate owner {{ id }} }} "
            f"{PAYLOAD}",
            {**BUDGET, "orgUnitId": unit},
            editor,
        ),
        "recordBudgetLine",
    )
    assert line["budgetLine"]["remaining"] == 224_539_000
    assert line["budgetLine"]["executionRate"] == pytest.approx(52_661 / 277_200)
    assert line["budgetLine"]["owner"]["id"] == unit
    assert [e["type"] for e in line["events"]] == ["BudgetLineOpened", "BudgetRecorded"]

    task = ok(
        mutate(
            live,
            "recordTask",
            "RecordTaskInput",
            f"task {{ id title status statusSince number responsible }} {PAYLOAD}",
            {**TASK, "orgUnitId": unit},
            editor,
        ),
        "recordTask",
    )
    assert task["task"]["status"] == "IN_PROGRESS" and task["task"]["statusSince"] is None
    assert task["version"] == 2

    renamed = ok(
        mutate(
            live,
            "renameOrgUnit",
            "RenameOrgUnitInput",
            f"orgUnit {{ name }} {PAYLOAD}",
            {"orgUnitId": unit, "name": "비서실", "validFrom": "2021-01-01"},
            editor,
        ),
        "renameOrgUnit",
    )
    assert renamed["orgUnit"]["name"] == "비서실"

    other = register(live, editor, "기획조정실", seoul)
    moved = ok(
        mutate(
            live,
            "moveOrgUnit",
            "MoveOrgUnitInput",
            f"orgUnit {{ parent {{ id }} }} {PAYLOAD}",
            {"orgUnitId": unit, "parentId": other, "validFrom": "2021-06-01"},
            editor,
        ),
        "moveOrgUnit",
    )
    assert moved["orgUnit"]["parent"]["id"] == other

    closed = ok(
        mutate(
            live,
            "closeOrgUnit",
            "CloseOrgUnitInput",
            PAYLOAD,
            {"orgUnitId": other, "validFrom": "2022-01-01"},
            editor,
        ),
        "closeOrgUnit",
    )
    assert closed["events"][0]["type"] == "OrgUnitClosed"
    names = live.data('{ orgUnits(asOf: "2022-06-01") { name } }')["orgUnits"]
    assert {n["name"] for n in names} == {"서울특별시", "비서실"}

    retracted = ok(
        mutate(
            live,
            "retractFact",
            "RetractFactInput",
            f"subjectId {PAYLOAD}",
            {
                "fact": "STAFFING",
                "subjectId": unit,
                "referenceDate": "2020-01-31",
                "reason": "recorded under the wrong unit",
            },
            editor,
        ),
        "retractFact",
    )
    assert retracted["events"][0]["type"] == "StaffingRetracted"
    read = live.data(
        'query($id: ID!) { orgUnit(id: $id, asOf: "2020-02-01") { staffing { current } } }',
        {"id": unit},
    )
    assert read["orgUnit"]["staffing"] is None


def test_each_error_code_and_a_failure_records_nothing(live: Live, editor: str) -> None:
    unit = register(live, editor, "시장비서실")
    size = live.log_size()
    staffing = "staffing { current }"
    cases = [
        (
            "BAD_USER_INPUT",
            "recordStaffing",
            "RecordStaffingInput",
            staffing,
            {**STAFFING, "orgUnitId": unit, "rows": [{"jobCategory": "일반직", "current": -1}]},
            editor,
        ),
        (
            "BAD_USER_INPUT",
            "recordStaffing",
            "RecordStaffingInput",
            staffing,
            {**STAFFING, "orgUnitId": unit, "referenceDate": "2020-02-30"},
            editor,
        ),
        (
            "BAD_USER_INPUT",
            "recordBudgetLine",
            "RecordBudgetLineInput",
            "version",
            {**BUDGET, "orgUnitId": unit, "budgeted": 1.5},
            editor,
        ),
        (
            "BAD_USER_INPUT",
            "registerOrgUnit",
            "RegisterOrgUnitInput",
            "version",
            {"name": "  ", "validFrom": "2019-01-01"},
            editor,
        ),
        (
            "NOT_FOUND",
            "recordStaffing",
            "RecordStaffingInput",
            staffing,
            {**STAFFING, "orgUnitId": "00000000-0000-0000-0000-000000000000"},
            editor,
        ),
        (
            "NOT_FOUND",
            "recordTask",
            "RecordTaskInput",
            "version",
            {**TASK, "orgUnitId": unit, "taskId": "no-such-task"},
            editor,
        ),
        (
            "CONFLICT",
            "recordStaffing",
            "RecordStaffingInput",
            staffing,
            {**STAFFING, "orgUnitId": unit, "expectedVersion": 5},
            editor,
        ),
        (
            "UNAUTHENTICATED",
            "recordStaffing",
            "RecordStaffingInput",
            staffing,
            {**STAFFING, "orgUnitId": unit},
            None,
        ),
        (
            "FORBIDDEN",
            "recordStaffing",
            "RecordStaffingInput",
            staffing,
            {**STAFFING, "orgUnitId": unit},
            live.token("viewer", "reader"),
        ),
    ]
    for code, name, input_type, selection, input, token in cases:
        body = mutate(live, name, input_type, selection, input, token)
        assert error_code(body) == code, (name, input, body)
        assert live.log_size() == size, (name, input)


def test_error_messages_name_the_field_and_the_value(live: Live, editor: str) -> None:
    unit = register(live, editor, "시장비서실")
    rows = [{"jobCategory": "일반직", "current": 3, "women": 4}]
    body = mutate(
        live,
        "recordStaffing",
        "RecordStaffingInput",
        "version",
        {**STAFFING, "orgUnitId": unit, "rows": rows},
        editor,
    )
    error = body["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "rows[0].women"}
    assert "rows[0].women" in error["message"] and "4" in error["message"]


def test_expected_version_and_idempotency_keys(live: Live, editor: str) -> None:
    unit = register(live, editor, "시장비서실")
    selection = f"staffing {{ current }} {PAYLOAD}"
    input = {**STAFFING, "orgUnitId": unit, "expectedVersion": 1, "idempotencyKey": "r-1"}
    first = ok(
        mutate(live, "recordStaffing", "RecordStaffingInput", selection, input, editor),
        "recordStaffing",
    )
    assert first["version"] == 2 and len(first["events"]) == 1
    size = live.log_size()
    replay = ok(
        mutate(live, "recordStaffing", "RecordStaffingInput", selection, input, editor),
        "recordStaffing",
    )
    assert (replay["version"], replay["events"]) == (2, [])
    assert live.log_size() == size
    changed = {**input, "rows": [{"jobCategory": "일반직", "current": 9}]}
    body = mutate(live, "recordStaffing", "RecordStaffingInput", selection, changed, editor)
    assert error_code(body) == "CONFLICT"
    stale = {**changed, "idempotencyKey": None}
    assert (
        error_code(mutate(live, "recordStaffing", "RecordStaffingInput", selection, stale, editor))
        == "CONFLICT"
    )
    assert live.log_size() == size
