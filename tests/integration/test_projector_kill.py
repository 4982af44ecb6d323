"""kill -9 of a projector process in the middle of the log: the next projector resumes where
the last committed batch ended, and the read model equals a clean rebuild."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from api.runtime import Runtime
from domain.orgunit import OrgUnit
from domain.staffing import make_row
from tests.conftest import EDITOR, register
from tests.support.read_model import clean_rebuild, snapshot
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]


def many_events(runtime: Runtime, units: int = 20, per_unit: int = 60) -> None:
    root = register(runtime, "서울특별시")
    for n in range(units):
        unit = runtime.ledger.load(OrgUnit, register(runtime, f"부서{n}", root), "unit")
        for k in range(per_unit):
            row = make_row(
                job_category="일반직",
                grade="5급",
                authorized=k,
                current=k,
                women=None,
                series_key=None,
                index=0,
            )
            unit.record_staffing(
                date(2019, 1, 1) + timedelta(days=k % 40), [row], None, None, EDITOR
            )
        runtime.ledger.save(unit)


def position(runtime: Runtime) -> int:
    with runtime.connect() as conn:
        row = conn.execute("SELECT position FROM rm_meta").fetchone()
        return int(row[0]) if row else 0


def test_kill_9_mid_log_then_restart_equals_a_clean_rebuild(runtime: Runtime) -> None:
    many_events(runtime)
    runtime.catch_up()
    with runtime.projector.session() as conn:
        assert conn is not None
        runtime.projector.reset(conn)
    head = runtime.ledger.recorder.max_notification_id()
    assert head is not None and head > 1000

    env = {**os.environ, "DATABASE_URL": runtime.config.url(), "GOVLEDGER_PROJECTOR_BATCH": "7"}
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "project"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(
            lambda: position(runtime) >= head // 3,
            "the projector process to apply a third of the log",
            timeout=60,
            interval=0.02,
        )
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=10)
    killed_at = position(runtime)
    assert 0 < killed_at < head, "killed after the projector had finished: no mid-log kill"

    runtime.catch_up()
    resumed = snapshot(runtime)
    assert clean_rebuild(runtime) == resumed
    assert len(resumed["rm_events"]) == head
