"""Webhooks as a receiver sees them: a real HTTP server on 127.0.0.1 that checks each
signature as docs/webhooks.md tells integrators to, against a live API server, with the
deliverer stopped, killed, restarted and doubled."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Coroutine, Iterator
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest

from api.graphql import cursors
from api.runtime import Runtime
from domain import commands as c
from integrations.webhooks.delivery import LOCK_KEY
from ledger.database import Database
from tests.conftest import EDITOR, register, run_cli
from tests.support.live import Live
from tests.support.receiver import Delivery, Receiver, listening
from tests.support.waiting import wait_until

FAST = {
    "GOVLEDGER_WEBHOOK_BACKOFF_SECONDS": "0.2",
    "GOVLEDGER_WEBHOOK_BACKOFF_MAX_SECONDS": "1.6",
    "GOVLEDGER_WEBHOOK_TIMEOUT_SECONDS": "1",
    "GOVLEDGER_WEBHOOK_POLL_SECONDS": "0.2",
    "GOVLEDGER_WEBHOOK_STANDBY_SECONDS": "0.3",
}
ADD = """mutation($input: AddWebhookInput!) {
  addWebhook(input: $input) { secret webhook { name position cursor lag } } }"""
LIST = """{ webhooks { name url types orgUnitIds position lag lastError lastDeliveredAt
  attempts deliveries failures } }"""
REPLAY = "mutation($n: String!, $f: String!) { replayWebhook(name: $n, from: $f) { name cursor } }"


@pytest.fixture(autouse=True)
def fast_delivery(monkeypatch: pytest.MonkeyPatch) -> None:
    """Backoff from 0.2 s, a 1 s timeout, quick polls: the same code, in seconds."""
    for name, value in FAST.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with listening() as found:
        yield found


def add_webhook(
    live: Live, receiver: Receiver, name: str, path: str = "/hook", **filters: Any
) -> dict[str, Any]:
    admin = live.token(f"admin-{name}", "admin")
    url = receiver.base + path
    payload = live.data(ADD, {"input": {"name": name, "url": url, **filters}}, admin)
    receiver.secrets[path] = payload["addWebhook"]["secret"]
    return dict(payload["addWebhook"]["webhook"])


def rename(runtime: Runtime, unit: UUID, name: str) -> None:
    runtime.ledger.execute(c.RenameOrgUnit(unit, name, date(2020, 1, 1)), EDITOR)


def record_renames(runtime: Runtime, unit: UUID, count: int) -> None:
    for n in range(count):
        rename(runtime, unit, f"부서 {n}")


def logged(live: Live, after: str | None = None) -> list[str]:
    query = "query($a: String) { events(after: $a, first: 500) { edges { cursor } } }"
    return [e["cursor"] for e in live.data(query, {"a": after})["events"]["edges"]]


def on_loop(runtime: Runtime, work: Coroutine[Any, Any, Any]) -> Any:
    """Run work on the live server's event loop, where its deliverer runs."""
    task = runtime.webhooks._task
    assert task is not None
    return asyncio.run_coroutine_threadsafe(work, task.get_loop()).result(timeout=20)


def assert_in_order_once(deliveries: list[Delivery], expected: list[str]) -> None:
    assert [d.cursor for d in deliveries] == expected
    assert all(d.signed and d.body["cursor"] == d.cursor for d in deliveries)


