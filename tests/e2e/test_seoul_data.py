"""The bundled Seoul data through the public API: the figures of the reports, as of their
reference dates, and what changed between two reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain import ids
from ledger.importing.importer import Importer
from tests.support.live import Live

DATA = Path(__file__).resolve().parents[2] / "data" / "seoul"
MAYOR = str(ids.unit_id("mayors-office"))


@pytest.fixture
def seoul(live: Live) -> Live:
    Importer(live.runtime.ledger).import_folder(DATA)
    live.caught_up()
    return live


def test_the_mayors_office_as_of_2020_02_15(seoul: Live) -> None:
    query = """{ orgUnits(asOf: "2020-02-15") {
      name staffing { referenceDate authorized current } } }"""
    units = {u["name"]: u["staffing"] for u in seoul.data(query)["orgUnits"]}
    assert units["시장비서실"] == {"referenceDate": "2020-01-31", "authorized": 22, "current": 21}


def test_relabelled_grades_stay_one_series(seoul: Live) -> None:
    query = """query($id: ID!, $asOf: Date) { orgUnit(id: $id, asOf: $asOf) {
      staffing { rows { seriesKey grade current } } } }"""

    def grades(as_of: str) -> dict[str, str]:
        rows = seoul.data(query, {"id": MAYOR, "asOf": as_of})["orgUnit"]["staffing"]["rows"]
        return {r["seriesKey"]: r["grade"] for r in rows}

    assert grades("2019-03-31")["special-2"] == "2~3급"
    assert grades("2020-01-31")["special-2"] == "2급상당"
    assert grades("2019-03-31")["general-8-9"] == "8~9급"
    assert grades("2020-03-31")["general-8-9"] == "8·9급"


def test_budget_execution_in_whole_won(seoul: Live) -> None:
    query = """query($id: ID!) { orgUnit(id: $id, asOf: "2020-03-31") {
      budget(fiscalYear: 2020) { budgeted executed remaining executionRate
        lines { item budgeted executed asPrinted } } } }"""
    budget = seoul.data(query, {"id": MAYOR})["orgUnit"]["budget"]
    assert (budget["budgeted"], budget["executed"], budget["remaining"]) == (
        357_200_000,
        103_358_000,
        253_842_000,
    )
    assert round(budget["executionRate"] * 100, 1) == 28.9
    printed = {line["item"]: line["asPrinted"] for line in budget["lines"]}
    assert printed["기관운영업무추진비"] == {"unit": "천원", "budgeted": 277200, "executed": 83288}


def test_changes_between_two_reports(seoul: Live) -> None:
    query = """query($id: ID!) { orgUnit(id: $id, asOf: "2020-03-31") {
      changes(from: "2020-01-31", to: "2020-03-31") {
        kind key field old new label events { type validFrom source } } } }"""
    changes = seoul.data(query, {"id": MAYOR})["orgUnit"]["changes"]
    staffing = {
        (c["key"], c["field"]): (c["old"], c["new"]) for c in changes if c["kind"] == "staffing"
    }
    assert staffing[("general-7", "current")] == (1, 0)
    assert staffing[("general-8-9", "current")] == (1, 2)
    assert staffing[("special-6-below", "current")] == (2, 1)
    assert ("general-5", "current") not in staffing
    executed = {
        c["label"]: (c["old"], c["new"])
        for c in changes
        if c["kind"] == "budget" and c["field"] == "executed"
    }
    assert executed["기관운영업무추진비"] == (52_661_000, 83_288_000)
    made_by = next(c for c in changes if c["key"] == "general-7")["events"]
    assert made_by == [
        {
            "type": "StaffingRecorded",
            "validFrom": "2020-03-31",
            "source": "001_8609ec9c98224de6.txt § Ⅰ. 일반 현황 > 2. 인력 현황",
        }
    ]


def test_audit_follow_ups_and_tasks_taken_off_the_list(seoul: Live) -> None:
    query = """query($id: ID!, $asOf: Date, $kind: TaskKind) { orgUnit(id: $id, asOf: $asOf) {
      tasks(kind: $kind) { number title status statusSince category responsible } } }"""
    audits = seoul.data(query, {"id": MAYOR, "asOf": "2020-02-01", "kind": "AUDIT_FOLLOW_UP"})
    items = audits["orgUnit"]["tasks"]
    assert len(items) == 37
    statuses = [t["status"] for t in items]
    assert (
        statuses.count("COMPLETED"),
        statuses.count("IN_PROGRESS"),
        statuses.count("UNDER_REVIEW"),
    ) == (26, 9, 2)
    assert all(t["statusSince"] is None for t in items if t["category"] != "기타(자료제출 등)")
    majors_2019 = seoul.data(query, {"id": MAYOR, "asOf": "2019-06-01", "kind": "MAJOR_TASK"})
    majors_2020 = seoul.data(query, {"id": MAYOR, "asOf": "2020-02-01", "kind": "MAJOR_TASK"})
    assert len(majors_2019["orgUnit"]["tasks"]) == 5
    assert len(majors_2020["orgUnit"]["tasks"]) == 5
    assert all(t["status"] is None for t in majors_2020["orgUnit"]["tasks"])


def test_a_row_resolved_by_the_totals_says_how(seoul: Live) -> None:
    query = """query($id: ID!) { orgUnit(id: $id, asOf: "2020-04-20") {
      staffing(includeDescendants: false) {
        rows { jobCategory authorized current resolutions } } } }"""
    unit = str(ids.unit_id("planning-office/organization"))
    rows = seoul.data(query, {"id": unit})["orgUnit"]["staffing"]["rows"]
    (operations,) = [r for r in rows if r["jobCategory"] == "관리운영직"]
    assert (operations["authorized"], operations["current"]) == (1, 0)
    assert "7/8" in operations["resolutions"][0]
    (general,) = [r for r in rows if r["jobCategory"] == "일반직"]
    assert general["resolutions"] == []


def test_subtotals_by_category_and_by_account_as_printed(seoul: Live) -> None:
    query = """query($id: ID!) { orgUnit(id: $id, asOf: "2020-04-20") {
      staffing { authorized current women byCategory { jobCategory authorized current } }
      budget(fiscalYear: 2020) { budgeted projects byAccount { account budgeted projects } } } }"""
    unit = seoul.data(query, {"id": str(ids.unit_id("planning-office"))})["orgUnit"]
    staffing, budget = unit["staffing"], unit["budget"]
    assert (staffing["authorized"], staffing["current"], staffing["women"]) == (306, 289, 174)
    assert [(p["jobCategory"], p["authorized"], p["current"]) for p in staffing["byCategory"]] == [
        ("일반직", 256, 242),
        ("임기제", 42, 38),
        ("별정직", 1, 1),
        ("관리운영직", 7, 8),
    ]
    assert (budget["budgeted"], budget["projects"]) == (1_610_029_000_000, 75)
    assert [(p["account"], p["budgeted"] // 1_000_000) for p in budget["byAccount"]] == [
        ("일반회계", 602_275),
        ("특별회계", 76_032),
        ("기금", 931_722),
    ]


def test_an_audit_demand_keeps_its_printed_text_under_a_short_title(seoul: Live) -> None:
    query = """query($id: ID!) { orgUnit(id: $id, asOf: "2020-01-31") {
      tasks(kind: AUDIT_FOLLOW_UP) { title description category } } }"""
    items = seoul.data(query, {"id": MAYOR})["orgUnit"]["tasks"]
    described = [t for t in items if t["description"]]
    assert 0 < len(described) < len(items) == 37
    assert all(len(t["title"]) <= 40 < len(t["description"]) for t in described)


def test_a_policy_target_series_as_printed(seoul: Live) -> None:
    query = """query($id: ID!) { orgUnit(id: $id) { indicators {
      name measure points { period kind value referenceDate } } } }"""
    bureau = str(ids.unit_id("administration-bureau"))
    indicators = {i["name"]: i for i in seoul.data(query, {"id": bureau})["orgUnit"]["indicators"]}
    flexible = indicators["유연근무 확대"]
    assert flexible["measure"] == "명"
    assert [(p["period"], p["kind"], p["value"]) for p in flexible["points"]] == [
        ("2012", "ACTUAL", 794),
        ("2013", "TARGET", 1000),
        ("2014", "TARGET", 2000),
    ]
