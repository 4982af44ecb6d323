"""The executor's shorter way for plain leaves (api/executor.py) answers exactly as Strawberry's
own executor does: the same data and the same errors (message, path, locations, code), byte for
byte once encoded, over the Seoul data and over figures no GraphQL Int can hold."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path
from typing import Any, ClassVar
from uuid import UUID

import pytest
from graphql import ExecutionResult, parse, validate
from graphql import execute as graphql_execute
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api.graphql.context import Context, Services
from api.graphql.execution.executor import LedgerExecutionContext
from api.graphql.schema import schema
from api.http.responses import encode
from api.runtime import Runtime
from domain.orgunit import OrgUnit
from ledger.importing.importer import Importer
from ledger.settings import PgConfig
from tests.conftest import EDITOR, fresh_database, register

DATA = Path(__file__).resolve().parents[2] / "data" / "seoul"
Json = dict[str, Any]


class Recording(LedgerExecutionContext):
    """The fast executor, kept for a look at the plans it made."""

    made: ClassVar[list[Recording]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        Recording.made.append(self)

    def read_in_one_loop(self) -> int:
        return sum(1 for _, plan in self._plans.values() if plan)


async def run(
    services: Services, text: str, variables: Json, executor: type[Any]
) -> ExecutionResult:
    """Execute as api/http.py does, with one executor or the other."""
    document = parse(text)
    assert validate(schema._schema, document) == []
    result = graphql_execute(
        schema._schema,
        document,
        context_value=Context(services),
        variable_values=variables,
        executor_class=executor,
        is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
    )
    if optimized_is_awaitable(result):
        result = await result  # type: ignore[misc]
    assert isinstance(result, ExecutionResult)
    return result


async def both(services: Services, text: str, variables: Json) -> tuple[bytes, bytes]:
    """The encoded answers of Strawberry's executor and of the fast one. Errors are put in the
    order of their paths: graphql-core lists them as they happen, which for fields resolved
    concurrently (each on a connection of its own) is the order the database answers in."""
    default = await run(services, text, variables, StrawberryGraphQLCoreExecutionContext)
    fast = await run(services, text, variables, LedgerExecutionContext)
    return encoded(default), encoded(fast)


def encoded(result: ExecutionResult) -> bytes:
    errors = sorted(result.errors or [], key=lambda error: repr(error.path))
    return encode(result.data, errors or None)


@pytest.fixture(scope="module")
def seoul_runtime(server: PgConfig) -> Iterator[Runtime]:
    with fresh_database(server) as database:
        runtime = Runtime(database=database)
        Importer(runtime.ledger).import_folder(DATA)
        runtime.catch_up()
        yield runtime
        runtime.close()


@pytest.fixture(scope="module")
async def seoul(seoul_runtime: Runtime) -> AsyncIterator[Services]:
    yield await seoul_runtime.open_services()
    await seoul_runtime.close_services()


@pytest.fixture(scope="module")
async def units(seoul: Services) -> dict[str, str]:
    """The Seoul units by name."""
    result = await run(
        seoul, '{ orgUnits(asOf: "2020-03-31") { id name } }', {}, LedgerExecutionContext
    )
    assert result.data is not None
    return {unit["name"]: unit["id"] for unit in result.data["orgUnits"]}


STAFFING = """
query($id: ID!, $asOf: Date!, $women: Boolean!, $noGrade: Boolean!) {
  orgUnit(id: $id, asOf: $asOf) {
    __typename id name validFrom asOf knownAt
    own: staffing(includeDescendants: false) {
      __typename referenceDate total: current authorized women sources notes jobCategory
      rows { __typename ...row w: women @include(if: $women) grade @skip(if: $noGrade) }
      heads: rows { current again: current category: jobCategory }
      byCategory { jobCategory authorized current women rows { grade current } }
    }
    whole: staffing {
      referenceDate current authorized women
      rows { seriesKey current authorized women resolutions grade @include(if: $women) }
    }
  }
}
fragment row on StaffingRow { seriesKey jobCategory authorized current resolutions }
"""

TREE = """
query($asOf: Date!) {
  orgUnits(asOf: $asOf) {
    id name validFrom asOf
    parent { id name }
    children { id name validFrom }
    staffing { referenceDate current authorized women rows { grade current } }
  }
}
"""

BUDGET = """
query($id: ID!, $asOf: Date!, $year: Int!) {
  orgUnit(id: $id, asOf: $asOf) {
    name
    budget(fiscalYear: $year) {
      fiscalYear referenceDate budgeted executed remaining executionRate projects account
      byAccount { account budgeted executed remaining executionRate projects }
      lines {
        __typename id fiscalYear account item referenceDate budgeted executed remaining
        executionRate source projects note asPrinted owner { name }
      }
    }
  }
}
"""

TASKS = """
query($asOf: Date!) {
  orgUnits(asOf: $asOf) {
    name
    tasks {
      __typename id kind title description status statusSince category number responsible
      source listed validFrom milestones { when what } owner { name }
    }
    audit: tasks(kind: AUDIT_FOLLOW_UP) { number status kind }
  }
}
"""

EVENTS = """
query($first: Int!, $types: [String!]) {
  events(first: $first, filter: { types: $types }) {
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        type subjectId subjectType subjectVersion validFrom recordedAt actor reason source data
      }
    }
  }
}
"""

INDICATORS = """
query($id: ID!, $asOf: Date!) {
  orgUnit(id: $id, asOf: $asOf) {
    indicators(includeDescendants: true) {
      id name group measure asOf
      points { __typename period kind value referenceDate printed source }
      targets: points(kind: TARGET) { period value }
    }
  }
}
"""

CHANGES = """
query($id: ID!, $from: Date!, $to: Date!) {
  orgUnit(id: $id, asOf: $to) {
    changes(from: $from, to: $to) {
      kind subjectId subjectType ownerId label key field old new
      events { type validFrom source }
    }
  }
}
"""

ERRORS_IN_A_LIST = """
query($asOf: Date!) {
  orgUnits(asOf: $asOf) {
    name
    changes(from: "2020-01-31", to: "2020-03-31", knownAt: "2026-01-01T00:00:00") { kind }
  }
}
"""

ERRORS_BESIDE_DATA = """
query($id: ID!, $asOf: Date!) {
  naive: orgUnit(id: $id, asOf: $asOf, knownAt: "2026-01-01T00:00:00") { name }
  fine: orgUnit(id: $id, asOf: $asOf) { name staffing { current rows { grade current } } }
  cursor: orgUnit(id: $id, asOf: $asOf) { name history(after: "nope") { edges { cursor } } }
  page: orgUnit(id: $id, asOf: $asOf) { name history(first: 9999) { edges { cursor } } }
}
"""

INTROSPECTION = """
{
  __typename
  __type(name: "StaffingRow") { name kind fields { name type { name kind ofType { name } } } }
}
"""


def seoul_cases() -> list[tuple[str, str, Json]]:
    """(name, document, variables); "{root}" and "{office}" stand for unit ids."""
    cases: list[tuple[str, str, Json]] = []
    for women in (True, False):
        for no_grade in (True, False):
            for unit in ("{root}", "{office}"):
                variables = {"id": unit, "asOf": "2020-03-31", "women": women, "noGrade": no_grade}
                name = f"staffing-{unit[1:-1]}-women={women}-noGrade={no_grade}"
                cases.append((name, STAFFING, variables))
    for day in ("2019-12-31", "2020-01-31", "2020-03-31", "2021-06-30"):
        cases.append((f"tree-{day}", TREE, {"asOf": day}))
        cases.append((f"tasks-{day}", TASKS, {"asOf": day}))
        cases.append((f"errors-in-a-list-{day}", ERRORS_IN_A_LIST, {"asOf": day}))
    for unit in ("{root}", "{office}"):
        for year in (2019, 2020, 2021):
            budget = {"id": unit, "asOf": "2020-12-31", "year": year}
            cases.append((f"budget-{unit[1:-1]}-{year}", BUDGET, budget))
        cases.append((f"indicators-{unit[1:-1]}", INDICATORS, {"id": unit, "asOf": "2021-12-31"}))
        changes = {"id": unit, "from": "2020-01-31", "to": "2020-03-31"}
        cases.append((f"changes-{unit[1:-1]}", CHANGES, changes))
        beside = {"id": unit, "asOf": "2020-03-31"}
        cases.append((f"errors-beside-data-{unit[1:-1]}", ERRORS_BESIDE_DATA, beside))
    cases.append(("events", EVENTS, {"first": 200, "types": None}))
    cases.append(("events-staffing", EVENTS, {"first": 20, "types": ["StaffingRecorded"]}))
    nowhere = {"id": "nope", "asOf": "2020-03-31", "women": True, "noGrade": False}
    cases.append(("no-such-unit", STAFFING, nowhere))
    cases.append(("introspection", INTROSPECTION, {}))
    return cases


def with_ids(variables: Json, units: dict[str, str]) -> Json:
    ids = {"{root}": units["서울특별시"], "{office}": units["시장비서실"]}
    return {
        name: ids.get(value, value) if isinstance(value, str) else value
        for name, value in variables.items()
    }


CASES = seoul_cases()


@pytest.mark.parametrize(
    ("text", "variables"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
async def test_the_fast_executor_answers_as_strawberrys_own(
    seoul: Services, units: dict[str, str], text: str, variables: Json
) -> None:
    default, fast = await both(seoul, text, with_ids(variables, units))
    assert fast == default


async def test_the_cases_hold_data_and_errors_and_take_the_fast_way(
    seoul: Services, units: dict[str, str]
) -> None:
    """The comparisons above are not empty: the data has rows, nulls, enums and JSON, a list
    holds errors, and the fast executor did read objects in one loop."""
    staffing = {"id": units["시장비서실"], "asOf": "2020-03-31", "women": True, "noGrade": False}
    Recording.made.clear()
    result = await run(seoul, STAFFING, staffing, Recording)
    assert Recording.made[0].read_in_one_loop() >= 2
    own = result.data["orgUnit"]["own"] if result.data else {}
    assert len(own["rows"]) >= 5 and own["women"] is None
    assert own["rows"][0]["__typename"] == "StaffingRow"
    tasks = await run(seoul, TASKS, {"asOf": "2020-03-31"}, LedgerExecutionContext)
    kinds = {t["kind"] for u in tasks.data["orgUnits"] for t in u["tasks"]} if tasks.data else {}
    assert "AUDIT_FOLLOW_UP" in kinds
    events = await run(seoul, EVENTS, {"first": 5, "types": None}, LedgerExecutionContext)
    assert events.data and isinstance(events.data["events"]["edges"][0]["node"]["data"], dict)
    beside = {"id": units["시장비서실"], "asOf": "2020-03-31"}
    errors = await run(seoul, ERRORS_BESIDE_DATA, beside, LedgerExecutionContext)
    assert errors.errors and len(errors.errors) == 3
    assert errors.data and errors.data["fine"]["staffing"]["rows"]
    assert errors.data["naive"] is None and errors.data["cursor"] is None


# -- figures beyond a GraphQL Int -----------------------------------------------------------

BIG_OWN = """query($id: ID!) { orgUnit(id: $id, asOf: "2020-12-31") {
  name staffing(includeDescendants: false) { authorized current } } }"""
BIG_WITH_OTHERS = """query($id: ID!) { orgUnit(id: $id, asOf: "2020-12-31") {
  name staffing { authorized current byCategory { jobCategory current } } } }"""


def record_past_the_bound(runtime: Runtime, unit_id: UUID, rows: list[dict[str, Any]]) -> None:
    """Record a table the commands refuse (figures past domain.rules.MAX_COUNT), through the
    aggregate's event rather than its checks: a log written before the bound may hold one."""
    unit = runtime.ledger.repository.get(unit_id)
    fields = {"reference_date": date(2020, 1, 31), "women": None, "note": None}
    unit.trigger_event(OrgUnit.StaffingRecorded, rows=rows, **fields, **EDITOR.fields())
    runtime.ledger.save(unit)


