"""The read path's promises (shared/READ-PATH.md) on a real PostgreSQL: the projector publishes
a safe time S with its rows; a read settles its knownAt against S without a query, or waits for
the projector for a moment just past; past answers never change; a mutation's answer means
everyone's next read sees it; a revoked token is refused by every process at once; and the
statements a read of the tree costs do not grow with the tree."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import asyncpg
import pytest
from strawberry.types import ExecutionResult

from api.auth import Principal, TokenCache
from api.errors import BadInput, Unauthenticated
from api.graphql.context import Context, Services
from api.graphql.schema import schema
from api.runtime import READ_SETTINGS, Runtime, _init_connection, _keep_session
from api.token_store import create_token, revoke_tokens
from domain import commands as c
from domain.task import TaskKind, TaskStatus
from ledger.settings import PgConfig
from projections.schema import PROJECTION_NAME
from tests.conftest import EDITOR, fresh_database, register, staffing_rows
from tests.support.waiting import wait_until_async

Json = dict[str, Any]
MICROSECOND = timedelta(microseconds=1)
SEOUL = timezone(timedelta(hours=9))
REFERENCE = date(2020, 1, 31)
WRITER = Principal("editor-kim", "editor")
READ = """query($id: ID!, $asOf: Date, $knownAt: DateTime) {
  orgUnit(id: $id, asOf: $asOf, knownAt: $knownAt) { name knownAt staffing { current } } }"""
RECORD_STAFFING = """mutation($input: RecordStaffingInput!) {
  recordStaffing(input: $input) { staffing { current } events { recordedAt } } }"""


def stored_safe_time(runtime: Runtime) -> datetime | None:
    """S as the projector wrote it in rm_meta."""
    with runtime.connect() as conn:
        row = conn.execute(
            "SELECT safe_time FROM rm_meta WHERE name = %s", (PROJECTION_NAME,)
        ).fetchone()
    assert row is not None
    value: datetime | None = row[0]
    return value


def record_staffing(runtime: Runtime, unit: UUID, current: int) -> datetime:
    """Record a figure through the ledger; the moment the log stamped it."""
    command = c.RecordStaffing(unit, REFERENCE, staffing_rows(current))
    outcome = runtime.ledger.execute(command, EDITOR)
    stamps = runtime.ledger.ledger_recorder.recorded_at(outcome.notification_ids)
    return max(stamps.values())


async def execute(
    services: Services, query: str, principal: Principal | None = None, **variables: Any
) -> ExecutionResult:
    context = Context(services, principal)
    return await schema.execute(query, variable_values=variables, context_value=context)


async def read(services: Services, unit: UUID, known_at: datetime | None = None) -> Json:
    moment = None if known_at is None else known_at.isoformat()
    result = await execute(services, READ, id=str(unit), asOf="2020-03-31", knownAt=moment)
    assert not result.errors, result.errors
    assert result.data is not None
    found: Json = result.data["orgUnit"]
    return found


@pytest.fixture
async def services(runtime: Runtime) -> AsyncIterator[Services]:
    """A ledger of one unit, projected, and this process's services over it."""
    register(runtime, "서울특별시")
    runtime.catch_up()
    yield await runtime.open_services()
    await runtime.close_services()


# -- the safe time --------------------------------------------------------------------------


async def test_the_safe_time_is_published_with_the_rows_and_reaches_the_readers(
    runtime: Runtime,
) -> None:
    unit = register(runtime, "서울특별시")
    runtime.catch_up()
    first = stored_safe_time(runtime)
    assert first is not None
    services = await runtime.open_services()
    try:
        assert services.freshness.safe_time == first
        recorded = record_staffing(runtime, unit, 5)
        assert recorded > first, "a write committed after S is stamped after S"
        assert stored_safe_time(runtime) == first, "S never passes an event not applied"
        runtime.catch_up()
        second = stored_safe_time(runtime)
        assert second is not None and second >= recorded
        assert await services.freshness.wait_for_time(second, timeout=5)
        assert services.freshness.safe_time == second
        assert services.freshness.position == runtime.ledger.recorder.max_notification_id()
        found = await read(services, unit)
        assert found["staffing"] == {"current": 5}
        assert datetime.fromisoformat(found["knownAt"]) == second
    finally:
        await runtime.close_services()


# -- settling knownAt -----------------------------------------------------------------------


async def test_a_known_at_at_or_before_the_safe_time_answers_for_itself(
    services: Services,
) -> None:
    safe = services.freshness.safe_time
    assert safe is not None
    for asked in (safe, safe - MICROSECOND, (safe - timedelta(days=400)).astimezone(SEOUL)):
        context = Context(services)
        assert await context.known_at(asked) == asked
        assert not context.depends_on_now
        assert context.cacheable


