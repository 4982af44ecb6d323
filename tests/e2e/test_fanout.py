"""Many subscribers, one reader (api/fanout.py), with real WebSocket clients of both protocols
(graphql-transport-ws and graphql-ws) against a live server: every subscriber receives exactly
its filtered log, across disconnects; the log is read once per page whatever the number of
subscribers; a subscriber that does not read is cut off with its cursor, and the others are not
slowed."""

from __future__ import annotations

import asyncio
import json
import random
import socket
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import httpx
import websockets
from websockets.asyncio.client import ClientConnection

from integrations.fanout import Fanout
from tests.support.live import Live
from tests.support.mutations import register
from tests.support.waiting import wait_until_async

SUBSCRIBE = """subscription($after: String, $filter: EventFilter) {
  events(after: $after, filter: $filter) { cursor type } }"""
STAFFING = """mutation($input: RecordStaffingInput!) {
  recordStaffing(input: $input) { events { cursor } } }"""
REGISTER = """mutation($input: RegisterOrgUnitInput!) {
  registerOrgUnit(input: $input) { events { cursor } } }"""
PROTOCOLS = ("graphql-transport-ws", "graphql-ws")
ROWS = [{"jobCategory": "일반직", "grade": "7급", "authorized": 1, "current": 1}]


class Ended(Exception):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors)
        self.errors = errors


class Subscription:
    """One subscription over a raw WebSocket, in either protocol."""

    def __init__(self, ws: ClientConnection, protocol: str) -> None:
        self.ws, self.protocol = ws, protocol

    @classmethod
    async def open(
        cls, live: Live, protocol: str, variables: dict[str, Any], **connect: Any
    ) -> Subscription:
        url = live.url.replace("http", "ws") + "/graphql"
        ws = await websockets.connect(url, subprotocols=[protocol], compression=None, **connect)  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        while json.loads(await ws.recv())["type"] != "connection_ack":
            pass
        start = "subscribe" if protocol == PROTOCOLS[0] else "start"
        payload = {"query": SUBSCRIBE, "variables": variables}
        await ws.send(json.dumps({"id": "1", "type": start, "payload": payload}))
        return cls(ws, protocol)

    async def next(self) -> dict[str, Any]:
        while True:
            message = json.loads(await self.ws.recv())
            kind = message["type"]
            if kind == "ping":
                await self.ws.send(json.dumps({"type": "pong"}))
            elif kind in ("next", "data"):
                payload = message["payload"]
                if payload.get("errors"):
                    raise Ended(payload["errors"])
                event: dict[str, Any] = payload["data"]["events"]
                return event
            elif kind == "error":
                errors = message["payload"]
                raise Ended(errors if isinstance(errors, list) else [errors])
            elif kind == "complete":
                raise Ended([])

    async def close(self) -> None:
        await self.ws.close()


@dataclass
class Follower:
    number: int
    types: list[str] | None
    resume_after: int | None
    received: list[dict[str, Any]] = field(default_factory=list)
    arrived: dict[str, float] = field(default_factory=dict)
    resumed: bool = False

    def variables(self, after: str) -> dict[str, Any]:
        return {"after": after, "filter": {"types": self.types} if self.types else None}


async def follow(live: Live, f: Follower, start: str, done: asyncio.Event) -> None:
    after, protocol = start, PROTOCOLS[f.number % 2]
    while not done.is_set():
        sub = await Subscription.open(live, protocol, f.variables(after))
        try:
            while not done.is_set():
                try:
                    event = await asyncio.wait_for(sub.next(), 0.2)
                except TimeoutError:
                    continue
                f.received.append(event)
                f.arrived[event["cursor"]] = time.monotonic()
                after = event["cursor"]
                if f.resume_after == len(f.received) and not f.resumed:
                    f.resumed, protocol = True, PROTOCOLS[(f.number + 1) % 2]
                    break
        finally:
            await sub.close()


async def write(
    live: Live, token: str, units: list[str], count: int, answered: dict[str, float]
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=live.url, headers=headers, timeout=30) as client:
        for i in range(count):
            if i % 2:
                day = f"20{20 + i // 24:02d}-{1 + i // 2 % 12:02d}-28"
                query, input = (
                    STAFFING,
                    {"orgUnitId": units[i % len(units)], "referenceDate": day, "rows": ROWS},
                )
                name = "recordStaffing"
            else:
                query, input = REGISTER, {"name": f"부서{token[-6:]}{i}", "validFrom": "2019-01-01"}
                name = "registerOrgUnit"
            body = (
                await client.post("/graphql", json={"query": query, "variables": {"input": input}})
            ).json()
            assert not body.get("errors"), body["errors"]
            for event in body["data"][name]["events"]:
                answered[event["cursor"]] = time.monotonic()


