"""A fuzzer that reaches the resolvers: valid-looking mutation and query inputs (real ids of
existing units, lines, tasks and indicators; real dates; valid shapes) carrying hostile strings,
extreme ints, odd dates, datetimes and cursors, sent over HTTP to a live server. No answer may
be a 5xx or carry INTERNAL_SERVER_ERROR, and afterwards the projector is at the head of the log.

It prints how many cases reached a resolver: the answer has data, or an error raised while
executing (one with a path) rather than a validation or coercion error."""

from __future__ import annotations

import base64
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.graphql.cursors import encode
from tests.support.live import Live

CASES = 2200
DAY = "2020-01-31"

HOSTILE = [
    "\x00",
    "a\x00b",
    "\x01\x02\x1b\x7f",
    "\x85\x9f",
    "\ud800",
    "x\udfffy",
    "\ufffe",
    "\U0010ffff",
    "  ",
    "",
    "'; DROP TABLE rm_facts; --",
    "$1 \\x00 %s {0}",
    "가" * 201,
    "a" * 2001,
    "d" * 20_001,
    "\x00" * 1000,
    "y" * 300_000,
]
REFUSED = ["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x1f", "\x7f", "\x85", "\ufffe", "\ufdd0"]
SPIKED = st.builds(
    "".join,
    st.tuples(
        st.sampled_from(["", "기획", "a", "2020", "일반직"]),
        st.sampled_from(REFUSED),
        st.sampled_from(["", "담당관", "b", " "]),
    ),
)
HOSTILE_TEXT = st.one_of(
    st.sampled_from(HOSTILE),
    SPIKED,
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8"), max_size=12),
    st.text(st.characters(min_codepoint=0, max_codepoint=0x20), max_size=6),
)
ODD_BUT_VALID = [
    "기획담당관",
    "기 획 담 당 관",
    "\u202e역방향\u202c",
    "\u200f시장\u200f",
    "e\u0301\u0301\u0301",
    "😀 이모지",
    "\ue000사용자영역",
    "a\tb\nc\r\n",
    "줄\u2028바꿈",
    "가" * 200,
    "x" * 100,
]
TEXT = st.one_of(
    st.sampled_from(ODD_BUT_VALID),
    st.text(st.characters(exclude_categories=("Cc", "Cs", "Cn")), min_size=1, max_size=30),
)
"""Text the ledger accepts, odd as it may look: these cases are recorded and projected."""
INT = st.one_of(
    st.sampled_from([0, 1, -1, 1_000_000, 1_000_001, 2**31 - 1, -(2**31), 2**31, 2**53]),
    st.integers(min_value=-5, max_value=3000),
)
WON = st.one_of(
    st.sampled_from([0, 1, -1, 10**15, 10**15 + 1, 2**53 - 1, 2**53, 2**63]),
    st.integers(min_value=0, max_value=10**12),
)
ODD_DATES = ["9999-12-31", "0001-01-01", "1899-12-31", "2200-12-31", "2020-02-30", "2020-1-1"]
ODD_DATE = st.one_of(
    st.dates().map(date.isoformat), st.sampled_from([*ODD_DATES, "", "today", "2020-01-31T00:00"])
)
DATES = st.one_of(
    st.sampled_from([DAY, "2019-01-01", "2020-06-30", "2021-12-31"]),
    st.dates(date(2019, 1, 1), date(2022, 12, 31)).map(date.isoformat),
)
OFFSETS = ["+14:00", "-14:00", "+09:00", "Z", "+00:00", ""]
DATETIME = st.one_of(
    st.builds(
        lambda d, offset: f"{d.isoformat(timespec='seconds')}{offset}",
        st.datetimes(),
        st.sampled_from(OFFSETS),
    ),
    st.sampled_from(
        ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2026-01-01T00:00:00+09:00"]
    ),
)
CURSOR = st.one_of(
    st.integers(min_value=0, max_value=2**80).map(encode),
    st.sampled_from([encode(2**63 - 1), encode(2**63), encode(2**70)]),
    st.text(max_size=20).map(lambda t: base64.urlsafe_b64encode(f"v1:{t}".encode()).decode()),
    HOSTILE_TEXT,
)
DATE_KEYS = {"validFrom", "referenceDate", "statusSince", "asOf", "from", "to"}
ID_KEYS = {"id", "orgUnitId", "parentId", "lineId", "taskId", "indicatorId", "subjectId"}
ID_KEYS |= {"subjectIds", "orgUnitIds"}
TYPES = st.sampled_from(["OrgUnitRegistered", "StaffingRecorded", "TaskRecorded"])


