"""A government's tree as the explorer asks it (Query.orgUnits(root:) with each unit's staffing):
its staffing is read ahead for the whole page, and must answer exactly what the loaders answer
unit by unit; and a read leaves nothing behind for the cyclic collector."""

from __future__ import annotations

import gc
from typing import Any

from api.graphql.context import Context
from api.graphql.execution.executor import LedgerExecutionContext
from projections.staffing_views import StaffingTable, StaffingView
from projections.views import UnitView
from tests.support.live import Live
from tests.support.mutations import register

RECORD = "mutation($input: RecordStaffingInput!) { recordStaffing(input: $input) { version } }"
FIGURES = """authorized current women referenceDate sources notes
  rows { seriesKey jobCategory grade authorized current women resolutions }
  byCategory { jobCategory authorized current }"""
AHEAD = f"""query($root: ID!, $on: Date) {{ orgUnits(root: $root, asOf: $on) {{
  id name staffing {{ {FIGURES} }} own: staffing(includeDescendants: false) {{ {FIGURES} }} }} }}"""
UNIT_BY_UNIT = f"""query($root: ID!, $on: Date) {{ orgUnits(root: $root, asOf: $on) {{ ...u }} }}
fragment u on OrgUnit {{
  id name staffing {{ {FIGURES} }} own: staffing(includeDescendants: false) {{ {FIGURES} }} }}"""
"""A fragment hides the staffing fields from the read ahead: each is read by the loaders."""


def record(live: Live, token: str, unit: str, day: str, rows: list[dict[str, Any]]) -> None:
    payload = {"orgUnitId": unit, "referenceDate": day, "rows": rows, "source": f"{day}.txt"}
    live.data(RECORD, {"input": payload}, token)


def line(category: str, grade: str | None, authorized: int | None, current: int) -> dict[str, Any]:
    return {"jobCategory": category, "grade": grade, "authorized": authorized, "current": current}


def government(live: Live, token: str) -> str:
    """서울특별시 > 행정국 > (총무과, 인사과), 기획조정실; tables at different dates, one line
    without authorised headcount, series that only some units have."""
    root = register(live, token, "서울특별시")
    bureau = register(live, token, "행정국", root)
    general = register(live, token, "총무과", bureau)
    staff = register(live, token, "인사과", bureau)
    planning = register(live, token, "기획조정실", root)
    record(live, token, root, "2020-01-31", [line("정무직", None, 1, 1)])
    record(live, token, bureau, "2020-03-31", [line("일반직", "3급", 1, 1)])
    record(live, token, general, "2020-01-31", [line("일반직", "5급", 3, 2)])
    record(
        live,
        token,
        general,
        "2020-06-30",
        [line("일반직", "5급", 3, 3), line("기능직", None, None, 4)],
    )
    record(
        live, token, staff, "2020-02-29", [line("일반직", "5급", 2, 2), line("일반직", "6급", 5, 4)]
    )
    record(live, token, planning, "2020-04-30", [line("일반직", "4급", 1, 0)])
    return root


def test_the_read_ahead_answers_what_the_loaders_answer(live: Live, editor: str) -> None:
    root = government(live, editor)
    for on in ("2019-06-30", "2020-02-29", "2020-05-01", "2020-12-31"):
        variables = {"root": root, "on": on}
        ahead = live.data(AHEAD, variables)["orgUnits"]
        assert ahead == live.data(UNIT_BY_UNIT, variables)["orgUnits"], on
    late = live.data(AHEAD, {"root": root, "on": "2020-12-31"})["orgUnits"]
    assert [u["staffing"]["current"] for u in late] == [15, 0, 14, 6, 7]
    assert late[0]["staffing"]["authorized"] is None  # 기능직 reports current only
    assert late[0]["own"]["authorized"] == 1


def test_a_read_leaves_nothing_for_the_cyclic_collector(live: Live, editor: str) -> None:
    """What a read made (its execution, its context, what its loaders read) goes when its
    answer is sent (reference counting), not at the collector's next pass, which would free
    the garbage of every read since at once: the pauses of the p99 (BENCHMARKS.md)."""
    root = government(live, editor)
    live.data(AHEAD, {"root": root, "on": "2020-12-31"})
    kinds = (UnitView, StaffingView, StaffingTable, Context, LedgerExecutionContext)
    gc.collect()
    gc.disable()
    try:
        before = {id(o) for o in gc.get_objects() if isinstance(o, kinds)}  # other tests' too
        for on in ("2020-02-29", "2020-12-31"):
            assert live.data(AHEAD, {"root": root, "on": on})["orgUnits"]
        made = [o for o in gc.get_objects() if isinstance(o, kinds) and id(o) not in before]
        left = sorted({type(o).__name__ for o in made})
        del made
    finally:
        gc.enable()
    assert left == []