def expected(live: Live, start: str, types: list[str] | None) -> list[dict[str, Any]]:
    query = """query($after: String, $filter: EventFilter) {
      events(after: $after, first: 500, filter: $filter) { edges { node { cursor type } } } }"""
    variables = {"after": start, "filter": {"types": types} if types else None}
    return [e["node"] for e in live.data(query, variables)["events"]["edges"]]


def fanout_of(live: Live) -> Fanout:
    services = live.runtime.services
    assert services is not None and services.fanout is not None
    return services.fanout


def handed_out(fanout: Fanout) -> bool:
    """Whether the fan-out holds nothing more for any subscriber: each has taken the reader's
    head and emptied its queue, so that anything arriving later would be a duplicate."""
    return all(f.position >= fanout.head and not f.queue for f in list(fanout.followers))


def head_cursor(live: Live) -> str:
    edges = live.data("{ events(first: 500) { edges { cursor } } }")["events"]["edges"]
    return str(edges[-1]["cursor"])


def test_fifty_subscribers_receive_exactly_their_log(live: Live, editor: str) -> None:
    second = live.token("editor-lee", "editor")
    units = [register(live, editor, f"본부{i}") for i in range(4)]
    start = head_cursor(live)
    random.seed(10)
    followers = [
        Follower(
            n,
            ["StaffingRecorded"] if n % 3 == 0 else None,
            random.randint(5, 30) if n % 5 == 0 else None,
        )
        for n in range(52)
    ]
    fanout = fanout_of(live)
    reads_before = fanout.page_reads
    answered: dict[str, float] = {}

    async def run() -> None:
        done = asyncio.Event()
        tasks = [asyncio.create_task(follow(live, f, start, done)) for f in followers]
        await wait_until_async(
            lambda: len(fanout.followers) == len(followers), "every subscriber to join"
        )
        await asyncio.gather(*(write(live, t, units, 50, answered) for t in (editor, second)))
        await asyncio.to_thread(live.caught_up)
        total = {None: 100, "StaffingRecorded": 50}

        def received_all() -> bool:
            return all(len(f.received) >= total[f.types[0] if f.types else None] for f in followers)

        await wait_until_async(received_all, "every subscriber to receive its events", timeout=30)
        await wait_until_async(lambda: handed_out(fanout), "the fan-out to hand out every event")
        done.set()
        await asyncio.gather(*tasks)

    asyncio.run(asyncio.wait_for(run(), timeout=90))
    every, staffing = expected(live, start, None), expected(live, start, ["StaffingRecorded"])
    assert len(every) == 100 and len(staffing) == 50
    for f in followers:
        assert f.received == (staffing if f.types else every), f.number
    assert sum(f.resumed for f in followers) == 11
    reads = fanout.page_reads - reads_before
    assert reads <= 100 + 5, reads  # one page per new event at most, whatever the subscribers
    latencies = [
        f.arrived[c] - answered[c] for f in followers if not f.resume_after for c in f.arrived
    ]
    filtered, resumed = sum(1 for f in followers if f.types), sum(f.resumed for f in followers)
    p50 = sorted(latencies)[len(latencies) // 2]
    print(
        f"\nfan-out: {len(followers)} subscribers ({filtered} filtered, {resumed} resumed), "
        f"{len(every)} events, {reads} log page reads, {fanout.catch_up_reads} catch-up reads, "
        f"delivery latency max {max(latencies) * 1000:.0f} ms, p50 {p50 * 1000:.0f} ms"
    )


def test_a_subscriber_that_never_reads_is_cut_off_with_its_cursor(live: Live, editor: str) -> None:
    unit = register(live, editor, "시장비서실")
    start = head_cursor(live)
    fanout = fanout_of(live)
    fanout.capacity = 4
    reason = "느린구독자" * 400  # 2,000 characters, 6 KB, selected 20 times: 120 KB an event
    reasons = " ".join(f"r{i}: reason" for i in range(20))
    big = f"subscription($after: String) {{ events(after: $after) {{ cursor {reasons} }} }}"
    answered: dict[str, float] = {}

    async def run() -> tuple[Follower, list[dict[str, Any]], list[dict[str, Any]]]:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", int(live.url.rsplit(":", 1)[1])))
        url = live.url.replace("http", "ws") + "/graphql"
        slow = await websockets.connect(
            url,
            subprotocols=["graphql-transport-ws"],
            compression=None,
            sock=sock,
            max_queue=1,
            max_size=None,
        )  # type: ignore[list-item]
        await slow.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await slow.recv())["type"] == "connection_ack"
        payload = {"query": big, "variables": {"after": start}}
        await slow.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        fast = Follower(0, None, None)
        done = asyncio.Event()
        task = asyncio.create_task(follow(live, fast, start, done))
        await wait_until_async(lambda: len(fanout.followers) == 2, "both subscribers to join")
        headers = {"Authorization": f"Bearer {editor}"}
        async with httpx.AsyncClient(base_url=live.url, headers=headers, timeout=30) as client:
            for i in range(40):
                input = {
                    "orgUnitId": unit,
                    "referenceDate": f"2020-01-{1 + i % 28:02d}",
                    "rows": ROWS,
                    "reason": reason,
                }
                body = (
                    await client.post(
                        "/graphql", json={"query": STAFFING, "variables": {"input": input}}
                    )
                ).json()
                for event in body["data"]["recordStaffing"]["events"]:
                    answered[event["cursor"]] = time.monotonic()
        await wait_until_async(
            lambda: fanout.cut > 0 and len(fast.received) >= 40,
            "the slow subscriber's cut and the other's 40 events",
            detail=lambda: f"cut {fanout.cut}, received {len(fast.received)}",
        )
        done.set()
        await task
        received, errors = [], []
        sub = Subscription(slow, "graphql-transport-ws")
        try:
            while True:
                received.append(await asyncio.wait_for(sub.next(), 10))
        except Ended as ended:
            errors = ended.errors
        await slow.close()
        return fast, received, errors

    fast, slow, errors = asyncio.run(asyncio.wait_for(run(), timeout=90))
    every = expected(live, start, None)
    assert fast.received == every and len(every) == 40
    assert errors[0]["extensions"]["code"] == "SUBSCRIBER_TOO_SLOW"
    assert [e["cursor"] for e in slow] == [e["cursor"] for e in every[: len(slow)]]
    assert len(slow) < 40
    assert errors[0]["extensions"]["cursor"] == slow[-1]["cursor"]
    latency = max(arrived - answered[c] for c, arrived in fast.arrived.items())
    assert latency < 2.0, latency
    print(
        f"\nslow subscriber cut after {len(slow)} of 40 events; "
        f"the other's max delivery latency {latency * 1000:.0f} ms"
    )


