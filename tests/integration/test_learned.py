"""Query.learned and OrgUnit.learned (projections/read/learned.py): exactly the recordings of a
window (after, until] of transaction time, each one transaction of the log with its events and
what it changed; corrections before, inside and after the window and on both of its edges;
windows of valid time; one unit's answer; paging by cursor; and EventFilter's recordedAfter and
recordedUntil with the same meaning."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from api.auth import Principal
from api.graphql.context import Context, Services
from api.graphql.schema import schema
from api.runtime import Runtime
from domain import commands as c
from domain.provenance import Provenance
from ledger.application import Outcome
from ledger.work import UnitOfWork
from projections.read.stream import Filter, Logged
from projections.views import EventView
from tests.conftest import staffing_rows

READER = Principal("auditor", "reader")
RECORDING = """recordedAt actor reason source
  events { type subjectId recordedAt cursor }
  changes { kind subjectId label key field old new validFrom events { cursor } }"""
LEARNED = f"""query($after: DateTime!, $until: DateTime, $validFrom: Date, $validTo: Date,
    $filter: EventFilter, $first: Int, $cursor: String) {{
  learned(after: $after, until: $until, validFrom: $validFrom, validTo: $validTo,
      filter: $filter, first: $first, cursor: $cursor) {{
    edges {{ cursor node {{ {RECORDING} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"""
UNIT_LEARNED = f"""query($id: ID!, $after: DateTime!, $until: DateTime, $validFrom: Date,
    $validTo: Date, $first: Int, $cursor: String) {{
  orgUnit(id: $id, asOf: "2019-01-01") {{
    learned(after: $after, until: $until, validFrom: $validFrom, validTo: $validTo,
        first: $first, cursor: $cursor) {{
      edges {{ cursor node {{ {RECORDING} }} }} pageInfo {{ hasNextPage endCursor }} }} }} }}"""
EVENTS = """query($filter: EventFilter) { events(first: 500, filter: $filter) {
  edges { node { recordedAt type } } } }"""
DAY = date(2019, 1, 1)


@dataclass
class Ledger:
    """What the test recorded: each recording's moment by name, and the two units."""

    moments: dict[str, datetime]
    first: UUID
    second: UUID

    def at(self, name: str) -> str:
        return self.moments[name].isoformat()


def who(reason: str | None = None, source: str | None = None) -> Provenance:
    return Provenance("editor-kim", reason, source)


def moment(runtime: Runtime, outcomes: list[Outcome]) -> datetime:
    positions = [p for outcome in outcomes for p in outcome.notification_ids]
    found = set(runtime.ledger.ledger_recorder.recorded_at(positions).values())
    assert len(found) == 1, "one recording, one recorded time"
    return found.pop()


def staff(runtime: Runtime, unit: UUID, day: date, current: int, why: str) -> datetime:
    command = c.RecordStaffing(unit, day, staffing_rows(current))
    return moment(runtime, [runtime.ledger.execute(command, who(why, f"{why}.txt"))])


def budget(unit: UUID, day: date, executed: int) -> c.RecordBudgetLine:
    item = "기관운영업무추진비"
    return c.RecordBudgetLine(None, unit, 2019, "일반회계", item, day, 100, executed)


@pytest.fixture
def ledger(runtime: Runtime) -> Ledger:
    """r0, r1 register two units; r2 and r3 record the first unit's tables of March and June;
    (after = r3) r4 corrects March; r5 records the second unit's January 2020; r6 records, in
    one transaction, a budget line of the first unit and a table of the second; r7 corrects
    June (until = r7); r8 corrects March again."""
    moments: dict[str, datetime] = {}
    units = []
    for name in ("first", "second"):
        outcome = runtime.ledger.execute(c.RegisterOrgUnit(f"{name} unit", None, DAY), who())
        units.append(outcome.subject_id)
        moments[f"r{len(moments)}"] = moment(runtime, [outcome])
    first, second = units
    moments["r2"] = staff(runtime, first, date(2019, 3, 31), 10, "march")
    moments["r3"] = staff(runtime, first, date(2019, 6, 30), 11, "june")
    moments["r4"] = staff(runtime, first, date(2019, 3, 31), 12, "march-fix")
    moments["r5"] = staff(runtime, second, date(2020, 1, 31), 5, "second")
    items = [
        (budget(first, date(2019, 9, 30), 40), who("chunk", "a.txt")),
        (c.RecordStaffing(second, date(2019, 9, 30), staffing_rows(4)), who("chunk", "b.txt")),
    ]
    moments["r6"] = moment(runtime, UnitOfWork(runtime.ledger).execute(items))
    moments["r7"] = staff(runtime, first, date(2019, 6, 30), 13, "june-fix")
    moments["r8"] = staff(runtime, first, date(2019, 3, 31), 14, "march-again")
    return Ledger(moments, first, second)


@pytest.fixture
async def services(runtime: Runtime, ledger: Ledger) -> AsyncIterator[Services]:
    runtime.catch_up()
    runtime.start_projector()
    services = await runtime.open_services()
    yield services
    await runtime.close_services()


async def ask(services: Services, query: str, /, **variables: Any) -> Any:
    context = Context(services, principal=READER)
    result = await schema.execute(query, variable_values=variables, context_value=context)
    assert not result.errors, result.errors
    return result.data


async def refusal(services: Services, query: str, /, **variables: Any) -> str:
    context = Context(services, principal=READER)
    result = await schema.execute(query, variable_values=variables, context_value=context)
    assert result.errors, result.data
    code: str = (result.errors[0].extensions or {})["code"]
    return code


def recorded(edges: list[dict[str, Any]]) -> list[datetime]:
    return [datetime.fromisoformat(edge["node"]["recordedAt"]) for edge in edges]


async def learned(services: Services, **variables: Any) -> list[dict[str, Any]]:
    edges: list[dict[str, Any]] = (await ask(services, LEARNED, **variables))["learned"]["edges"]
    return edges


async def test_the_window_holds_exactly_the_recordings_made_in_it(
    services: Services, ledger: Ledger
) -> None:
    edges = await learned(services, after=ledger.at("r3"), until=ledger.at("r7"))
    m = ledger.moments
    assert recorded(edges) == [m["r4"], m["r5"], m["r6"], m["r7"]]  # r3 excluded, r7 included

    march, second, chunk, june = (edge["node"] for edge in edges)
    assert (march["actor"], march["reason"], march["source"]) == (
        "editor-kim",
        "march-fix",
        "march-fix.txt",
    )
    assert [(x["field"], x["old"], x["new"], x["validFrom"]) for x in march["changes"]] == [
        ("current", 10, 12, "2019-03-31")
    ]
    assert march["changes"][0]["label"] == "first unit"
    assert [(x["field"], x["old"], x["new"]) for x in june["changes"]] == [("current", 11, 13)]
    assert [(x["key"], x["field"], x["old"], x["new"]) for x in second["changes"]] == [
        ("일반직/5급", "current", None, 5),
        ("일반직/5급", "grade", None, "5급"),
        ("일반직/5급", "job_category", None, "일반직"),
    ]

    assert [e["type"] for e in chunk["events"]] == [
        "BudgetLineOpened",
        "BudgetRecorded",
        "StaffingRecorded",
    ]
    assert (chunk["reason"], chunk["source"]) == ("chunk", None)  # two documents
    kinds = [(x["kind"], x["field"], x["validFrom"]) for x in chunk["changes"]]
    assert ("budget", "executed", "2019-09-30") in kinds
    assert ("staffing", "current", "2019-09-30") in kinds
    cursors = {e["cursor"] for e in chunk["events"]}
    assert all({e["cursor"] for e in x["events"]} <= cursors for x in chunk["changes"])
    assert edges[-1]["cursor"] == june["events"][-1]["cursor"]


async def test_both_edges_and_an_empty_window(services: Services, ledger: Ledger) -> None:
    m = ledger.moments
    one = await learned(services, after=ledger.at("r4"), until=ledger.at("r5"))
    assert recorded(one) == [m["r5"]]
    just_before = (m["r5"] - timedelta(microseconds=1)).isoformat()
    assert recorded(await learned(services, after=just_before, until=ledger.at("r5"))) == [m["r5"]]
    assert await learned(services, after=ledger.at("r5"), until=ledger.at("r5")) == []
    everything = await learned(services, after="2000-01-01T00:00:00+00:00")
    assert recorded(everything) == sorted(m.values())  # until: now
    assert await refusal(services, LEARNED, after="2020-01-01T00:00:00") == "BAD_USER_INPUT"
    later = {"after": ledger.at("r5"), "until": ledger.at("r4")}
    assert await refusal(services, LEARNED, **later) == "BAD_USER_INPUT"
    days = {"after": ledger.at("r0"), "validFrom": "2020-01-01", "validTo": "2019-01-01"}
    assert await refusal(services, LEARNED, **days) == "BAD_USER_INPUT"


async def test_a_window_of_valid_time_keeps_the_changes_that_hold_in_it(
    services: Services, ledger: Ledger
) -> None:
    window = {"after": ledger.at("r3"), "until": ledger.at("r7")}
    m = ledger.moments
    # March's table holds from 2019-03-31 until June's: the correction r4 is not in H2 2019.
    h2 = await learned(services, **window, validFrom="2019-07-01", validTo="2019-12-31")
    assert recorded(h2) == [m["r6"], m["r7"]]
    chunk = h2[0]["node"]
    assert {x["validFrom"] for x in chunk["changes"]} == {"2019-09-30"}
    assert len(chunk["events"]) == 3  # the recording's events, whatever changes are kept
    spring = await learned(services, **window, validTo="2019-05-01")
    assert recorded(spring) == [m["r4"]]
    # The second unit's table of 2019-09-30 holds until its table of 2020-01-31.
    late = await learned(services, **window, validFrom="2020-01-31")
    assert recorded(late) == [m["r5"], m["r6"], m["r7"]]
    kept = late[1]["node"]["changes"]
    assert [x["field"] for x in kept] == ["account", "budgeted", "executed", "item"]
    assert {(x["kind"], x["validFrom"]) for x in kept} == {("budget", "2019-09-30")}


async def test_one_unit_gives_the_same_answer_as_the_filter(
    services: Services, ledger: Ledger
) -> None:
    window = {"after": ledger.at("r3"), "until": ledger.at("r7")}
    unit = str(ledger.first)
    own = await ask(services, UNIT_LEARNED, id=unit, **window)
    filtered = await learned(services, **window, filter={"orgUnitIds": [unit]})
    assert own["orgUnit"]["learned"]["edges"] == filtered
    m = ledger.moments
    assert recorded(filtered) == [m["r4"], m["r6"], m["r7"]]
    assert [e["type"] for e in filtered[1]["node"]["events"]] == [
        "BudgetLineOpened",
        "BudgetRecorded",
    ]
    unit_h2 = await ask(services, UNIT_LEARNED, id=unit, **window, validFrom="2019-07-01")
    assert recorded(unit_h2["orgUnit"]["learned"]["edges"]) == [m["r6"], m["r7"]]
    default = await ask(services, UNIT_LEARNED, id=unit, after=ledger.at("r7"))
    assert recorded(default["orgUnit"]["learned"]["edges"]) == [m["r8"]]  # until: its knownAt


async def test_pages_by_cursor_give_the_whole_window_once(
    services: Services, ledger: Ledger
) -> None:
    window = {"after": ledger.at("r0"), "until": ledger.at("r8")}
    whole = await learned(services, **window)
    assert len(whole) == 8
    pages: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = (await ask(services, LEARNED, **window, first=3, cursor=cursor))["learned"]
        pages += page["edges"]
        assert len(page["edges"]) <= 3
        if not page["pageInfo"]["hasNextPage"]:
            break
        cursor = page["pageInfo"]["endCursor"]
    assert pages == whole
    assert (await ask(services, LEARNED, **window, first=0))["learned"]["pageInfo"] == {
        "hasNextPage": True,
        "endCursor": None,
    }
    # With a window of valid time, recordings left out are passed over, not returned. A
    # change holds until the fact's next valid date known when it was recorded: March's first
    # table (r2, before June's was known) held for the second half of 2019 too; its
    # corrections (r4, r8) do not.
    h2 = {**window, "validFrom": "2019-07-01", "validTo": "2019-12-31", "first": 2}
    m, kept = ledger.moments, []
    cursor = None
    while True:
        page = (await ask(services, LEARNED, **h2, cursor=cursor))["learned"]
        kept.append(recorded(page["edges"]))
        if not page["pageInfo"]["hasNextPage"]:
            break
        cursor = page["pageInfo"]["endCursor"]
    assert kept == [[m["r1"], m["r2"]], [m["r3"], m["r6"]], [m["r7"]]]
    assert await refusal(services, LEARNED, **window, cursor="nonsense") == "BAD_USER_INPUT"


async def test_the_event_filter_takes_the_same_window(services: Services, ledger: Ledger) -> None:
    m = ledger.moments
    window = {"recordedAfter": ledger.at("r3"), "recordedUntil": ledger.at("r7")}
    edges = (await ask(services, EVENTS, filter=window))["events"]["edges"]
    assert sorted({datetime.fromisoformat(e["node"]["recordedAt"]) for e in edges}) == [
        m["r4"],
        m["r5"],
        m["r6"],
        m["r7"],
    ]
    assert len(edges) == 6
    # learned narrows its window to the filter's.
    narrowed = await learned(
        services, after=ledger.at("r0"), filter={"recordedAfter": ledger.at("r5")}
    )
    assert recorded(narrowed) == [m["r6"], m["r7"], m["r8"]]
    naive = {"recordedUntil": "2020-01-01T00:00:00"}
    assert await refusal(services, EVENTS, filter=naive) == "BAD_USER_INPUT"


def test_a_subscription_filter_matches_the_same_window() -> None:
    start = datetime.fromisoformat("2020-01-01T00:00:00+00:00")
    window = Filter.of(recorded_after=start, recorded_until=start + timedelta(seconds=1))

    def at(offset: float) -> Logged:
        moment = start + timedelta(seconds=offset)
        view = EventView(1, "Renamed", uuid4(), "OrgUnit", 2, None, moment, "a", None, None)
        return Logged(view, frozenset())

    assert [window.matches(at(s)) for s in (0, 0.5, 1, 1.5)] == [False, True, True, False]