@dataclass
class Ids:
    units: list[str]
    lines: list[str]
    tasks: list[str]
    indicators: list[str]

    @property
    def every(self) -> list[str]:
        return [*self.units, *self.lines, *self.tasks, *self.indicators]


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def hostile(key: str, value: Any, ids: Ids) -> st.SearchStrategy[Any]:
    """A value of the field's GraphQL type (mostly) that a client should not send."""
    if key in DATE_KEYS:
        return ODD_DATE
    if key == "k":
        return DATETIME
    if key == "after":
        return CURSOR
    if key in ID_KEYS:
        return st.one_of(st.sampled_from(ids.every), st.uuids().map(str), HOSTILE_TEXT)
    if key in ("budgeted", "executed"):
        return WON
    if isinstance(value, bool):
        return st.none()
    if isinstance(value, int):
        return INT
    return HOSTILE_TEXT


def leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in leaves(item, (*path, key))]
    if isinstance(value, list) and value:
        return [p for index, item in enumerate(value) for p in leaves(item, (*path, index))]
    return [path]


def replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, *rest = path
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[head] = replaced(value[head], tuple(rest), new)
    return copy


def spoil(valid: dict[str, Any], ids: Ids) -> st.SearchStrategy[dict[str, Any]]:
    """The valid input with one field made hostile."""

    def at(path: tuple[Any, ...]) -> st.SearchStrategy[dict[str, Any]]:
        key = next((k for k in reversed(path) if isinstance(k, str)), "")
        value: Any = valid
        for step in path:
            value = value[step]
        return hostile(key, value, ids).map(lambda bad: replaced(valid, path, bad))

    return st.sampled_from(leaves(valid)).flatmap(at)


def cases(valid: st.SearchStrategy[dict[str, Any]], ids: Ids) -> st.SearchStrategy[Any]:
    """A third valid (odd but acceptable text), two thirds with one hostile field."""
    spoiled = valid.flatmap(lambda v: spoil(v, ids))
    return st.one_of(valid, spoiled, spoiled)


KEY = st.one_of(st.uuids().map(str), st.uuids().map(str), TEXT)
"""Mostly fresh keys (recorded), some reused with other input (CONFLICT) or replayed."""


def provenance() -> dict[str, st.SearchStrategy[Any]]:
    return {"reason": maybe(TEXT), "source": maybe(TEXT), "idempotencyKey": maybe(KEY)}


def row(grade: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"jobCategory": st.just("일반직"), "grade": st.just(grade), "current": COUNT},
        optional={"authorized": COUNT, "seriesKey": TEXT, "resolution": TEXT},
    )


COUNT = st.integers(min_value=0, max_value=300)
ROWS = st.lists(st.sampled_from(["5급", "6급", "7급", "8급"]), min_size=1, max_size=3, unique=True)