def big_row(grade: str, authorized: int | None, current: int) -> dict[str, Any]:
    return {
        "series_key": f"일반직/{grade}",
        "job_category": "일반직",
        "grade": grade,
        "authorized": authorized,
        "current": current,
        "women": None,
    }


@pytest.fixture
async def big(runtime: Runtime) -> AsyncIterator[tuple[Services, UUID, UUID]]:
    """Two units: one whose authorised posts sum beyond 2^31 - 1 (a nullable Int), one whose
    current headcount does (a non-null Int). The commands refuse such counts; a log recorded
    before they did may hold them, and GraphQL's Int does not."""
    posts, heads = register(runtime, "정원이 많은 과"), register(runtime, "현원이 많은 과")
    record_past_the_bound(runtime, posts, [big_row(g, 2_000_000_000, 1) for g in ("5급", "6급")])
    record_past_the_bound(runtime, heads, [big_row(g, None, 2_000_000_000) for g in ("5급", "6급")])
    runtime.catch_up()
    yield await runtime.open_services(), posts, heads
    await runtime.close_services()


@pytest.mark.parametrize("text", [BIG_OWN, BIG_WITH_OTHERS], ids=["own", "rolled"])
async def test_a_non_null_figure_beyond_an_int_fails_alike(
    big: tuple[Services, UUID, UUID], text: str
) -> None:
    """A current headcount no Int holds: both report the error and null the object."""
    services, _, heads = big
    default, fast = await both(services, text, {"id": str(heads)})
    assert b"cannot represent" in default
    assert fast == default


@pytest.mark.parametrize("text", [BIG_OWN, BIG_WITH_OTHERS], ids=["in-one-loop", "one-field"])
async def test_a_nullable_figure_beyond_an_int_is_reported_alike(
    big: tuple[Services, UUID, UUID], text: str
) -> None:
    """Authorised posts summing to 4,000,000,000: Strawberry's executor answers null with an
    error ("Int cannot represent non 32-bit signed integer value"); the fast one must too, not
    a null that claims the source gave no figure."""
    services, posts, _ = big
    default, fast = await both(services, text, {"id": str(posts)})
    assert b"Int cannot represent non 32-bit signed integer value: 4000000000" in default
    assert fast == default
