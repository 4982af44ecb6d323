"""Scale as integrations run it: 4 writers record 250 events each through GraphQL over HTTP
while 200 subscribers follow the log over raw graphql-transport-ws WebSockets; a fifth of them
disconnect mid-stream and resume from their last cursor, and the API (`govledger serve`, a
process of its own over the test's database) is stopped and started again on the same port
mid-stream. Every subscriber must receive exactly the recorded log, in order: 0 gaps,
0 duplicates. The subscribers share one event loop; the writers run in a spawned process, so
that their answer times are not delayed by the subscribers' traffic. Prints events delivered,
delivery latency (mutation answer to receipt, and mutation request to receipt) and wall time."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from api.runtime import Runtime
from tests.conftest import register
from tests.support.ports import free_port
from tests.support.serve import STARTUP_SECONDS, answering
from tests.support.tokens import make_tokens
from tests.support.waiting import wait_until, wait_until_async

ROOT = Path(__file__).resolve().parents[2]
WRITERS, WRITES, SUBSCRIBERS, RESUMING = 4, 250, 200, 40
TOTAL = WRITERS * WRITES
RESTART_AT = TOTAL * 2 // 5  # the API is restarted once this many events are answered
SUBSCRIBE = "subscription($after: String) { events(after: $after) { cursor type } }"
STAFFING = """mutation($input: RecordStaffingInput!) {
  recordStaffing(input: $input) { events { cursor } } }"""
ROWS = [{"jobCategory": "일반직", "grade": "7급", "authorized": 3, "current": 2}]
PAGE = """query($after: String) {
  events(after: $after, first: 500) { edges { node { cursor type } } pageInfo { hasNextPage } } }"""


@dataclass
class Serve:
    """`govledger serve --workers 1` over the test's database, stopped and started on one port."""

    database_url: str
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ, "DATABASE_URL": self.database_url, "COLUMNS": "200"}
        self.starts += 1
        port = str(self.port)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cli.main", "serve", "--workers", "1", "--port", port],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        process = self.process
        wait_until(
            lambda: answering(process, self.url, self.output),
            "govledger serve to answer",
            STARTUP_SECONDS,
            interval=0.05,
            detail=self.output,
        )

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
            raise

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@pytest.fixture
def serve(runtime: Runtime, tmp_path: Path) -> Iterator[Serve]:
    runtime.catch_up()
    server = Serve(runtime.config.url(), free_port(), tmp_path / "serve.log")
    server.start()
    try:
        yield server
    finally:
        if server.process is not None and server.process.poll() is None:
            server.process.kill()
            server.process.wait(timeout=10)


def tokens(runtime: Runtime, count: int) -> list[str]:
    return make_tokens(runtime.config, *((f"writer-{n}", "editor") for n in range(count)))


def read_log(url: str, after: str | None) -> list[dict[str, Any]]:
    """The log after a cursor, every page of it, over HTTP."""
    nodes: list[dict[str, Any]] = []
    while True:
        body = httpx.post(
            f"{url}/graphql", json={"query": PAGE, "variables": {"after": after}}, timeout=30
        ).json()
        assert not body.get("errors"), body["errors"]
        page = body["data"]["events"]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = nodes[-1]["cursor"]


@dataclass
class Subscriber:
    number: int
    leave_after: int | None  # disconnects by itself once it holds this many events
    received: list[dict[str, Any]] = field(default_factory=list)
    arrived: dict[str, float] = field(default_factory=dict)
    connections: int = 0
    ends: list[str] = field(default_factory=list)  # why each connection ended, but the last
    ws: Any = None  # the connection it follows on now
    pongs: int = 0
    """Pongs to the pings it sent: the server answers a connection's messages in order, so a
    pong says it has taken what came before (the first connection's subscribe, or the events
    it sent before)."""

    async def ping(self) -> None:
        await self.ws.send(json.dumps({"type": "ping"}))