def mutation_inputs(ids: Ids) -> dict[str, st.SearchStrategy[dict[str, Any]]]:
    unit, kind = st.sampled_from(ids.units), st.sampled_from(["ACTUAL", "TARGET"])
    return {
        "registerOrgUnit": st.fixed_dictionaries(
            {"name": TEXT, "validFrom": DATES, "parentId": maybe(unit), **provenance()}
        ),
        "renameOrgUnit": st.fixed_dictionaries(
            {"orgUnitId": unit, "name": TEXT, "validFrom": DATES, **provenance()},
            optional={"expectedVersion": COUNT},
        ),
        "moveOrgUnit": st.fixed_dictionaries(
            {"orgUnitId": unit, "parentId": maybe(unit), "validFrom": DATES, **provenance()}
        ),
        "closeOrgUnit": st.fixed_dictionaries(
            {"orgUnitId": unit, "validFrom": DATES, **provenance()}
        ),
        "recordStaffing": st.fixed_dictionaries(
            {
                "orgUnitId": unit,
                "referenceDate": DATES,
                "rows": ROWS.flatmap(lambda grades: st.tuples(*map(row, grades)).map(list)),
                **provenance(),
            },
            optional={"note": TEXT, "women": st.just(0)},
        ),
        "recordBudgetLine": st.fixed_dictionaries(
            {
                "orgUnitId": unit,
                "fiscalYear": st.sampled_from([2019, 2020, 2021]),
                "item": TEXT,
                "referenceDate": DATES,
                "budgeted": st.integers(0, 10**12),
                **provenance(),
            },
            optional={
                "account": st.sampled_from(["일반회계", "기금"]),
                "executed": st.integers(0, 10**9),
                "projects": COUNT,
                "note": TEXT,
            },
        ),
        "recordTask": st.fixed_dictionaries(
            {
                "orgUnitId": unit,
                "kind": st.sampled_from(["MAJOR_TASK", "AUDIT_FOLLOW_UP"]),
                "title": TEXT,
                "validFrom": DATES,
                **provenance(),
            },
            optional={
                "taskId": st.sampled_from(ids.tasks),
                "description": TEXT,
                "status": st.sampled_from(["PLANNED", "COMPLETED"]),
                "category": TEXT,
                "number": st.integers(1, 30),
                "responsible": TEXT,
                "listed": st.booleans(),
                "milestones": st.lists(
                    st.fixed_dictionaries({"when": TEXT, "what": TEXT}), max_size=2
                ),
            },
        ),
        "retractFact": st.fixed_dictionaries(
            {
                "fact": st.sampled_from(["STAFFING", "BUDGET", "TASK"]),
                "subjectId": st.sampled_from([*ids.units, *ids.lines, *ids.tasks]),
                "referenceDate": DATES,
                "reason": TEXT,
                "source": maybe(TEXT),
                "idempotencyKey": maybe(KEY),
            }
        ),
        "recordIndicatorValue": st.fixed_dictionaries(
            {
                "orgUnitId": unit,
                "name": st.one_of(st.just("유연근무"), TEXT),
                "measure": st.just("명"),
                "period": st.sampled_from(["2020", "2013-09", "2012-12-31"]),
                "kind": kind,
                "value": COUNT,
                "referenceDate": DATES,
                **provenance(),
            },
            optional={"group": TEXT, "printed": TEXT},
        ),
        "retractIndicatorValue": st.fixed_dictionaries(
            {
                "indicatorId": st.sampled_from(ids.indicators),
                "period": st.just("2020"),
                "kind": kind,
                "referenceDate": DATES,
                "reason": TEXT,
                "source": maybe(TEXT),
                "idempotencyKey": maybe(KEY),
            }
        ),
    }


UNIT_FIELDS = """id name version staffing { current authorized women rows { seriesKey current }
  byCategory { current } } budget(fiscalYear: $fy) { budgeted executed remaining projects }
  tasks { title number } indicators(includeDescendants: true) { name points { value } }
  history(after: $after, first: $first) { edges { cursor } pageInfo { endCursor } }
  changes(from: $from, to: $to, knownAt: $k) { kind field }"""
