"""Benchmark: many subscribers and webhooks against one API process.

Starts an embedded PostgreSQL in a temporary directory, records a few units in it, and runs
`govledger serve --workers 1` over it in a process of its own (so that the server's CPU and
memory are its own). The clients run here: every subscriber on one event loop (raw
graphql-transport-ws over `websockets`), the writer in a process of its own, recording
staffing tables through GraphQL mutations over HTTP at a steady rate.

  latency  N subscribers (default 200) follow the log; prints p50/p99/max of the time from a
           mutation's answer to the event's arrival at every subscriber (target p99 <= 100 ms)
  rss      1,000 subscribers held by the server; prints the server process's RSS before, once
           they are connected, and at its peak while events flow (target <= 300 MB)
  webhook  a webhook to a receiver on 127.0.0.1; prints p50/p99 of the time from a mutation's
           answer to the POST's arrival (target p50 < 200 ms)

Run on demand, never by the test suite:

    .venv/bin/python benchmarks/subscribers.py                  # every mode
    .venv/bin/python benchmarks/subscribers.py --mode latency --subscribers 200 --rate 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil
import websockets
from rebuild import embedded_runtime
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from api.runtime import Runtime
from api.token_store import TOKENS_DDL, create_token
from domain import commands as c
from domain.provenance import Provenance

warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")

ROOT = Path(__file__).resolve().parents[1]
SUBSCRIBE = "subscription($after: String) { events(after: $after) { cursor type } }"
STAFFING = """mutation($input: RecordStaffingInput!) {
  recordStaffing(input: $input) { events { cursor } } }"""
ADD_WEBHOOK = """mutation($input: AddWebhookInput!) {
  addWebhook(input: $input) { secret webhook { name cursor } } }"""
HEAD = "{ events(first: 500) { edges { cursor } } }"
ROWS = [{"jobCategory": "일반직", "grade": "7급", "authorized": 3, "current": 2}]
UNITS = 8


# -- the server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str

    def rss_mb(self) -> float:
        return float(psutil.Process(self.process.pid).memory_info().rss) / 2**20

    def gql(self, query: str, variables: dict[str, Any], token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        body = httpx.post(
            f"{self.url}/graphql",
            json={"query": query, "variables": variables},
            headers=headers,
            timeout=30,
        ).json()
        if body.get("errors"):
            raise RuntimeError(body["errors"])
        return body["data"]


@contextmanager
def serving(runtime: Runtime, log: Path) -> Iterator[Server]:
    """`govledger serve --workers 1` over the runtime's database, once it answers."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": runtime.config.url(), "COLUMNS": "200"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "serve", "--workers", "1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"serve did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.05)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def prepare(runtime: Runtime) -> tuple[list[str], str, str]:
    """A few units to write to, an editor's token and an admin's."""
    who = Provenance("benchmark", "subscribers", "benchmark.txt")
    units = [
        str(
            runtime.ledger.execute(
                c.RegisterOrgUnit(f"본부{i}", None, date(2019, 1, 1)), who
            ).subject_id
        )
        for i in range(UNITS)
    ]
    runtime.catch_up()

    async def tokens() -> tuple[str, str]:
        conn = await asyncpg.connect(**runtime.config.asyncpg_kwargs())
        try:
            await conn.execute(TOKENS_DDL)
            return (
                await create_token(conn, "bench-editor", "editor"),
                await create_token(conn, "bench-admin", "admin"),
            )
        finally:
            await conn.close()

    editor, admin = asyncio.run(tokens())
    return units, editor, admin


# -- the writer: steady mutations on a loop of its own -------------------------------------------


