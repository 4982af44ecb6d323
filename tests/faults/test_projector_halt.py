"""An event the projector cannot apply stops projection at that event, and nothing else: the
projector's thread lives on and says where and why it stopped (rm_meta, /readyz, /metrics),
reads answer for the last consistent moment, writes are recorded and answered at once, a
process still starts, and once the cause is gone projection continues past it to the head."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from eventsourcing.domain import Aggregate
from starlette.requests import Request

from api.http.health import readiness
from api.runtime import Runtime
from projections.build.rows import RowBuilder
from projections.schema import PROJECTION_NAME
from tests.conftest import register
from tests.support.live import Live
from tests.support.ports import free_port
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
REGISTER = """mutation($name: String!) {
  registerOrgUnit(input: {name: $name, validFrom: "2020-01-01"}) { orgUnit { id } } }"""
READ = "query($id: ID!, $k: DateTime) { orgUnit(id: $id, knownAt: $k) { name knownAt } }"


def record_nul_name(runtime: Runtime, like: UUID) -> int:
    """Record, straight into the log, a unit whose name holds U+0000 (which PostgreSQL's text
    cannot hold), copying the registration of `like`: the commands would refuse it."""
    ledger = runtime.ledger
    stored = ledger.recorder.select_events(like, lte=1)[0]
    event = ledger.mapper.to_domain_event(stored)
    bad = replace(event, originator_id=uuid4(), name="a\u0000b")  # type: ignore[type-var]
    positions = ledger.recorder.insert_events([ledger.mapper.to_stored_event(bad)])
    assert positions
    return positions[0]


def meta(runtime: Runtime) -> tuple[Any, ...]:
    with runtime.connect() as conn:
        row = conn.execute(
            "SELECT position, safe_time, halted_at, halted_type, halted_error FROM rm_meta "
            "WHERE name = %s",
            (PROJECTION_NAME,),
        ).fetchone()
    assert row is not None
    return tuple(row)


def projector_thread() -> threading.Thread:
    return next(t for t in threading.enumerate() if t.name == "projector")


def test_a_nul_in_the_log_halts_projection_and_the_api_serves_on(live: Live, editor: str) -> None:
    runtime = live.runtime
    unit = UUID(
        live.data(REGISTER, {"name": "서울특별시"}, editor)["registerOrgUnit"]["orgUnit"]["id"]
    )
    live.caught_up()
    bad = record_nul_name(runtime, unit)

    wait_until(lambda: meta(runtime)[2] == bad, "the projector to record its halt", 10)
    services = runtime.services
    assert services is not None
    wait_until(lambda: services.freshness.halted_at == bad, "the API to learn of the halt", 5)
    position, safe, halted_at, halted_type, error = meta(runtime)
    assert (position, halted_at, halted_type) == (bad - 1, bad, "OrgUnit.Registered")
    assert "\\u0000" in error or "\\x00" in error, error
    assert projector_thread().is_alive()
    stamp = runtime.ledger.ledger_recorder.recorded_at([bad])[bad]
    assert safe == stamp - timedelta(microseconds=1)  # the latest moment it holds in full

    ready = httpx.get(f"{live.url}/readyz", timeout=10)
    assert ready.status_code == 503
    [reason] = ready.json()["reasons"]
    assert reason.startswith(f"projector halted at position {bad} (OrgUnit.Registered): ")
    assert httpx.get(f"{live.url}/healthz", timeout=10).status_code == 200
    metrics = httpx.get(f"{live.url}/metrics", timeout=10).text
    assert "govledger_projector_halted 1.0" in metrics
    assert f"govledger_projector_halted_position {float(bad)}" in metrics

    # Reads answer for the last consistent moment, and say so; a knownAt asked beyond it does
    # not wait for a projector that cannot get there.
    started = time.monotonic()
    now = datetime.now(UTC).isoformat()
    for known_at in (None, now):
        answer = live.data(READ, {"id": str(unit), "k": known_at})["orgUnit"]
        assert answer["name"] == "서울특별시"
        assert datetime.fromisoformat(answer["knownAt"]) == safe
    assert time.monotonic() - started < 1.0

    # A write is recorded (the log is the truth), and told at once that the read model lags.
    started = time.monotonic()
    body = live.gql(REGISTER, {"name": "도시계획국"}, editor)
    assert time.monotonic() - started < 3.0
    [failure] = body["errors"]
    assert failure["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "recorded at log position" in failure["message"]
    assert runtime.ledger.recorder.max_notification_id() == bad + 1
    assert meta(runtime)[0] == bad - 1 and projector_thread().is_alive()


def test_a_halted_log_lets_catch_up_and_serve_start(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    units = [register(runtime, f"부서{n}") for n in range(3)]
    bad = record_nul_name(runtime, units[0])
    register(runtime, "이후 부서")
    # One batch holds the good events and the bad one: the good ones are applied all the same.
    assert runtime.catch_up() == 3
    halt = runtime.projector.halt
    assert halt is not None and (halt.position, halt.event_type) == (bad, "OrgUnit.Registered")
    assert meta(runtime)[0] == bad - 1 and meta(runtime)[2] == bad
    assert f"projector halted at position {bad} (OrgUnit.Registered): " in caplog.text
    assert runtime.catch_up() == 0  # again: still halted, and no error

    port = free_port()
    with serving(port, {"DATABASE_URL": runtime.config.url()}) as process:
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: answers(url, process), "govledger serve to start", 60)
        ready = httpx.get(f"{url}/readyz", timeout=10)
        assert ready.status_code == 503
        assert f"projector halted at position {bad} (OrgUnit.Registered)" in ready.text


def test_projection_continues_past_the_event_once_its_cause_is_gone(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    units = [register(runtime, f"부서{n}") for n in range(3)]
    runtime.catch_up()
    cursed = {register(runtime, "저주받은 부서")}
    register(runtime, "다음 부서")
    add = RowBuilder.add
    failed: list[UUID] = []  # each attempt at a cursed event

    def failing_add(self: RowBuilder, batch: Any, event: Aggregate.Event, *args: Any) -> None:
        if event.originator_id in cursed:
            failed.append(event.originator_id)
            raise RuntimeError("a bug in building this event's rows")
        add(self, batch, event, *args)

    monkeypatch.setattr(RowBuilder, "add", failing_add)
    assert runtime.catch_up() == 0
    bad = len(units) + 1
    assert meta(runtime)[0] == bad - 1
    assert meta(runtime)[2:] == (
        bad,
        "OrgUnit.Registered",
        "RuntimeError: a bug in building this event's rows",
    )

    # A transient failure: the running projector tries again, and goes on once it is over.
    runtime.projector.retry_seconds = (0.05, 0.2)
    tried = len(failed)
    runtime.start_projector()
    # a first attempt fails twice at most (its batch, then the event alone): a third is a retry
    wait_until(lambda: len(failed) >= tried + 3, "the running projector to try the event again")
    assert meta(runtime)[0] == bad - 1 and projector_thread().is_alive()
    monkeypatch.undo()
    head = runtime.ledger.recorder.max_notification_id()
    wait_until(lambda: meta(runtime)[0] == head, "the projector to resume", 10)
    assert meta(runtime)[2:] == (None, None, None)

    # A fix and a restart: the next process continues from the halt to the head.
    monkeypatch.setattr(RowBuilder, "add", failing_add)
    cursed.add(register(runtime, "또 다른 부서"))
    wait_until(lambda: meta(runtime)[2] == head + 1, "a second halt", 10)
    runtime.close()
    monkeypatch.undo()
    restarted = Runtime(database=runtime.database)
    try:
        register(restarted, "마지막 부서")
        assert restarted.catch_up() == 2
        assert meta(restarted)[0] == head + 2 == restarted.ledger.recorder.max_notification_id()
        assert meta(restarted)[2] is None and restarted.projector.halt is None
    finally:
        restarted.close()


async def test_readiness_names_a_lag_over_its_bound(runtime: Runtime) -> None:
    register(runtime, "서울특별시")
    runtime.catch_up()
    services = await runtime.open_services()
    try:
        ready = readiness({"current": services}, max_lag=1)
        request = Request({"type": "http", "method": "GET", "path": "/readyz", "headers": []})
        assert (await ready(request)).status_code == 200
        register(runtime, "부서1")
        register(runtime, "부서2")
        lagging = await ready(request)
        assert lagging.status_code == 503
        assert b"the read model lags the log by 2 events (at most 1)" in lagging.body
        runtime.catch_up()
        assert (await ready(request)).status_code == 200
    finally:
        await runtime.close_services()


@contextmanager
def serving(port: int, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """`govledger serve` in a process of its own, stopped on exit."""
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "--port", str(port), "--workers", "1"],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def answers(url: str, process: subprocess.Popen[bytes]) -> bool:
    if process.poll() is not None:
        stderr = process.stderr.read().decode() if process.stderr else ""
        raise AssertionError(f"govledger serve exited with {process.returncode}: {stderr}")
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False