def test_matching_events_arrive_once_in_log_order_signed(
    live: Live, receiver: Receiver, database: Database
) -> None:
    """An org-unit webhook (GraphQL) and a type webhook (the CLI): each gets exactly its
    events, each once, in log order, as the API shows them, signed with its own secret."""
    runtime = live.runtime
    seoul, busan = register(runtime, "서울"), register(runtime, "부산")
    live.caught_up()
    hook = add_webhook(live, receiver, "by-unit", orgUnitIds=[str(seoul)])
    assert hook["lag"] == 0 and hook["cursor"] == logged(live)[-1]
    env = {"DATABASE_URL": database.config.url()}
    added = run_cli("webhook", "add", "--name", "renames", "--url", receiver.base + "/renames",
                    "--types", "OrgUnitRenamed", env=env, timeout=60)  # fmt: skip
    assert added.returncode == 0, added.stderr
    secret = added.stdout.rsplit(" ", 1)[-1].strip()
    receiver.secrets["/renames"] = secret
    start = logged(live)[-1]

    child = register(runtime, "서울 비서실", seoul)
    rename(runtime, seoul, "서울특별시")
    register(runtime, "부산 비서실", busan)
    rename(runtime, busan, "부산광역시")
    rename(runtime, child, "시장비서실")
    register(runtime, "대구")
    live.caught_up()
    log = logged(live, start)
    wait_until(lambda: len(receiver.requests) >= 6, "6 deliveries")
    wait_until(lambda: delivered_past(database, log[-1]), "both webhooks to pass the last event")

    by_unit, renames = receiver.delivered("/hook"), receiver.delivered("/renames")
    assert len(receiver.requests) == 6 and all(d.attempt == 1 for d in receiver.requests)
    assert_in_order_once(by_unit, [log[0], log[1], log[4]])
    assert [(d.body["type"], d.body["subjectId"]) for d in by_unit] == [
        ("OrgUnitRegistered", str(child)),
        ("OrgUnitRenamed", str(seoul)),
        ("OrgUnitRenamed", str(child)),
    ]
    assert_in_order_once(renames, [log[1], log[3], log[4]])
    events = live.data(
        "query($a: String) { events(after: $a, first: 1) "
        "{ edges { node { type subjectId actor data digest } } } }",
        {"a": start},
    )["events"]["edges"][0]["node"]
    assert {k: by_unit[0].body[k] for k in events} == events  # the event as the API shows it

    listed = run_cli("webhook", "list", env=env, timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert "by-unit" in listed.stdout and "renames" in listed.stdout and secret not in listed.stdout
    removed = run_cli("webhook", "remove", "renames", env=env, timeout=60)
    assert removed.returncode == 0, removed.stderr
    admin = live.token("admin-list", "admin")
    [row] = live.data(LIST, token=admin)["webhooks"]
    assert row["name"] == "by-unit" and row["lag"] == 0 and row["deliveries"] == 3
    assert row["position"] >= len(log) and row["lastError"] is None


def test_failing_receiver_is_retried_with_backoff_in_order(live: Live, receiver: Receiver) -> None:
    """500 three times, a stall past the timeout, 503 for a while, then healthy: every event
    arrives in order, failures only ever at the oldest undelivered event, waits doubling."""
    runtime = live.runtime
    unit = register(runtime, "재정기획관")
    live.caught_up()
    add_webhook(live, receiver, "flaky")
    down_until = [0.0]

    def answer(n: int) -> int | float:
        if n < 3:
            return 500
        if n == 3:
            return 1.5  # past the 1 s timeout
        if n == 4:
            down_until[0] = time.monotonic() + 1.0
        return 503 if time.monotonic() < down_until[0] else 200

    receiver.answer = answer
    start = logged(live)[-1]
    record_renames(runtime, unit, 6)
    live.caught_up()
    log = logged(live, start)
    admin = live.token("admin-watch", "admin")
    wait_until(lambda: len(receiver.requests) >= 3, "3 failures")
    row = live.data(LIST, token=admin)["webhooks"][0]
    assert row["lastError"] and "500" in row["lastError"] and row["attempts"] >= 1

    wait_until(
        lambda: log[-1] in {d.cursor for d in receiver.delivered()},
        "the last event's delivery",
        timeout=30,
    )
    attempts = receiver.all()
    delivered = receiver.delivered()
    # in order; the stalled attempt reached the receiver after the deliverer gave up on it:
    # its one duplicate is a retry of the same cursor, right after it
    distinct = [
        b for a, b in itertools.pairwise([None, *delivered]) if a is None or a.cursor != b.cursor
    ]
    assert [d.cursor for d in distinct] == log
    repeats = [b for a, b in itertools.pairwise(delivered) if a.cursor == b.cursor]
    assert [d.cursor for d in repeats] == [log[0]] and repeats[0].attempt > 1
    failed = [d for d in attempts if d.status != 200]
    assert all(d.cursor == log[0] for d in failed)  # it waited on its oldest event
    first = [d for d in attempts if d.cursor == log[0]]
    assert [d.attempt for d in first] == list(range(1, len(first) + 1))
    gaps = [b.at - a.at for a, b in itertools.pairwise(first)]
    assert gaps[0] >= 0.15 and gaps[1] >= 0.35 and gaps[2] >= 0.75  # 0.2 s, doubling
    # the stalled attempt answered 200 after the timeout: it counts as failed, and is sent again
    assert len(first) >= 5 and all(d.signed for d in attempts)
    metrics = httpx.get(f"{live.url}/metrics").text
    failures = re.search(r'govledger_webhook_failures_total\{webhook="flaky"\} (\S+)', metrics)
    assert failures and float(failures[1]) >= 4
    lag = r'govledger_webhook_lag\{webhook="flaky"\} 0\.0'
    wait_until(
        lambda: re.search(lag, httpx.get(f"{live.url}/metrics").text) is not None,
        "a lag of 0 in /metrics",
    )
    row = live.data(LIST, token=admin)["webhooks"][0]
    assert row["lastError"] is None and row["lastDeliveredAt"] and row["failures"] >= 4


def deliverer(database: Database, env: dict[str, str]) -> subprocess.Popen[str]:
    """`govledger webhooks` in a process of its own."""
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", "webhooks"],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, **env, "DATABASE_URL": database.config.url()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_killed_deliverer_resumes_from_the_stored_position(
    live: Live, receiver: Receiver, database: Database
) -> None:
    """The server's deliverer stopped, `govledger webhooks` killed (SIGKILL) mid-stream and
    started again: it resumes from the position stored with the last delivery; a duplicate
    only of the event in flight; SIGTERM stops it with status 0."""
    runtime = live.runtime
    unit = register(runtime, "감사위원회")
    live.caught_up()
    add_webhook(live, receiver, "durable")
    on_loop(runtime, runtime.webhooks.stop())
    receiver.answer = lambda _: 0.15  # a slow receiver: the kill lands mid-stream
    start = logged(live)[-1]
    record_renames(runtime, unit, 20)
    live.caught_up()
    log = logged(live, start)

    first = deliverer(database, FAST)
    wait_until(lambda: len(receiver.delivered()) >= 5, "5 deliveries", timeout=30)
    first.kill()
    first.wait(timeout=10)
    receiver.settle()  # the request in flight at the kill ends at the receiver
    got = len(receiver.delivered())
    stored = cursor_position(log, stored_position(database))
    assert got - stored in (0, 1)  # the position was stored with each delivery
    second = deliverer(database, FAST)
    wait_until(lambda: receiver.all()[-1].cursor == log[-1], "the last event", timeout=30)
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=15) == 0, second.stderr.read() if second.stderr else ""
    # resumed from the stored position: a duplicate only of the event in flight at the kill
    assert [d.cursor for d in receiver.delivered()] == log[:got] + log[stored:]
    assert all(d.signed for d in receiver.all())