async def test_without_a_known_at_a_read_answers_for_the_safe_time(services: Services) -> None:
    context = Context(services)
    assert await context.known_at(None) == services.freshness.safe_time
    assert context.depends_on_now and context.cacheable


async def test_a_known_at_in_the_future_answers_for_the_safe_time_and_says_so(
    services: Services,
) -> None:
    safe = services.freshness.safe_time
    future = datetime.now(UTC) + timedelta(days=365)
    context = Context(services)
    assert await context.known_at(future) == safe
    assert context.depends_on_now
    query = "query($k: DateTime) { orgUnits(knownAt: $k) { knownAt } }"
    result = await execute(services, query, k=future.isoformat())
    assert result.data == {"orgUnits": [{"knownAt": safe.isoformat() if safe else None}]}


async def test_a_known_at_without_a_utc_offset_is_refused(services: Services) -> None:
    with pytest.raises(BadInput):
        await Context(services).known_at(datetime(2020, 1, 1))


async def test_a_known_at_just_past_waits_for_the_projector_and_answers_for_itself(
    runtime: Runtime, services: Services
) -> None:
    caught_up = services.freshness.safe_time
    assert caught_up is not None
    runtime.start_projector()
    assert await services.freshness.wait_for_time(caught_up + MICROSECOND, timeout=10)
    context = Context(services)
    asked = datetime.now(UTC)
    assert context.safe_time is not None and context.safe_time < asked
    assert await context.known_at(asked) == asked
    safe = services.freshness.safe_time
    assert safe is not None and safe >= asked
    assert context.cacheable and not context.depends_on_now


# -- promise 1: past answers never change ---------------------------------------------------


async def test_an_answer_for_a_past_known_at_does_not_change_as_writers_go_on(
    runtime: Runtime,
) -> None:
    unit = register(runtime, "시장비서실")
    record_staffing(runtime, unit, 10)
    runtime.catch_up()
    services = await runtime.open_services()
    try:
        past = services.freshness.safe_time
        assert past is not None
        before = await read(services, unit, past)
        assert before == {
            "name": "시장비서실",
            "knownAt": past.isoformat(),
            "staffing": {"current": 10},
        }
        record_staffing(runtime, unit, 20)
        runtime.ledger.execute(c.RenameOrgUnit(unit, "비서실", date(2020, 1, 1)), EDITOR)
        runtime.catch_up()
        assert await services.freshness.wait_for_time(stored_safe_time(runtime) or past, 5)
        assert await read(services, unit, past) == before
        assert await read(services, unit, past.astimezone(SEOUL)) == {
            **before,
            "knownAt": past.astimezone(SEOUL).isoformat(),
        }
        now = await read(services, unit)
        assert now["name"] == "비서실" and now["staffing"] == {"current": 20}
    finally:
        await runtime.close_services()


# -- promise 2: read your writes ------------------------------------------------------------


async def test_once_a_mutation_answers_a_read_without_known_at_sees_it(runtime: Runtime) -> None:
    """Through the schema, the projector running: each figure a mutation answered is the one
    the next read shows (a new request, no token), and the reads' knownAt never goes back."""
    unit = register(runtime, "시장비서실")
    runtime.catch_up()
    runtime.start_projector()
    services = await runtime.open_services()
    try:
        moments: list[datetime] = []
        for current in (3, 5, 8, 13, 21):
            rows = [{"jobCategory": "일반직", "grade": "5급", "current": current}]
            payload = {"orgUnitId": str(unit), "referenceDate": "2020-01-31", "rows": rows}
            done = await execute(services, RECORD_STAFFING, WRITER, input=payload)
            assert not done.errors, done.errors
            assert done.data is not None
            event = done.data["recordStaffing"]["events"][0]
            recorded = datetime.fromisoformat(event["recordedAt"])
            found = await read(services, unit)
            assert found["staffing"] == {"current": current}
            moment = datetime.fromisoformat(found["knownAt"])
            assert moment >= recorded
            moments.append(moment)
        assert moments == sorted(moments)
    finally:
        await runtime.close_services()


# -- tokens ---------------------------------------------------------------------------------


async def test_a_revoked_token_is_refused_at_once_by_another_process(runtime: Runtime) -> None:
    """Two processes' services on one database: the second has checked the token (and keeps
    it); once the first revokes it, the second refuses it, told by NOTIFY."""
    runtime.catch_up()
    other = Runtime(database=runtime.database)
    first = await runtime.open_services()
    second = await other.open_services()
    try:
        async with first.pool.acquire() as conn:
            token = await create_token(conn, "kim", "editor")
            kept = await create_token(conn, "lee", "editor")
        header, kept_header = f"Bearer {token}", f"Bearer {kept}"
        assert await second.tokens.authenticate(header) == Principal("kim", "editor")
        assert await second.tokens.authenticate(kept_header) == Principal("lee", "editor")
        await assert_answers_from_its_cache(second.tokens, first.pool, kept_header, "lee")

        async with first.pool.acquire() as conn:
            assert await revoke_tokens(conn, "kim") == 1

        async def refused() -> bool:
            try:
                await second.tokens.authenticate(header)
            except Unauthenticated:
                return True
            return False

        started = time.monotonic()
        await wait_until_async(
            refused, "the second process to refuse the revoked token", timeout=5, interval=0.01
        )
        assert time.monotonic() - started < 2
        with pytest.raises(Unauthenticated):
            await first.tokens.authenticate(header)
    finally:
        await other.close_services()
        other.close()
        await runtime.close_services()