@dataclass
class Writer:
    url: str
    token: str
    units: list[str]
    rate: float
    answered: dict[str, float] = field(default_factory=dict)
    sent: dict[str, float] = field(default_factory=dict)
    written: int = 0
    day: date = date(2020, 1, 1)

    async def run(self, seconds: float) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        async with httpx.AsyncClient(base_url=self.url, headers=headers, timeout=30) as client:
            began = time.monotonic()
            while (elapsed := time.monotonic() - began) < seconds:
                n = self.written
                input = {
                    "orgUnitId": self.units[n % len(self.units)],
                    "referenceDate": (self.day + timedelta(days=n // len(self.units))).isoformat(),
                    "rows": ROWS,
                }
                sent = time.monotonic()
                response = await client.post(
                    "/graphql", json={"query": STAFFING, "variables": {"input": input}}
                )
                body = response.json()
                if body.get("errors"):
                    raise RuntimeError(body["errors"])
                now = time.monotonic()
                for event in body["data"]["recordStaffing"]["events"]:
                    self.answered[event["cursor"]] = now
                    self.sent[event["cursor"]] = sent
                self.written += 1
                next_at = began + self.written / self.rate
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            del elapsed

    def start(self, seconds: float) -> Writing:
        """Write for seconds in a process of its own (spawned), so that the moment a mutation
        is answered is not held up by the subscribers' traffic in this one; time.monotonic is
        CLOCK_MONOTONIC, one clock for every process of the machine."""
        context = multiprocessing.get_context("spawn")
        results = context.Queue()
        process = context.Process(target=write_steadily, args=(self, seconds, results))
        process.start()
        return Writing(self, process, results)


def write_steadily(writer: Writer, seconds: float, results: Any) -> None:
    asyncio.run(writer.run(seconds))
    results.put((writer.answered, writer.sent, writer.written))


@dataclass
class Writing:
    writer: Writer
    process: Any
    results: Any

    def finished(self, wait: float = 0.2) -> bool:
        """True once the writer's figures are back (in self.writer)."""
        try:
            answered, sent, written = self.results.get(timeout=wait)
        except queue.Empty:
            if not self.process.is_alive():
                raise RuntimeError("the writer failed") from None
            return False
        self.writer.answered, self.writer.sent, self.writer.written = answered, sent, written
        self.process.join(timeout=10)
        return True


# -- subscribers: all on this thread's event loop -------------------------------------------------


@dataclass
class Subscriber:
    arrived: dict[str, float] = field(default_factory=dict)
    subscribed: bool = False
    ended: str | None = None


async def follow(url: str, sub: Subscriber, after: str, stop: asyncio.Event) -> None:
    async with websockets.connect(
        url, subprotocols=[Subprotocol("graphql-transport-ws")], compression=None, open_timeout=60
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        while json.loads(await ws.recv())["type"] != "connection_ack":
            pass
        payload = {"query": SUBSCRIBE, "variables": {"after": after}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        sub.subscribed = True
        stopping = asyncio.create_task(stop.wait())
        try:
            while True:
                receiving = asyncio.create_task(ws.recv())
                await asyncio.wait({receiving, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if not receiving.done():
                    receiving.cancel()
                    return
                message = json.loads(receiving.result())
                if message["type"] == "next" and not message["payload"].get("errors"):
                    sub.arrived[message["payload"]["data"]["events"]["cursor"]] = time.monotonic()
                elif message["type"] == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
                elif message["type"] != "next" or message["payload"].get("errors"):
                    sub.ended = json.dumps(message)[:200]
                    return
        except ConnectionClosed as closed:
            sub.ended = f"closed {closed}"
        finally:
            stopping.cancel()


def head(server: Server) -> str:
    return str(server.gql(HEAD, {})["events"]["edges"][-1]["cursor"])


def ms(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


async def connect_all(
    url: str, count: int, after: str, stop: asyncio.Event
) -> tuple[list[Subscriber], list[asyncio.Task[None]], float]:
    subscribers = [Subscriber() for _ in range(count)]
    tasks: list[asyncio.Task[None]] = []
    began = time.monotonic()
    for batch in range(0, count, 50):  # 50 handshakes at a time
        tasks += [
            asyncio.create_task(follow(url, s, after, stop))
            for s in subscribers[batch : batch + 50]
        ]
        while sum(s.subscribed or s.ended is not None for s in subscribers) < len(tasks):
            await asyncio.sleep(0.02)
    await asyncio.sleep(1.0)  # every subscribe has reached the server
    return subscribers, tasks, time.monotonic() - began


def stream(
    server: Server,
    units: list[str],
    editor: str,
    count: int,
    args: argparse.Namespace,
    day: date,
) -> tuple[list[Subscriber], Writer, dict[str, float]]:
    """count subscribers follow while the writer writes for seconds; the server's RSS sampled."""
    ws_url = server.url.replace("http", "ws") + "/graphql"
    after = head(server)
    rss = {"before": server.rss_mb(), "connected": 0.0, "peak": 0.0, "connect_s": 0.0}
    writer = Writer(server.url, editor, units, args.rate, day=day)

    async def run() -> list[Subscriber]:
        stop = asyncio.Event()
        subscribers, tasks, took = await connect_all(ws_url, count, after, stop)
        rss["connect_s"] = took
        rss["connected"] = rss["peak"] = server.rss_mb()
        writing = writer.start(args.seconds)
        while not await asyncio.to_thread(writing.finished):
            rss["peak"] = max(rss["peak"], server.rss_mb())
        deadline = time.monotonic() + 30
        while any(
            len(s.arrived) < len(writer.answered) for s in subscribers if s.ended is None
        ) and (time.monotonic() < deadline):
            rss["peak"] = max(rss["peak"], server.rss_mb())
            await asyncio.sleep(0.1)
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        return subscribers

    return asyncio.run(run()), writer, rss


def report_latency(label: str, subscribers: list[Subscriber], writer: Writer) -> None:
    latencies = [
        s.arrived[cursor] - at
        for s in subscribers
        for cursor, at in writer.answered.items()
        if cursor in s.arrived
    ]
    from_sent = [
        s.arrived[cursor] - at
        for s in subscribers
        for cursor, at in writer.sent.items()
        if cursor in s.arrived
    ]
    expected = len(subscribers) * len(writer.answered)
    ended = sum(s.ended is not None for s in subscribers)
    print(
        f"{label}: {len(subscribers)} subscribers, {len(writer.answered)} events written at "
        f"{writer.rate:g}/s, {len(latencies)} of {expected} deliveries, {ended} subscriptions "
        f"ended early; mutation answer -> delivery p50 {ms(latencies, 0.5):.1f} ms, "
        f"p99 {ms(latencies, 0.99):.1f} ms, max {ms(latencies, 1.0):.1f} ms; mutation request "
        f"-> delivery p50 {ms(from_sent, 0.5):.1f} ms, p99 {ms(from_sent, 0.99):.1f} ms"
    )


# -- the modes ------------------------------------------------------------------------------------


def latency(server: Server, units: list[str], editor: str, args: argparse.Namespace) -> None:
    subscribers, writer, _ = stream(server, units, editor, args.subscribers, args, date(2020, 1, 1))
    report_latency("latency", subscribers, writer)
    print("  target: p99 <= 100 ms at 200 subscribers")


def rss(server: Server, units: list[str], editor: str, args: argparse.Namespace) -> None:
    subscribers, writer, sampled = stream(server, units, editor, args.held, args, date(2022, 1, 1))
    print(
        f"rss: server RSS {sampled['before']:.0f} MB before, {sampled['connected']:.0f} MB with "
        f"{args.held} subscribers connected (in {sampled['connect_s']:.1f} s), peak "
        f"{sampled['peak']:.0f} MB while events flowed (target <= 300 MB)"
    )
    report_latency("  and their latency", subscribers, writer)


@dataclass
class Receiver:
    arrived: dict[str, float] = field(default_factory=dict)
    posts: int = 0


def webhook(
    server: Server, units: list[str], editor: str, admin: str, args: argparse.Namespace
) -> None:
    found = Receiver()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            now = time.monotonic()
            self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                found.posts += 1
                found.arrived.setdefault(self.headers["X-Govledger-Event-Cursor"], now)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
        server.gql(ADD_WEBHOOK, {"input": {"name": "bench", "url": url}}, admin)
        writer = Writer(server.url, editor, units, args.rate, day=date(2021, 1, 1))
        writing = writer.start(args.seconds)
        while not writing.finished():
            pass
        deadline = time.monotonic() + 30
        while len(found.arrived) < len(writer.answered) and time.monotonic() < deadline:
            time.sleep(0.05)
        latencies = [
            found.arrived[cursor] - at
            for cursor, at in writer.answered.items()
            if cursor in found.arrived
        ]
        from_sent = [
            found.arrived[cursor] - at
            for cursor, at in writer.sent.items()
            if cursor in found.arrived
        ]
        print(
            f"webhook: {len(writer.answered)} events written at {args.rate:g}/s, "
            f"{len(latencies)} delivered ({found.posts} POSTs); mutation answer -> POST at the "
            f"receiver p50 {ms(latencies, 0.5):.1f} ms, p99 {ms(latencies, 0.99):.1f} ms, "
            f"max {ms(latencies, 1.0):.1f} ms (target p50 < 200 ms); from the mutation's request "
            f"p50 {ms(from_sent, 0.5):.1f} ms"
        )
    finally:
        receiver.shutdown()
        receiver.server_close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=["all", "latency", "rss", "webhook"], default="all")
    parser.add_argument("--subscribers", type=int, default=200, help="for latency")
    parser.add_argument("--held", type=int, default=1000, help="subscribers for rss")
    parser.add_argument("--rate", type=float, default=10.0, help="writes a second")
    parser.add_argument("--seconds", type=float, default=20.0, help="of writing, per mode")
    args = parser.parse_args(argv)
    with embedded_runtime() as runtime, tempfile.TemporaryDirectory() as folder:
        units, editor, admin = prepare(runtime)
        with serving(runtime, Path(folder) / "serve.log") as server:
            print(f"server pid {server.process.pid}, {server.rss_mb():.0f} MB RSS at start")
            if args.mode in ("all", "latency"):
                latency(server, units, editor, args)
            if args.mode in ("all", "webhook"):
                webhook(server, units, editor, admin, args)
            if args.mode in ("all", "rss"):
                rss(server, units, editor, args)


if __name__ == "__main__":
    main()
