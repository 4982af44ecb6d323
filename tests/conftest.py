"""Shared fixtures: one real PostgreSQL for the session (embedded, or GOVLEDGER_TEST_DATABASE_URL),
a fresh database per test, the ledger's runtime on it, and a live server over that runtime
(tests/support/live.py) for the end-to-end and fault tests."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from api.runtime import Runtime
from domain import commands as c
from domain.provenance import Provenance
from ledger.database import Database, ensure_database, start_embedded
from ledger.settings import PgConfig
from tests.support.live import Live, serving

warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgConfig]:
    url = os.environ.get("GOVLEDGER_TEST_DATABASE_URL")
    if url:
        yield PgConfig.from_url(url)
        return
    database = start_embedded(Path(tmp_path_factory.mktemp("pg")))
    without_durability(database.config)
    yield database.config


NOT_DURABLE = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
"""The test server's settings: each test creates and drops a database of its own, and each
commit waited on the disk's flush (three integration files: 47.4 s with, 43.2 s without). A
test server that would lose its last commits in a power cut loses nothing a test needs; the
tests that kill a govledger process or PostgreSQL's client still find every commit, which the
operating system holds."""


def without_durability(config: PgConfig) -> None:
    with psycopg.connect(**config.psycopg_kwargs(), autocommit=True) as conn:
        for name, value in NOT_DURABLE.items():
            conn.execute(
                sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(name), sql.Literal(value))
            )
        conn.execute("SELECT pg_reload_conf()")


@contextmanager
def fresh_database(server: PgConfig) -> Iterator[Database]:
    """A database of its own on the server, dropped afterwards."""
    config = server.with_dbname(f"t_{uuid.uuid4().hex[:12]}")
    ensure_database(config)
    yield Database(config)
    with psycopg.connect(
        **server.with_dbname("postgres").psycopg_kwargs(), autocommit=True
    ) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(config.dbname))
        )


@pytest.fixture
def database(server: PgConfig) -> Iterator[Database]:
    with fresh_database(server) as database:
        yield database


@pytest.fixture
def runtime(database: Database) -> Iterator[Runtime]:
    runtime = Runtime(database=database)
    yield runtime
    runtime.close()


@pytest.fixture
def live(runtime: Runtime) -> Iterator[Live]:
    with serving(runtime) as server:
        yield server


@pytest.fixture
def editor(live: Live) -> str:
    return live.token("editor-kim", "editor")


EDITOR = Provenance("tester", "test", "test.txt")
ROOT_DAY = date(2019, 1, 1)


def register(
    runtime: Runtime, name: str, parent: uuid.UUID | None = None, valid_from: date = ROOT_DAY
) -> uuid.UUID:
    outcome = runtime.ledger.execute(c.RegisterOrgUnit(name, parent, valid_from), EDITOR)
    return outcome.subject_id


def staffing_rows(current: int, authorized: int | None = None) -> tuple[c.StaffingRowInput, ...]:
    return (c.StaffingRowInput("일반직", "5급", authorized, current),)


def run_cli(
    *args: str, env: dict[str, str | None], check: bool = False, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """`govledger ARGS` in a process of its own, as a user runs it, with these environment
    variables set (None unsets one)."""
    environment = {**os.environ, **{k: v for k, v in env.items() if v is not None}}
    for name in (k for k, v in env.items() if v is None):
        environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        cwd=Path(__file__).resolve().parents[1],
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
    )
