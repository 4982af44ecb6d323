"""The rollup's arithmetic without a database: a government's tables summed as the projector
keeps them (projections/build/rollup.py) are what Staffing sums (views.roll_up_staffing) for
any tables, with or without authorised figures and women; and the governments a unit's change
may alter are every root its places lead to from the change's date on, before and after a move."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from projections.build.batch import TableTotals
from projections.build.rollup import Roots, summed, table_totals
from projections.build.tree import ParentLink, ParentTimelines
from projections.staffing_views import StaffingRowView, StaffingTable, roll_up_staffing

DAYS = [date(2020, 1, 1) + timedelta(days=90 * n) for n in range(4)]
AT = datetime(2024, 1, 1, tzinfo=UTC)

line = st.fixed_dictionaries(
    {
        "series_key": st.sampled_from(["일반직/5급", "일반직/6급", "별정직"]),
        "job_category": st.just("일반직"),
        "grade": st.none(),
        "authorized": st.none() | st.integers(0, 50),
        "current": st.integers(0, 50),
        "women": st.none() | st.integers(0, 20),
    }
)
table = st.fixed_dictionaries(
    {
        "rows": st.lists(line, max_size=3),
        "women": st.none() | st.integers(0, 30),
        "day": st.sampled_from(DAYS),
    }
)


def view(value: dict[str, Any]) -> StaffingTable:
    rows = [
        StaffingRowView(
            r["series_key"],
            r["job_category"],
            r["grade"],
            r["authorized"],
            r["current"],
            r["women"],
        )
        for r in value["rows"]
    ]
    return StaffingTable(uuid.uuid4(), value["day"], rows, value["women"], None, None)


@given(st.lists(table, min_size=1, max_size=4))
def test_tables_summed_as_staffing_sums_them(tables: list[dict[str, Any]]) -> None:
    kept = summed(
        7,
        [TableTotals(uuid.uuid4(), t["day"], AT, None, *table_totals(t)) for t in tables],
    )
    staffing = roll_up_staffing([view(t) for t in tables])
    assert staffing is not None
    assert (kept.authorized, kept.current, kept.women, kept.reference_date) == (
        staffing.authorized,
        staffing.current,
        staffing.women,
        staffing.reference_date,
    )
    assert kept.units == 7


def test_no_table_sums_to_nothing_but_the_units() -> None:
    assert tuple(summed(3, [])) == (3, None, 0, None, None)


def test_the_governments_a_change_may_alter_follow_its_places_before_and_after_a_move() -> None:
    seoul, busan, bureau, team = (uuid.uuid4() for _ in range(4))
    tree = ParentTimelines()
    for unit, parent in ((seoul, None), (busan, None), (bureau, seoul), (team, bureau)):
        tree.add(unit, ParentLink(DAYS[0], parent, AT))
    before = tree.version
    tree.add(bureau, ParentLink(DAYS[2], busan, AT + timedelta(hours=1)))  # to Busan
    after = tree.version
    roots = Roots(tree)
    assert roots.over(team, DAYS[0], before) == {seoul}
    assert roots.over(team, DAYS[0], after) == {seoul, busan}
    assert roots.over(team, DAYS[3], after) == {busan}
    assert roots.over(seoul, DAYS[0], after) == {seoul}
    tree.add(busan, ParentLink(DAYS[3], seoul, AT + timedelta(hours=2)))  # Busan below Seoul
    assert Roots(tree).over(team, DAYS[2], tree.version) == {busan, seoul}
    assert tree.version_at(AT) == before
    corrected = ParentLink(DAYS[2], seoul, AT + timedelta(hours=3))  # the move withdrawn
    tree.add(bureau, corrected)
    assert Roots(tree).over(team, DAYS[0], tree.version) == {seoul}
    assert Roots(tree).over(team, DAYS[0], after) == {seoul, busan}


def test_units_that_place_each_other_on_different_dates_are_no_cycle() -> None:
    """Busan is a government, then below unit A of Seoul; unit B is below Busan, then below
    Seoul; A moves below B. On no date is one of them its own ancestor: from the move on, all
    three are Seoul's."""
    seoul, busan, a, b = (uuid.uuid4() for _ in range(4))
    tree = ParentTimelines()
    for unit, parent in ((seoul, None), (busan, None), (a, seoul), (b, busan)):
        tree.add(unit, ParentLink(DAYS[0], parent, AT))
    for unit, parent in ((busan, a), (b, seoul), (a, b)):
        tree.add(unit, ParentLink(DAYS[1], parent, AT + timedelta(hours=1)))
    roots = Roots(tree)  # a first: its walk meets Busan, then A again (on other dates)
    assert roots.over(a, DAYS[2], tree.version) == {seoul}
    assert roots.over(busan, DAYS[1], tree.version) == {seoul}
    assert roots.over(b, DAYS[0], tree.version) == {busan, seoul}
    cycle = ParentTimelines()  # a true cycle: no government
    cycle.add(a, ParentLink(DAYS[0], b, AT))
    cycle.add(b, ParentLink(DAYS[0], a, AT))
    assert Roots(cycle).over(a, DAYS[0], cycle.version) == set()
