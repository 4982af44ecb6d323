"""The document checks itself: printed totals computed from the facts, misprints, task lists."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from ledger.importing.checks import CheckError, Document, list_gaps, run_checks, verify

UNITS = [
    {"key": "office", "name": "실", "parent": "", "valid_from": "2020-01-01"},
    {"key": "office/a", "name": "가담당관", "parent": "office", "valid_from": "2020-01-01"},
    {"key": "office/b", "name": "나담당관", "parent": "office", "valid_from": "2020-01-01"},
]
ON = "2020-04-20"


def table(unit: str, women: int | None, *rows: tuple[str, int, int]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "unit": unit,
        "reference_date": ON,
        "rows": [{"series": c, "category": c, "authorized": a, "current": n} for c, a, n in rows],
    }
    if women is not None:
        entry["women"] = women
    return entry


def line(unit: str, item: str, budgeted: int, executed: int | None, **more: Any) -> dict[str, Any]:
    entry = {
        "unit": unit,
        "line": f"{unit}/{item}",
        "fiscal_year": 2020,
        "item": item,
        "reference_date": ON,
        "money_unit": "천원",
        "budgeted": budgeted,
        **more,
    }
    if executed is not None:
        entry["executed"] = executed
    return entry


def document(*checks: dict[str, Any], **facts: Any) -> list[tuple[str, Document]]:
    return [("report.toml", {"units": UNITS, **facts, "checks": list(checks)})]


def check(printed: Any, **selector: Any) -> dict[str, Any]:
    return {"table": "표", "row": "계", "column": "정원", "printed": printed, **selector}


STAFF = {
    "staffing": [
        table("office/a", 5, ("일반직", 10, 9), ("임기제", 2, 2)),
        table("office/b", 3, ("일반직", 7, 7)),
    ]
}


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ({"unit": "office/a", "field": "authorized"}, 12),
        ({"unit": "office", "field": "authorized", "descendants": True}, 19),
        ({"unit": "office", "field": "current", "descendants": True, "category": "일반직"}, 16),
        ({"unit": "office", "field": "women", "descendants": True}, 8),
    ],
)
def test_staffing_totals(selector: dict[str, Any], expected: int) -> None:
    (finding,) = run_checks(
        document(check(expected, staffing={**selector, "reference_date": ON}), **STAFF)
    )
    assert finding.passed, finding
    assert finding.computed == expected


BUDGET = {
    "budget": [
        line("office/a", "운영비", 277200, 83288, account="일반회계", projects=3),
        line("office/b", "사업비", 80000, 20070, account="기금", projects=0),
    ]
}


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ({"field": "budgeted"}, 357200),
        ({"field": "remaining"}, 253842),
        ({"field": "rate"}, Decimal("28.9")),
        ({"field": "projects"}, 3),
        ({"field": "executed", "account": "기금"}, 20070),
        ({"field": "budgeted", "money_unit": "백만원", "rounded": True}, 357),
        ({"field": "rate", "item": "운영비"}, Decimal("30.0")),
    ],
)
def test_budget_figures(selector: dict[str, Any], expected: Decimal | int) -> None:
    base = {"unit": "office", "fiscal_year": 2020, "reference_date": ON, "money_unit": "천원"}
    selection = {**base, "descendants": True, **selector}
    (finding,) = run_checks(document(check(expected, budget=selection), **BUDGET))
    assert finding.passed, finding


def test_a_change_is_this_year_minus_the_other() -> None:
    earlier = {
        **line("office/a", "운영비", 200000, None),
        "fiscal_year": 2019,
        "reference_date": "2019-12-31",
    }
    selection = {
        "unit": "office/a",
        "fiscal_year": 2020,
        "reference_date": ON,
        "field": "budgeted",
        "money_unit": "천원",
        "minus": {"fiscal_year": 2019, "reference_date": "2019-12-31"},
    }
    budget = [*BUDGET["budget"], earlier]
    (finding,) = run_checks(document(check(77200, budget=selection), budget=budget))
    assert finding.passed, finding


def test_a_disagreeing_total_names_its_cell() -> None:
    selection = {"unit": "office", "reference_date": ON, "field": "authorized", "descendants": True}
    docs = document(check(20, staffing=selection), **STAFF)
    with pytest.raises(CheckError) as raised:
        verify(docs)
    message = str(raised.value)
    assert (
        "report.toml: table '표', row '계', column '정원': printed 20, the facts give 19" in message
    )


def test_a_misprint_must_be_one_and_must_read_as_said() -> None:
    base = {"unit": "office", "fiscal_year": 2020, "reference_date": ON, "field": "rate"}
    selection = {**base, "item": "운영비", "money_unit": "천원", "descendants": True}
    said = {"reads": 30.0, "why": "83,288 / 277,200 = 30.05%"}
    misprinted = check(30.1, budget=selection, misprint=said)
    (finding,) = run_checks(document(misprinted, **BUDGET))
    assert finding.passed and finding.misprint
    (wrong_reading,) = run_checks(
        document({**misprinted, "misprint": {**said, "reads": 30.1}}, **BUDGET)
    )
    assert "said to read 30.1" in str(wrong_reading)
    (not_a_misprint,) = run_checks(document({**misprinted, "printed": 30.0}, **BUDGET))
    assert "marked as a misprint" in str(not_a_misprint)


def test_task_counts_read_the_list_in_force() -> None:
    def task(key: str, on: str, **state: Any) -> dict[str, Any]:
        return {"unit": "office", "key": key, "kind": "AUDIT_FOLLOW_UP", "valid_from": on, **state}

    tasks = [
        task("t1", "2020-01-31", status="COMPLETED", category="기타"),
        task("t2", "2020-01-31", status="IN_PROGRESS", category="기타"),
        task("t2", "2020-03-31", status="COMPLETED", category="기타"),
        task("t3", "2020-01-31", status="COMPLETED", category="건의사항"),
        task("t3", "2020-03-31", listed=False),
    ]
    selection = {"unit": "office", "kind": "AUDIT_FOLLOW_UP", "status": "COMPLETED"}
    counts = [
        check(2, tasks={**selection, "as_of": "2020-01-31"}),
        check(2, tasks={**selection, "as_of": "2020-04-01"}),
        check(1, tasks={**selection, "as_of": "2020-01-31", "category": "기타"}),
    ]
    assert all(f.passed for f in run_checks(document(*counts, tasks=tasks)))


def test_indicator_sums_and_averages() -> None:
    def series(key: str, *values: tuple[str, int]) -> dict[str, Any]:
        points = [
            {"period": p, "kind": "ACTUAL", "value": v, "reference_date": ON} for p, v in values
        ]
        return {"key": key, "unit": "office", "name": key, "measure": "명", "points": points}

    indicators = [
        series("a", ("2010", 155), ("2011", 108), ("2012", 144)),
        series("b", ("2012", 806)),
    ]
    checks = [
        check(950, indicators={"keys": ["a", "b"], "period": "2012", "kind": "ACTUAL"}),
        check(155, indicators={"keys": ["a"], "period": "2010", "kind": "ACTUAL"}),
        check(
            136,
            indicators={
                "keys": ["a"],
                "periods": ["2010", "2011", "2012"],
                "kind": "ACTUAL",
                "average": True,
            },
        ),
        check(
            407, indicators={"keys": ["a"], "periods": ["2010", "2011", "2012"], "kind": "ACTUAL"}
        ),
    ]
    assert all(f.passed for f in run_checks(document(*checks, indicators=indicators)))
    (missing,) = run_checks(
        document(
            check(1, indicators={"keys": ["b"], "period": "2010", "kind": "ACTUAL"}),
            indicators=indicators,
        )
    )
    assert "malformed check" in str(missing)


def test_a_check_needs_exactly_one_selector() -> None:
    (finding,) = run_checks(document(check(1)))
    assert "needs exactly one of" in str(finding)


def test_a_later_list_must_name_every_task_of_the_earlier_one() -> None:
    def task(key: str, on: str, listed: bool = True) -> dict[str, Any]:
        return {
            "unit": "office",
            "key": key,
            "kind": "MAJOR_TASK",
            "valid_from": on,
            "listed": listed,
        }

    first = ("2019.toml", {"tasks": [task("a", "2019-03-31"), task("b", "2019-03-31")]})
    dropped = ("2020.toml", {"tasks": [task("a", "2020-01-31")]})
    (gap,) = list_gaps([first, dropped])
    assert gap.startswith("2020.toml: the MAJOR_TASK list of office at 2020-01-31 does not name b")
    taken_off = ("2020.toml", {"tasks": [task("a", "2020-01-31"), task("b", "2020-01-31", False)]})
    assert list_gaps([taken_off, first]) == []
    no_list = ("2020-04.toml", {"tasks": []})
    assert list_gaps([first, no_list]) == []