async def follow(url: str, sub: Subscriber, start: str, done: asyncio.Event) -> None:
    """Subscribe from start; whenever the connection ends (by itself, the server's error or
    close, a restart), subscribe again from the last cursor received."""
    after = start
    while not done.is_set():
        try:
            ws = await websockets.connect(
                url, subprotocols=["graphql-transport-ws"], compression=None, open_timeout=10
            )  # type: ignore[list-item]
        except (OSError, websockets.InvalidStatus, websockets.InvalidHandshake, TimeoutError):
            await asyncio.sleep(0.1)  # a client's pause before it tries again: the restart
            continue
        sub.connections += 1
        sub.ws = ws
        try:
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            payload = {"query": SUBSCRIBE, "variables": {"after": after}}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            if sub.connections == 1:
                await sub.ping()
            async for raw in ws:
                message = json.loads(raw)
                kind = message["type"]
                if kind == "next":
                    if message["payload"].get("errors"):
                        errors = message["payload"]["errors"]
                        sub.ends.append(str(errors[0].get("extensions", {}).get("code")))
                        break
                    event = message["payload"]["data"]["events"]
                    sub.arrived.setdefault(event["cursor"], time.monotonic())
                    sub.received.append(event)
                    after = event["cursor"]
                    if sub.leave_after == len(sub.received):
                        sub.ends.append("left")
                        break
                elif kind == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
                elif kind == "pong":
                    sub.pongs += 1
                elif kind in ("error", "complete"):
                    sub.ends.append(kind)
                    break
            else:
                sub.ends.append(f"closed {ws.close_code}")
        except ConnectionClosed as closed:
            sub.ends.append(f"closed {closed.rcvd.code if closed.rcvd else None}")
        finally:
            await ws.close()


@dataclass
class Writes:
    answered: dict[str, float] = field(default_factory=dict)
    sent: dict[str, float] = field(default_factory=dict)  # when its (last) request went out
    count: int = 0
    retries: int = 0
    replayed: int = 0  # a retry whose first attempt had been recorded: answered with no event


async def write(
    url: str,
    token: str,
    writer: int,
    units: list[str],
    writes: Writes,
    restarted: Any,  # a multiprocessing Event
) -> None:
    """WRITES staffing tables, each with an idempotency key, so that a request whose answer was
    lost to the restart is sent again without recording it twice."""
    headers = {"Authorization": f"Bearer {token}"}
    first = date(2020, 1, 31)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
        for i in range(WRITES):
            input = {
                "orgUnitId": units[i % len(units)],
                "referenceDate": (first + timedelta(days=i)).isoformat(),
                "rows": ROWS,
                "reason": "scale test",
                "source": "test_scale",
                "idempotencyKey": f"scale-{writer}-{i}",
            }
            request = {"query": STAFFING, "variables": {"input": input}}
            for _attempt in range(600):
                sent = time.monotonic()
                try:
                    response = await client.post("/graphql", json=request)
                    body = response.json()
                except (httpx.TransportError, json.JSONDecodeError):
                    body = None
                if body is not None and not body.get("errors"):
                    break
                if body is not None and response.status_code != 503:
                    codes = [e.get("extensions", {}).get("code") for e in body["errors"]]
                    assert codes == ["SERVICE_UNAVAILABLE"], body["errors"]
                writes.retries += 1
                await asyncio.sleep(0.05)  # a client's pause before it sends the write again
            else:
                raise AssertionError(f"writer {writer} could not record write {i}")
            events = body["data"]["recordStaffing"]["events"]
            now = time.monotonic()
            for event in events:
                writes.answered[event["cursor"]] = now
                writes.sent[event["cursor"]] = sent
            writes.replayed += not events
            writes.count += 1
            if not restarted.is_set() and writes.count >= RESTART_AT:
                restarted.set()
            await asyncio.sleep(0)  # the other writers on this loop take their turn


