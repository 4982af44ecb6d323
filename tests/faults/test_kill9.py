"""kill -9 of `govledger serve` while 4 clients write 50 facts each with idempotency keys: after
a restart, every key not acknowledged is sent again; no acknowledged write is lost and none is
recorded twice (a key committed before the kill but never answered replays its result)."""

from __future__ import annotations

import signal
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from api.runtime import Runtime
from tests.conftest import register
from tests.support.serve import Serving, start_serve
from tests.support.tokens import make_token

THREADS = 4
WRITES = 50
KILL_AFTER = 60
"""Acknowledged writes before the kill: past the start, well before the end."""
REGISTER = """mutation($input: RegisterOrgUnitInput!) {
  registerOrgUnit(input: $input) { orgUnit { id } events { type } } }"""
UNITS = '{ orgUnits(asOf: "2019-06-01") { id name } }'


@dataclass
class Writes:
    """What the clients were told: the unit each acknowledged key registered."""

    acknowledged: dict[str, str] = field(default_factory=dict)
    replayed: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    enough: threading.Event = field(default_factory=threading.Event)

    def acknowledge(self, key: str, body: dict[str, Any]) -> None:
        payload = body["data"]["registerOrgUnit"]
        with self.lock:
            self.acknowledged[key] = payload["orgUnit"]["id"]
            if not payload["events"]:
                self.replayed.add(key)
            if len(self.acknowledged) >= KILL_AFTER:
                self.enough.set()


def keys(thread: int) -> list[str]:
    return [f"kill9-{thread}-{n}" for n in range(WRITES)]


def write(url: str, token: str, key: str) -> dict[str, Any] | None:
    """The answer to one registration, or None when none came (the server is gone)."""
    input = {"name": f"부서 {key}", "validFrom": "2019-01-01", "idempotencyKey": key}
    try:
        response = httpx.post(
            f"{url}/graphql",
            json={"query": REGISTER, "variables": {"input": input}},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
    except httpx.HTTPError:
        return None
    body: dict[str, Any] = response.json()
    if response.status_code != 200 or body.get("errors"):
        return None
    return body


def client(url: str, token: str, thread: int, writes: Writes) -> None:
    """Write this client's keys in order until the first one gets no answer."""
    for key in keys(thread):
        body = write(url, token, key)
        if body is None:
            return
        writes.acknowledge(key, body)


def test_kill_9_during_concurrent_writes_loses_and_duplicates_nothing(
    runtime: Runtime, tmp_path: Path
) -> None:
    register(runtime, "시장비서실")  # a ledger that is not empty: serve imports nothing
    runtime.catch_up()
    token = make_token(runtime.config)
    env: dict[str, str | None] = {"DATABASE_URL": runtime.config.url()}
    server = start_serve(env, tmp_path / "first.log", "--workers", "1")
    writes = Writes()
    clients = [
        threading.Thread(target=client, args=(server.url, token, n, writes)) for n in range(THREADS)
    ]
    try:
        for thread in clients:
            thread.start()
        assert writes.enough.wait(120), f"writes did not start:\n{server.output()}"
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(timeout=10)
        for thread in clients:
            thread.join(timeout=60)
    finally:
        kill(server)
    before_kill = dict(writes.acknowledged)
    server = start_serve(env, tmp_path / "second.log", "--workers", "1")
    try:
        unanswered = [k for n in range(THREADS) for k in keys(n) if k not in before_kill]
        for key in unanswered:
            body = write(server.url, token, key)
            assert body is not None, f"{key} failed after the restart:\n{server.output()}"
            writes.acknowledge(key, body)
        found = units(server)
    finally:
        kill(server)
    names = Counter(name for name in found.values())
    lost = [k for k, unit in writes.acknowledged.items() if found.get(unit) != f"부서 {k}"]
    duplicated = [name for name, count in names.items() if count > 1]
    replayed = writes.replayed - before_kill.keys()
    print(
        f"\nkill -9 after {len(before_kill)} acknowledged writes; {len(unanswered)} keys sent "
        f"again, of which {len(replayed)} replayed (committed before the kill, unanswered); "
        f"lost {len(lost)}, duplicated {len(duplicated)} of {THREADS * WRITES}"
    )
    assert len(writes.acknowledged) == THREADS * WRITES
    assert lost == [] and duplicated == []
    assert len(found) == THREADS * WRITES + 1  # and the unit registered before


def units(server: Serving) -> dict[str, str]:
    response = httpx.post(f"{server.url}/graphql", json={"query": UNITS}, timeout=30)
    return {unit["id"]: unit["name"] for unit in response.json()["data"]["orgUnits"]}


def kill(server: Serving) -> None:
    if server.process.poll() is None:
        server.process.kill()
        server.process.wait(timeout=10)
