"""Pure roll-ups of the read model: staffing, budgets and the unit tree."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest

from projections import staffing_views
from projections.staffing_views import StaffingRowView, StaffingTable, StaffingView
from projections.views import BudgetLineView, Tree, UnitView, roll_up_budget


def srow(
    key: str,
    current: int,
    authorized: int | None = None,
    women: int | None = None,
    grade: str | None = None,
    category: str = "일반직",
) -> dict[str, Any]:
    return {
        "series_key": key,
        "job_category": category,
        "grade": grade or key,
        "authorized": authorized,
        "current": current,
        "women": women,
    }


def table(
    *rows: dict[str, Any],
    women: int | None = None,
    note: str | None = None,
    source: str | None = None,
) -> dict[str, Any]:
    return {"rows": list(rows), "women": women, "note": note, "source": source}


D1, D2, D3 = date(2023, 1, 1), date(2023, 7, 1), date(2024, 1, 1)


def as_table(day: date, value: dict[str, Any]) -> StaffingTable:
    """A table as the read model gives it, from the shape its event recorded."""
    rows = [
        StaffingRowView(
            r["series_key"],
            r["job_category"],
            r["grade"],
            r["authorized"],
            r["current"],
            r.get("women"),
            [r["resolution"]] if r.get("resolution") else [],
        )
        for r in value["rows"]
    ]
    return StaffingTable(uuid4(), day, rows, value["women"], value["note"], value["source"])


def roll_up_staffing(facts: list[tuple[date, dict[str, Any]]]) -> StaffingView | None:
    return staffing_views.roll_up_staffing([as_table(day, value) for day, value in facts])


def test_roll_up_staffing_of_nothing_is_none() -> None:
    assert roll_up_staffing([]) is None


def test_roll_up_staffing_sums_by_series_across_units() -> None:
    view = roll_up_staffing(
        [
            (D1, table(srow("5", 3, 4), srow("6", 10, 12))),
            (D2, table(srow("6", 7, 8), srow("7", 1, 1))),
        ]
    )
    assert view is not None
    by_key = {r.series_key: r for r in view.rows}
    assert sorted(by_key) == ["5", "6", "7"]
    assert (by_key["6"].current, by_key["6"].authorized) == (17, 20)
    assert (by_key["5"].current, by_key["7"].current) == (3, 1)
    assert view.current == 21
    assert view.authorized == 25


def test_roll_up_staffing_reference_date_is_the_latest() -> None:
    view = roll_up_staffing(
        [(D3, table(srow("5", 1))), (D1, table(srow("5", 1))), (D2, table(srow("5", 1)))]
    )
    assert view is not None
    assert view.reference_date == D3


def test_authorized_is_none_unless_every_row_reports() -> None:
    view = roll_up_staffing(
        [
            (D1, table(srow("5", 3, 4), srow("6", 2, 2))),
            (D2, table(srow("6", 1, None))),
        ]
    )
    assert view is not None
    by_key = {r.series_key: r for r in view.rows}
    assert by_key["5"].authorized == 4
    assert by_key["6"].authorized is None
    assert view.authorized is None


def test_labels_come_from_the_latest_reference_date() -> None:
    view = roll_up_staffing(
        [
            (D3, table(srow("k", 1, grade="8·9급", category="행정직"))),
            (D1, table(srow("k", 1, grade="8~9급", category="일반직"))),
        ]
    )
    assert view is not None
    assert view.rows == [StaffingRowView("k", "행정직", "8·9급", None, 2, None)]


def test_women_sums_unit_level_and_row_level_reports() -> None:
    view = roll_up_staffing(
        [
            (D1, table(srow("5", 3, women=1), srow("6", 4, women=2))),
            (D2, table(srow("5", 5), women=4)),
        ]
    )
    assert view is not None
    assert view.women == 7
    by_key = {r.series_key: r for r in view.rows}
    assert by_key["5"].women is None  # the second unit gives no row-level women
    assert by_key["6"].women == 2


def test_unit_level_women_wins_over_rows() -> None:
    view = roll_up_staffing([(D1, table(srow("5", 9, women=1), women=6))])
    assert view is not None
    assert view.women == 6


def test_women_is_none_unless_every_unit_reports() -> None:
    view = roll_up_staffing(
        [
            (D1, table(srow("5", 3), women=2)),
            (D2, table(srow("5", 3, women=1), srow("6", 2))),
        ]
    )
    assert view is not None
    assert view.women is None


def test_sources_are_distinct_and_sorted_and_notes_in_date_order() -> None:
    view = roll_up_staffing(
        [
            (D2, table(srow("5", 1), source="b.pdf", note="둘째")),
            (D1, table(srow("5", 1), source="a.pdf", note="첫째")),
            (D3, table(srow("5", 1), source="b.pdf")),
        ]
    )
    assert view is not None
    assert view.sources == ["a.pdf", "b.pdf"]
    assert view.notes == ["첫째", "둘째"]


def budget_line(
    item: str, budgeted: int, executed: int | None, on: date = D1, account: str | None = "일반회계"
) -> BudgetLineView:
    return BudgetLineView(
        uuid4(), uuid4(), 2023, on, account, item, budgeted, executed, None, None, None, None
    )


def test_line_remaining_and_unrounded_execution_rate() -> None:
    view = budget_line("인건비", 357_200, 56_732)
    assert view.remaining == 300_468
    assert view.execution_rate == pytest.approx(0.158824, abs=1e-6)
    assert view.execution_rate == 56_732 / 357_200
    assert round(view.execution_rate, 3) != view.execution_rate  # type: ignore[arg-type]


def test_line_without_execution_or_budget_has_no_rate() -> None:
    assert budget_line("a", 100, None).remaining is None
    assert budget_line("a", 100, None).execution_rate is None
    assert budget_line("a", 0, 0).execution_rate is None
    assert budget_line("a", 0, 0).remaining == 0


def test_roll_up_budget_of_nothing_is_none() -> None:
    assert roll_up_budget(2023, []) is None


def test_roll_up_budget_sums_and_sorts_lines() -> None:
    lines = [
        budget_line("여비", 200, 50, on=D2),
        budget_line("인건비", 1000, 300, on=D1),
        budget_line("기금사업", 100, 10, on=D1, account="기금"),
        budget_line("무계정", 10, 0, on=D1, account=None),
    ]
    view = roll_up_budget(2023, lines)
    assert view is not None
    assert view.fiscal_year == 2023
    assert view.reference_date == D2
    assert (view.budgeted, view.executed) == (1310, 360)
    assert view.fully_reported
    assert view.remaining == 950
    assert view.execution_rate == 360 / 1310
    assert [line.item for line in view.lines] == ["무계정", "기금사업", "여비", "인건비"]


def test_roll_up_budget_with_partial_execution() -> None:
    view = roll_up_budget(2023, [budget_line("a", 100, 40), budget_line("b", 100, None)])
    assert view is not None
    assert view.executed == 40
    assert not view.fully_reported
    assert view.remaining is None
    assert view.execution_rate is None


def test_roll_up_budget_without_any_execution() -> None:
    view = roll_up_budget(2023, [budget_line("a", 100, None)])
    assert view is not None
    assert view.executed is None
    assert view.remaining is None


def tree() -> tuple[Tree, dict[str, UUID]]:
    ids = {name: uuid4() for name in ("시장", "행정국", "경제국", "총무과", "인사과", "별도")}
    parent = {"행정국": "시장", "경제국": "시장", "총무과": "행정국", "인사과": "행정국"}
    units = {ids[n]: UnitView(ids[n], n, ids[parent[n]] if n in parent else None, D1) for n in ids}
    return Tree(units), ids


def test_tree_children_sorted_by_name() -> None:
    t, ids = tree()
    assert [u.name for u in t.children(ids["시장"])] == ["경제국", "행정국"]
    assert [u.name for u in t.children(ids["행정국"])] == ["인사과", "총무과"]
    assert t.children(ids["총무과"]) == []


def test_tree_subtree_is_the_unit_and_its_descendants() -> None:
    t, ids = tree()
    found = t.subtree(ids["행정국"])
    assert found[0] == ids["행정국"]
    assert sorted(found) == sorted([ids["행정국"], ids["총무과"], ids["인사과"]])
    assert len(t.subtree(ids["시장"])) == 5
    assert t.subtree(ids["별도"]) == [ids["별도"]]


def test_tree_in_order_is_depth_first_by_name() -> None:
    t, _ = tree()
    expected = ["별도", "시장", "경제국", "행정국", "인사과", "총무과"]
    assert [u.name for u in t.in_order()] == expected


def test_tree_parent_and_get() -> None:
    t, ids = tree()
    assert t.parent(ids["총무과"]) == t.get(ids["행정국"])
    assert t.parent(ids["시장"]) is None
    assert t.get(uuid4()) is None


def test_tree_unit_whose_parent_is_not_in_force_is_a_root() -> None:
    orphan = UnitView(uuid4(), "고아", uuid4(), D1)
    t = Tree({orphan.id: orphan})
    assert t.in_order() == [orphan]
    assert t.parent(orphan.id) is None


def test_staffing_by_category_gives_the_printed_subtotals() -> None:
    view = roll_up_staffing(
        [
            (
                D1,
                table(
                    srow("g5", 2, 2, category="일반직"),
                    srow("g6", 2, 2, category="일반직"),
                    srow("s2", 1, 1, women=1, category="별정직"),
                    srow("s5", 11, 11, women=4, category="별정직"),
                    women=9,
                ),
            )
        ]
    )
    assert view is not None
    parts = {p.job_category: p for p in view.by_category()}
    assert list(parts) == ["일반직", "별정직"]
    assert (parts["일반직"].authorized, parts["일반직"].current, parts["일반직"].women) == (
        4,
        4,
        None,
    )
    assert (parts["별정직"].authorized, parts["별정직"].current, parts["별정직"].women) == (
        12,
        12,
        5,
    )
    assert view.job_category is None and parts["별정직"].reference_date == D1


def test_resolutions_of_a_series_are_kept_once_each() -> None:
    resolved = {**srow("m", 0, 1), "resolution": "printed '1 /'"}
    view = roll_up_staffing(
        [(D1, table(resolved)), (D2, table(srow("m", 1, 1))), (D3, table(resolved))]
    )
    assert view is not None
    assert view.rows[0].resolutions == ["printed '1 /'"]


def test_budget_by_account_in_the_order_of_the_documents() -> None:
    lines = [
        budget_line("무계정", 10, None, account=None),
        budget_line("기금사업", 100, None, account="기금"),
        budget_line("특별", 50, None, account="특별회계"),
        budget_line("인건비", 1000, None),
        budget_line("여비", 200, None),
    ]
    view = roll_up_budget(2023, lines)
    assert view is not None
    parts = view.by_account()
    assert [(p.account, p.budgeted) for p in parts] == [
        ("일반회계", 1200),
        ("특별회계", 50),
        ("기금", 100),
        (None, 10),
    ]
    assert [line.item for line in parts[0].lines] == ["여비", "인건비"]


def test_budget_projects_only_where_every_line_reports_them() -> None:
    def line(projects: int | None) -> BudgetLineView:
        return BudgetLineView(
            uuid4(), uuid4(), 2023, D1, "일반회계", "a", 1, None, projects, None, None, None
        )

    assert roll_up_budget(2023, [line(3), line(0)]).projects == 3  # type: ignore[union-attr]
    assert roll_up_budget(2023, [line(3), line(None)]).projects is None  # type: ignore[union-attr]