def writers(url: str, secrets: list[str], units: list[str], restarted: Any, results: Any) -> None:
    """The 4 writers, on the event loop of this (spawned) process; their Writes to results."""
    writes = Writes()

    async def main() -> None:
        await asyncio.gather(
            *(
                write(url, token, n, units[2 * n : 2 * n + 2], writes, restarted)
                for n, token in enumerate(secrets)
            )
        )

    try:
        asyncio.run(main())
        results.put(writes)
    except BaseException as error:
        results.put(f"the writers failed: {error!r}")
        raise
    finally:
        restarted.set()  # never leave the restarter waiting


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def test_200_subscribers_receive_exactly_the_log_across_resumes_and_a_restart(
    runtime: Runtime, serve: Serve
) -> None:
    units = [str(register(runtime, f"본부{i}")) for i in range(WRITERS * 2)]
    secrets = tokens(runtime, WRITERS)
    runtime.catch_up()

    def projected() -> list[dict[str, Any]] | None:
        log = read_log(serve.url, None)
        return log if len(log) >= len(units) else None

    before = wait_until(projected, "the server to project the units", timeout=30, interval=0.05)
    start = before[-1]["cursor"]
    random.seed(10)
    subscribers = [
        Subscriber(n, random.randint(50, TOTAL - 100) if n % 5 == 0 else None)
        for n in range(SUBSCRIBERS)
    ]
    ws_url = serve.url.replace("http", "ws") + "/graphql"
    writes = Writes()
    restart: dict[str, float] = {}

    async def restart_when(restarted: Any) -> None:
        await asyncio.to_thread(restarted.wait)
        restart["down_at"] = time.monotonic()
        restart["status"] = await asyncio.to_thread(serve.stop)
        await asyncio.to_thread(serve.start)
        restart["up_at"] = time.monotonic()

    async def run() -> float:
        nonlocal writes
        done = asyncio.Event()
        followers = [asyncio.create_task(follow(ws_url, s, start, done)) for s in subscribers]
        await wait_until_async(
            lambda: all(s.pongs == 1 for s in subscribers),
            "the server to take every subscriber's subscribe",
            timeout=30,
            interval=0.05,
        )
        # the writers run in a process of their own, so that the moment a mutation is answered
        # is not held up by the subscribers' traffic here (time.monotonic is CLOCK_MONOTONIC,
        # one clock for every process of the machine)
        context = multiprocessing.get_context("spawn")
        restarted, results = context.Event(), context.Queue()
        writing = context.Process(
            target=writers, args=(serve.url, secrets, units, restarted, results)
        )
        began = time.monotonic()
        writing.start()
        restarter = asyncio.create_task(restart_when(restarted))
        outcome = await asyncio.to_thread(results.get, True, 150)
        await asyncio.to_thread(writing.join, 10)
        assert isinstance(outcome, Writes), outcome
        writes = outcome
        await restarter
        await wait_until_async(
            lambda: all(len(s.received) >= TOTAL for s in subscribers),
            "every subscriber to receive every event",
            timeout=60,
            interval=0.05,
            detail=lambda: f"furthest behind: {sorted(len(s.received) for s in subscribers)[:5]}",
        )
        wall = time.monotonic() - began
        # anything more would be a duplicate: a pong to a ping sent now comes after whatever the
        # server sent before it, and is handled after it
        await asyncio.gather(*(s.ping() for s in subscribers))
        await wait_until_async(
            lambda: all(s.pongs == 2 for s in subscribers),
            "the server to answer every subscriber's ping",
            interval=0.05,
        )
        done.set()
        for task in followers:
            task.cancel()
        await asyncio.gather(*followers, return_exceptions=True)
        return wall

    wall = asyncio.run(asyncio.wait_for(run(), timeout=180))
    log = read_log(serve.url, start)
    assert len(log) == TOTAL, len(log)
    assert restart["status"] == 0, serve.output()
    assert serve.starts == 2
    before = sum(t < restart["down_at"] for t in writes.answered.values())
    after = sum(t > restart["up_at"] for t in writes.answered.values())
    assert before > 0 and after > 0, (before, after)  # the restart came mid-stream
    assert set(writes.answered) <= {e["cursor"] for e in log}
    assert writes.count == TOTAL
    expected_cursors = [e["cursor"] for e in log]
    gaps = duplicates = 0
    for s in subscribers:
        cursors = [e["cursor"] for e in s.received]
        gaps += len(set(expected_cursors) - set(cursors))
        duplicates += len(cursors) - len(set(cursors))
        assert s.received == log, (s.number, len(s.received), s.ends[-3:])
    assert gaps == 0 and duplicates == 0
    resumed = [s for s in subscribers if "left" in s.ends]
    assert len(resumed) == RESUMING
    assert all(s.connections >= 2 for s in subscribers)  # every one came back after the restart
    latencies = [
        s.arrived[cursor] - answered
        for s in subscribers
        for cursor, answered in writes.answered.items()
    ]
    from_sent = [
        s.arrived[cursor] - sent for s in subscribers for cursor, sent in writes.sent.items()
    ]
    delivered = sum(len(s.received) for s in subscribers)
    ends: dict[str, int] = {}
    for s in subscribers:
        for end in s.ends:
            ends[end] = ends.get(end, 0) + 1
    print(
        f"\nscale: {WRITERS} writers x {WRITES} = {len(log)} events, {SUBSCRIBERS} subscribers "
        f"({len(resumed)} left and resumed by themselves), {delivered} events delivered, "
        f"gaps {gaps}, duplicates {duplicates}; "
        f"restart after {before} answers ({after} after it), down and up in "
        f"{restart['up_at'] - restart['down_at']:.2f} s; connection ends {ends}; "
        f"write retries {writes.retries} (replayed {writes.replayed}); "
        f"delivery latency p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms, "
        f"max {max(latencies) * 1000:.0f} ms over {len(latencies)} deliveries (negative: the "
        f"subscriber had the event before the writer had its answer); from the mutation's "
        f"request p50 {percentile(from_sent, 0.5) * 1000:.0f} ms, "
        f"p99 {percentile(from_sent, 0.99) * 1000:.0f} ms; "
        f"wall {wall:.1f} s"
    )