QUERIES = {
    "orgUnit": f"""query($id: ID!, $asOf: Date, $k: DateTime, $fy: Int!, $after: String,
  $first: Int, $from: Date!, $to: Date!) {{
  orgUnit(id: $id, asOf: $asOf, knownAt: $k) {{ {UNIT_FIELDS} }} }}""",
    "orgUnits": """query($asOf: Date, $k: DateTime) {
  orgUnits(asOf: $asOf, knownAt: $k) { id name staffing { current } } }""",
    "events": """query($after: String, $first: Int, $filter: EventFilter) {
  events(after: $after, first: $first, filter: $filter) {
    edges { cursor node { type actor reason source data } } pageInfo { endCursor } } }""",
    "indicator": """query($id: ID!, $asOf: Date, $k: DateTime) {
  indicator(id: $id, asOf: $asOf, knownAt: $k) { name points { value printed } } }""",
}
MOMENTS = st.sampled_from(["2026-01-01T00:00:00+09:00", "2020-01-01T00:00:00Z"])


def query_variables(ids: Ids) -> dict[str, st.SearchStrategy[dict[str, Any]]]:
    when = {"asOf": maybe(DATES), "k": maybe(MOMENTS)}
    page = {"after": maybe(st.integers(0, 50).map(encode)), "first": maybe(st.integers(0, 500))}
    listed = maybe(st.lists(st.sampled_from([*ids.units, *ids.tasks]), min_size=1, max_size=3))
    filters = st.fixed_dictionaries(
        {},
        optional={
            "types": st.lists(TYPES, min_size=1, max_size=3),
            "subjectIds": listed,
            "orgUnitIds": listed,
        },
    )
    unit = st.sampled_from(ids.units)
    return {
        "orgUnit": st.fixed_dictionaries(
            {"id": unit, **when, **page, "fy": st.just(2020), "from": DATES, "to": DATES}
        ),
        "orgUnits": st.fixed_dictionaries(when),
        "events": st.fixed_dictionaries({**page, "filter": maybe(filters)}),
        "indicator": st.fixed_dictionaries({"id": st.sampled_from(ids.indicators), **when}),
    }


def mutation_document(name: str) -> str:
    kind = name[0].upper() + name[1:] + "Input"
    return f"mutation($input: {kind}!) {{ {name}(input: $input) {{ version events {{ type }} }} }}"


@dataclass
class Tally:
    cases: int = 0
    reached: int = 0
    answered: int = 0
    """Cases answered with data and no error: writes recorded, reads answered."""
    codes: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    slowest: float = 0.0

    def note(self, status: int, body: dict[str, Any] | None, seconds: float) -> None:
        self.cases += 1
        self.statuses[status] += 1
        self.slowest = max(self.slowest, seconds)
        errors = (body or {}).get("errors") or []
        for error in errors:
            self.codes[(error.get("extensions") or {}).get("code", "NONE")] += 1
        data = (body or {}).get("data")
        executed = any("path" in error for error in errors)
        answered = bool(data and any(v is not None for v in data.values()))
        self.reached += executed or answered
        self.answered += answered and not errors


def post(client: httpx.Client, query: str, variables: dict[str, Any], token: str | None) -> Any:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    # ensure_ascii: lone surrogates travel as JSON escapes, as a JavaScript client sends them
    content = json.dumps({"query": query, "variables": variables}, ensure_ascii=True)
    return client.post("/graphql", content=content, headers=headers)


