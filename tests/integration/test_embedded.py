"""The embedded default: a data dir shared by several govledger processes, kept across
restarts, and stopped by the last process to leave."""

from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg

from ledger.database import start_embedded
from ledger.settings import PgConfig
from tests.conftest import run_cli
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]


def govledger(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"GOVLEDGER_DATA_DIR": str(data_dir), "DATABASE_URL": None}
    return run_cli(*args, env=env, check=True, timeout=120)


def count_events(config: PgConfig) -> int:
    with psycopg.connect(**config.psycopg_kwargs()) as conn:
        row = conn.execute("SELECT count(*) FROM ledger_events").fetchone()
        return int(row[0]) if row else 0


def server_running(data_dir: Path) -> bool:
    return (data_dir / "pg" / "postmaster.pid").exists()


def test_a_second_process_shares_the_server_and_leaves_it_running(tmp_path: Path) -> None:
    data_dir = tmp_path / "ledger"
    database = start_embedded(data_dir)
    govledger(data_dir, "import", str(ROOT / "data" / "seoul"))
    recorded = count_events(database.config)
    assert recorded > 100
    assert server_running(data_dir), "the CLI stopped the server under this process"
    again = govledger(data_dir, "import", str(ROOT / "data" / "seoul"))
    assert "0 recorded" in again.stderr
    assert count_events(database.config) == recorded
    token = govledger(data_dir, "token", "create", "--name", "ci", "--role", "editor")
    assert token.stdout.split()[-1].startswith("glt_")


def test_the_last_process_stops_the_server_and_a_restart_keeps_every_event(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "ledger"
    govledger(data_dir, "import", str(ROOT / "data" / "seoul"))
    wait_until(
        lambda: not server_running(data_dir),
        "the server to stop with its last process",
        timeout=10,
        interval=0.1,
    )
    database = start_embedded(data_dir)
    assert count_events(database.config) > 100
