"""Event.changes over HTTP: what each event changed, before and after, as an integration
following the log reads it without keeping a copy of its own."""

from __future__ import annotations

from typing import Any

from tests.support.live import Live
from tests.support.mutations import BUDGET, mutate, ok, register

CHANGES = "changes { kind key field old new label subjectType events { cursor } }"
PAGE = f"""query($first: Int, $filter: EventFilter) {{
  events(first: $first, filter: $filter) {{ edges {{ cursor node {{ type {CHANGES} }} }} }} }}"""
TABLE = [
    {"jobCategory": "일반직", "grade": "5급", "authorized": 2, "current": 2},
    {"jobCategory": "일반직", "grade": "7급", "authorized": 1, "current": 1},
]


def record_staffing(live: Live, token: str, unit: str, rows: list[dict[str, Any]]) -> None:
    input = {"orgUnitId": unit, "referenceDate": "2020-01-31", "rows": rows}
    ok(
        mutate(live, "recordStaffing", "RecordStaffingInput", "version", input, token),
        "recordStaffing",
    )


def events(live: Live, **filter: Any) -> list[dict[str, Any]]:
    found = live.data(PAGE, {"first": 500, "filter": filter or None})["events"]["edges"]
    for edge in found:
        for change in edge["node"]["changes"]:
            assert [e["cursor"] for e in change["events"]] == [edge["cursor"]]
    return [edge["node"] for edge in found]


def lines(node: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(c["kind"], c["key"], c["field"], c["old"], c["new"]) for c in node["changes"]]


def test_staffing_first_table_then_a_correction(live: Live, editor: str) -> None:
    unit = register(live, editor, "시장비서실")
    record_staffing(live, editor, unit, TABLE)
    corrected = [TABLE[0], {**TABLE[1], "current": 0}]
    record_staffing(live, editor, unit, corrected)
    first, correction = events(live, types=["StaffingRecorded"])
    assert set(lines(first)) >= {
        ("staffing", "일반직/5급", "authorized", None, 2),
        ("staffing", "일반직/5급", "current", None, 2),
        ("staffing", "일반직/7급", "authorized", None, 1),
        ("staffing", "일반직/7급", "current", None, 1),
    }
    assert all(c["old"] is None for c in first["changes"])
    assert lines(correction) == [("staffing", "일반직/7급", "current", 1, 0)]
    assert correction["changes"][0]["label"] == "시장비서실"


def test_a_rename_shows_the_name_before_and_after(live: Live, editor: str) -> None:
    unit = register(live, editor, "기획관")
    input = {"orgUnitId": unit, "name": "기획조정실", "validFrom": "2020-01-01"}
    ok(
        mutate(live, "renameOrgUnit", "RenameOrgUnitInput", "version", input, editor),
        "renameOrgUnit",
    )
    registered, renamed = events(live, subjectIds=[unit])
    assert ("org.name", "", "name", None, "기획관") in lines(registered)
    assert lines(renamed) == [("org.name", "", "name", "기획관", "기획조정실")]


def test_a_budget_record_and_its_correction(live: Live, editor: str) -> None:
    unit = register(live, editor, "시장비서실")
    selection = "budgetLine { id }"
    body = mutate(
        live,
        "recordBudgetLine",
        "RecordBudgetLineInput",
        selection,
        {**BUDGET, "orgUnitId": unit},
        editor,
    )
    line = ok(body, "recordBudgetLine")["budgetLine"]["id"]
    again = {**BUDGET, "orgUnitId": unit, "executed": 60_000_000}
    ok(
        mutate(live, "recordBudgetLine", "RecordBudgetLineInput", "version", again, editor),
        "recordBudgetLine",
    )
    recorded = [e for e in events(live, subjectIds=[line]) if e["type"] == "BudgetRecorded"]
    assert ("budget", "", "executed", None, 52_661_000) in lines(recorded[0])
    assert ("budget", "", "budgeted", None, 277_200_000) in lines(recorded[0])
    assert lines(recorded[1]) == [("budget", "", "executed", 52_661_000, 60_000_000)]
    assert recorded[1]["changes"][0]["label"] == BUDGET["item"]
    assert recorded[1]["changes"][0]["subjectType"] == "BudgetLine"


def test_a_page_of_events_each_with_its_changes(live: Live, editor: str) -> None:
    units = [register(live, editor, f"부서{i}") for i in range(5)]
    for unit in units:
        record_staffing(live, editor, unit, TABLE)
        record_staffing(live, editor, unit, [TABLE[0], {**TABLE[1], "current": 0}])
    page = events(live)
    assert len(page) == 15
    corrections = [e for e in page if e["type"] == "StaffingRecorded"][1::2]
    assert [lines(e) for e in corrections] == [[("staffing", "일반직/7급", "current", 1, 0)]] * 5
    assert {tuple(c["label"] for c in e["changes"]) for e in corrections} == {
        (f"부서{i}",) for i in range(5)
    }