def seed(live: Live, token: str) -> Ids:
    """A small tree with a figure of each kind, whose ids the strategies draw from."""

    def run(name: str, input: dict[str, Any], pick: Callable[[dict[str, Any]], str]) -> str:
        kind = name[0].upper() + name[1:] + "Input"
        selection = {
            "registerOrgUnit": "orgUnit { id }",
            "recordBudgetLine": "budgetLine { id }",
            "recordTask": "task { id }",
            "recordIndicatorValue": "indicator { id }",
        }[name]
        query = f"mutation($input: {kind}!) {{ {name}(input: $input) {{ {selection} }} }}"
        return pick(live.data(query, {"input": input}, token)[name])

    root = run(
        "registerOrgUnit",
        {"name": "서울특별시", "validFrom": "2019-01-01"},
        lambda d: d["orgUnit"]["id"],
    )
    child = run(
        "registerOrgUnit",
        {"name": "감사위원회", "parentId": root, "validFrom": "2019-01-01"},
        lambda d: d["orgUnit"]["id"],
    )
    line = run(
        "recordBudgetLine",
        {
            "orgUnitId": child,
            "fiscalYear": 2020,
            "item": "업무추진비",
            "referenceDate": DAY,
            "budgeted": 1000,
        },
        lambda d: d["budgetLine"]["id"],
    )
    task = run(
        "recordTask",
        {"orgUnitId": child, "kind": "MAJOR_TASK", "title": "과제", "validFrom": DAY},
        lambda d: d["task"]["id"],
    )
    indicator = run(
        "recordIndicatorValue",
        {
            "orgUnitId": child,
            "name": "유연근무",
            "measure": "명",
            "period": "2020",
            "kind": "ACTUAL",
            "value": 3,
            "referenceDate": DAY,
        },
        lambda d: d["indicator"]["id"],
    )
    return Ids([root, child], [line], [task], [indicator])


def test_fuzzed_inputs_reach_the_resolvers_without_an_internal_error(
    live: Live, editor: str
) -> None:
    ids = seed(live, editor)
    mutations, queries = mutation_inputs(ids), query_variables(ids)
    every = st.one_of(
        st.sampled_from(sorted(mutations)).flatmap(
            lambda n: st.tuples(
                st.just(mutation_document(n)), cases(mutations[n], ids), st.just(editor)
            )
        ),
        st.sampled_from(sorted(queries)).flatmap(
            lambda n: st.tuples(st.just(QUERIES[n]), cases(queries[n], ids), st.none())
        ),
    )
    tally = Tally()
    started = time.monotonic()
    with httpx.Client(base_url=live.url, timeout=30) as client:

        @settings(
            max_examples=CASES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(every)
        def one(case: tuple[str, dict[str, Any], str | None]) -> None:
            query, variables, token = case
            sent = time.monotonic()
            response = post(client, query, {"input": variables} if token else variables, token)
            body = response.json() if response.content else None
            tally.note(response.status_code, body, time.monotonic() - sent)
            assert response.status_code < 500, (response.status_code, response.text[:500])
            codes = [
                (e.get("extensions") or {}).get("code") for e in (body or {}).get("errors") or []
            ]
            assert "INTERNAL_SERVER_ERROR" not in codes, (variables, body)
            assert "SERVICE_UNAVAILABLE" not in codes, (variables, body)

        one()
    elapsed = time.monotonic() - started
    print(
        f"\nfuzz: {tally.cases} cases in {elapsed:.1f} s, {tally.reached} reached a resolver "
        f"({tally.answered} answered without error); "
        f"slowest {tally.slowest:.2f} s; statuses {dict(tally.statuses)}; codes {dict(tally.codes)}"
    )
    assert tally.cases >= 2000
    assert tally.reached >= tally.cases // 4
    assert_projector_at_head(live)


def assert_projector_at_head(live: Live) -> None:
    """Reads work and the last recorded event is visible through them."""
    live.caught_up(timeout=30)
    last = live.runtime.ledger.recorder.max_notification_id()
    assert last is not None
    page = live.data(
        "query($c: String) { events(after: $c, first: 5) { edges { cursor node { type } } } }",
        {"c": encode(last - 1)},
    )
    assert [edge["cursor"] for edge in page["events"]["edges"]] == [encode(last)]
    assert live.data('{ orgUnits(asOf: "2020-12-31") { name staffing { current } } }')["orgUnits"]