def test_a_subscriber_behind_the_window_catches_up_then_rejoins(live: Live, editor: str) -> None:
    units = [register(live, editor, f"본부{i}") for i in range(2)]
    start = head_cursor(live)
    fanout = fanout_of(live)
    fanout.recent = deque(fanout.recent, maxlen=5)  # a window of 5 events (before any subscriber)
    asyncio.run(write(live, editor, units, 20, {}))
    live.caught_up()
    reads_before = fanout.catch_up_reads
    followers = [Follower(n, ["StaffingRecorded"] if n == 0 else None, None) for n in range(3)]

    async def run() -> None:
        done = asyncio.Event()
        tasks = [asyncio.create_task(follow(live, f, start, done)) for f in followers]
        await write(live, editor, units, 20, {})
        await asyncio.to_thread(live.caught_up)
        await wait_until_async(
            lambda: all(len(f.received) >= (20 if f.types else 40) for f in followers),
            "every subscriber to receive its events",
            timeout=30,
            detail=lambda: str([len(f.received) for f in followers]),
        )
        await wait_until_async(lambda: handed_out(fanout), "the fan-out to hand out every event")
        done.set()
        await asyncio.gather(*tasks)

    asyncio.run(asyncio.wait_for(run(), timeout=60))
    every, staffing = expected(live, start, None), expected(live, start, ["StaffingRecorded"])
    assert len(every) == 40
    for f in followers:
        assert f.received == (staffing if f.types else every)
    assert fanout.catch_up_reads > reads_before