def number(database: Database, query: str, *args: Any) -> int:
    """The one number a query answers, over a connection of its own."""

    async def read() -> int:
        conn = await asyncpg.connect(**database.config.asyncpg_kwargs())
        try:
            return int(await conn.fetchval(query, *args))
        finally:
            await conn.close()

    return asyncio.run(read())


def stored_position(database: Database) -> int:
    return number(database, "SELECT position FROM webhooks WHERE removed_at IS NULL")


def delivered_past(database: Database, cursor: str) -> bool:
    """Whether every live webhook's stored position has reached the cursor's event: the
    deliverer stores it after the receiver answered, and sends only events after it."""
    slowest = number(database, "SELECT min(position) FROM webhooks WHERE removed_at IS NULL")
    return slowest >= cursors.decode(cursor)


def cursor_position(log: list[str], position: int) -> int:
    """How many events of log are at or before position."""
    return sum(1 for cursor in log if cursors.decode(cursor) <= position)


def test_two_deliverers_never_both_deliver(
    live: Live, receiver: Receiver, database: Database
) -> None:
    """Two runtimes on one database: one holds the lock and delivers, the other stands by and
    takes over when the first stops; every event once, in order."""
    runtime = live.runtime
    unit = register(runtime, "경제정책실")
    live.caught_up()
    other = Runtime(database=database)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def run(work: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(work, loop).result(timeout=30)

    try:
        run(other.open_services())
        wait_until(lambda: runtime.webhooks.active or other.webhooks.active, "a deliverer")
        add_webhook(live, receiver, "pair")
        start = logged(live)[-1]
        held: list[tuple[bool, bool]] = []
        for n in range(10):
            rename(runtime, unit, f"부서 {n}")
            held.append((runtime.webhooks.active, other.webhooks.active))
        assert all(a != b for a, b in held), held  # exactly one at every moment
        assert lock_holders(database) == 1
        active = runtime if runtime.webhooks.active else other
        if active is runtime:
            on_loop(runtime, runtime.webhooks.stop())
        else:
            run(other.webhooks.stop())
        standby = other if active is runtime else runtime
        wait_until(lambda: standby.webhooks.active, "the standby to take over")
        record_renames(runtime, unit, 5)
        live.caught_up()
        log = logged(live, start)
        wait_until(lambda: len(receiver.delivered()) >= 15, "15 deliveries", timeout=30)
        wait_until(lambda: delivered_past(database, log[-1]), "the webhook to pass the last event")
        assert_in_order_once(receiver.delivered(), log)
        assert lock_holders(database) == 1
    finally:
        run(other.close_services())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        other.close()


def lock_holders(database: Database) -> int:
    query = (
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
        "AND objid = $1 AND database = "
        "(SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    return number(database, query, LOCK_KEY)


def test_only_admins_manage_webhooks(live: Live, receiver: Receiver) -> None:
    variables = {"input": {"name": "x", "url": receiver.base + "/hook"}}
    for role in ("reader", "editor"):
        token = live.token(f"{role}-park", role)
        [error] = live.gql(ADD, variables, token)["errors"]
        assert error["extensions"]["code"] == "FORBIDDEN"
        [error] = live.gql(LIST, token=token)["errors"]
        assert error["extensions"]["code"] == "FORBIDDEN"
    for query, args in ((ADD, variables), (LIST, {}), (REPLAY, {"n": "x", "f": "djE6MQ"})):
        [error] = live.gql(query, args)["errors"]
        assert error["extensions"]["code"] == "UNAUTHENTICATED"
    admin = live.token("admin-choi", "admin")
    assert live.data(LIST, token=admin) == {"webhooks": []}
    assert live.data(ADD, variables, admin)["addWebhook"]["secret"].startswith("whsec_")
    codes = {
        "CONFLICT": live.gql(ADD, variables, admin),
        "BAD_USER_INPUT": live.gql(ADD, {"input": {"name": "y", "url": "ftp://x"}}, admin),
        "NOT_FOUND": live.gql('mutation { removeWebhook(name: "nope") }', token=admin),
    }
    for code, body in codes.items():
        assert body["errors"][0]["extensions"]["code"] == code, body
    assert live.data('mutation { removeWebhook(name: "x") }', token=admin)["removeWebhook"]
    assert live.data(LIST, token=admin) == {"webhooks": []}


def test_replay_redelivers_from_a_cursor(
    live: Live, receiver: Receiver, database: Database
) -> None:
    runtime = live.runtime
    unit = register(runtime, "도시계획국")
    live.caught_up()
    add_webhook(live, receiver, "again")
    start = logged(live)[-1]
    record_renames(runtime, unit, 5)
    live.caught_up()
    log = logged(live, start)
    wait_until(lambda: len(receiver.delivered()) == 5, "5 deliveries")
    admin = live.token("admin-han", "admin")
    replayed = live.data(REPLAY, {"n": "again", "f": log[2]}, admin)["replayWebhook"]
    assert replayed["name"] == "again"
    wait_until(lambda: len(receiver.delivered()) == 8, "3 redeliveries")
    wait_until(lambda: delivered_past(database, log[-1]), "the webhook to pass the last event")
    assert_in_order_once(receiver.delivered(), log + log[2:])