async def assert_answers_from_its_cache(
    tokens: TokenCache, pool: asyncpg.Pool, header: str, name: str
) -> None:
    """The token cache answers without the database: a token revoked behind its back (no
    NOTIFY) is still taken; so a refusal afterwards can only come from the notification."""
    async with pool.acquire() as conn:
        await conn.execute("UPDATE api_tokens SET revoked_at = now() WHERE name = $1", name)
    assert await tokens.authenticate(header) == Principal(name, "editor")


async def test_two_processes_opening_their_services_at_once_both_start(
    server: PgConfig,
) -> None:
    """As `serve --workers N` starts its workers together (or two API containers start on one
    new database): each opens its services; neither may fail for the other's. Three tries, each
    on a database where no token was ever made."""
    for _ in range(3):
        with fresh_database(server) as database:
            first, second = Runtime(database=database), Runtime(database=database)
            first.catch_up()
            try:
                opened = await asyncio.gather(
                    first.open_services(), second.open_services(), return_exceptions=True
                )
                failures = [repr(o) for o in opened if isinstance(o, BaseException)]
                assert failures == []
            finally:
                for runtime in (first, second):
                    await runtime.close_services()
                    runtime.close()


# -- statements per read --------------------------------------------------------------------

TREE = """{ orgUnits(asOf: "2020-03-31") {
  name children { name } staffing { current } tasks { title } budget(fiscalYear: 2020) { budgeted }
} }"""


def grow_tree(runtime: Runtime, units: list[UUID], size: int) -> None:
    """Add units (each under the unit five places before it) until there are size, each with
    a staffing table, a budget line and a task."""
    while len(units) < size:
        parent = units[max(0, len(units) - 5)] if units else None
        unit = register(runtime, f"과{len(units):02d}", parent)
        units.append(unit)
        record_staffing(runtime, unit, len(units))
        line = c.RecordBudgetLine(None, unit, 2020, "일반회계", "업무추진비", REFERENCE, 1000, 10)
        runtime.ledger.execute(line, EDITOR)
        task = c.RecordTask(
            None, unit, TaskKind.MAJOR_TASK, f"과제 {len(units)}", TaskStatus.PLANNED, REFERENCE
        )
        runtime.ledger.execute(task, EDITOR)
    runtime.catch_up()


async def statements(services: Services, statements_run: list[str], query: str) -> list[str]:
    """The statements one read issues, once warmed up (asyncpg introspects the types of a
    statement on the first use of each connection)."""
    for _ in range(2):
        statements_run.clear()
        result = await schema.execute(query, context_value=Context(services))
        assert not result.errors, result.errors
        # asyncpg schedules its query loggers with call_soon: one turn of the loop runs them
        await asyncio.sleep(0)
    return list(statements_run)


async def test_a_read_of_the_tree_costs_the_same_statements_for_3_units_as_for_30(
    runtime: Runtime,
) -> None:
    units: list[UUID] = []
    grow_tree(runtime, units, 3)
    services = await runtime.open_services()
    statements_run: list[str] = []

    async def count(conn: asyncpg.Connection) -> None:
        await _init_connection(conn)
        conn.add_query_logger(lambda record: statements_run.append(record.query))

    pool = await asyncpg.create_pool(  # one connection: warmed up by one read
        **runtime.config.asyncpg_kwargs(),
        min_size=1,
        max_size=1,
        init=count,
        reset=_keep_session,
        server_settings=READ_SETTINGS,
    )
    assert pool is not None
    counted = replace(services, pool=pool)
    try:
        small = await statements(counted, statements_run, TREE)
        grow_tree(runtime, units, 30)
        grown = stored_safe_time(runtime)
        assert grown is not None and await services.freshness.wait_for_time(grown, 5)
        result = await schema.execute(TREE, context_value=Context(counted))
        assert result.data is not None and len(result.data["orgUnits"]) == 30
        assert all(u["staffing"] and u["tasks"] and u["budget"] for u in result.data["orgUnits"])
        large = await statements(counted, statements_run, TREE)
        assert len(small) == len(large), (small, large)
        assert 0 < len(small) <= 8, small
    finally:
        await pool.close()
        await runtime.close_services()
