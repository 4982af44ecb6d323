"""`govledger serve --workers 2` as an operator runs it (api/workers.py): two worker processes
under the serving one, each taking connections on the one port; a mutation answered by one
worker is seen by a read without knownAt on any worker, the other one included (the safe time
is shared); SIGTERM stops the whole server cleanly."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from api.runtime import Runtime
from tests.conftest import register
from tests.support.ports import free_port
from tests.support.serve import STARTUP_SECONDS, answering
from tests.support.tokens import make_token
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
READ = """query($id: ID!) {
  orgUnit(id: $id, asOf: "2020-03-31") { knownAt staffing { current } } }"""
STAFF = """mutation($input: RecordStaffingInput!) {
  recordStaffing(input: $input) { staffing { current } } }"""


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    port: int
    log: Path
    family: dict[int, psutil.Process] = field(default_factory=dict)
    """Every descendant of the server seen, to be sure none outlives the test."""

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def children(self) -> list[psutil.Process]:
        try:
            found = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        self.family.update((child.pid, child) for child in found)
        return found

    def workers(self) -> list[psutil.Process]:
        """The worker processes (spawned by uvicorn's supervisor), not its helpers."""
        return [child for child in self.children() if is_worker(child)]

    def served_by(self, response: httpx.Response) -> int | None:
        """The pid of the worker holding the connection a response came on (still open)."""
        client_port = response.extensions["network_stream"].get_extra_info("client_addr")[1]
        for worker in self.workers():
            for conn in worker.net_connections(kind="tcp"):
                ours = conn.laddr and conn.laddr.port == self.port
                if ours and conn.raddr and conn.raddr.port == client_port:
                    return worker.pid
        return None


@pytest.fixture
def unit(runtime: Runtime) -> str:
    return str(register(runtime, "시장비서실"))


def is_worker(process: psutil.Process) -> bool:
    try:
        return any("spawn_main" in part for part in process.cmdline())
    except psutil.Error:
        return False


def stop(server: Server) -> None:
    """Kill what this test started and is still running: the server and its descendants."""
    server.children()
    for member in server.family.values():
        with contextlib.suppress(psutil.Error):
            member.kill()
    if server.process.poll() is None:
        server.process.kill()
        server.process.wait(timeout=10)


@pytest.fixture
def served(runtime: Runtime, unit: str, tmp_path: Path) -> Iterator[Server]:
    """`govledger serve --workers 2` over the test's database (with a unit in it, so that it
    imports nothing), once it answers."""
    runtime.catch_up()
    port = free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "DATABASE_URL": runtime.config.url(), "COLUMNS": "200"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "serve", "--workers", "2", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, f"http://127.0.0.1:{port}", port, log)
    try:
        wait_until(
            lambda: answering(process, server.url, server.output) and len(server.workers()) >= 2,
            "govledger serve to answer with its 2 workers",
            STARTUP_SECONDS,
            interval=0.1,
            detail=server.output,
        )
        yield server
    finally:
        stop(server)


def post(server: Server, query: str, variables: dict[str, Any], token: str | None = None) -> Any:
    """Over a connection of its own: the body, and the pid of the worker that answered."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(timeout=30) as client:
        response = client.post(
            f"{server.url}/graphql",
            json={"query": query, "variables": variables},
            headers=headers,
        )
        worker = server.served_by(response)
    body = response.json()
    assert not body.get("errors"), body["errors"]
    return body["data"], worker


def get(server: Server, query: str, variables: dict[str, Any]) -> Any:
    with httpx.Client(timeout=30) as client:
        response = client.get(
            f"{server.url}/graphql", params={"query": query, "variables": json.dumps(variables)}
        )
        worker = server.served_by(response)
    body = response.json()
    assert not body.get("errors"), body["errors"]
    return body["data"], worker


def test_serve_with_two_workers_answers_from_two_worker_processes(
    unit: str, served: Server
) -> None:
    workers = served.workers()
    assert len(workers) == 2
    assert all(w.ppid() == served.process.pid for w in workers)
    data, worker = post(served, READ, {"id": unit})
    assert data["orgUnit"]["staffing"] is None
    assert worker in {w.pid for w in workers}


def test_a_mutation_on_one_worker_is_read_on_every_worker_without_known_at(
    runtime: Runtime, unit: str, served: Server
) -> None:
    token = make_token(runtime.config)
    workers = {w.pid for w in served.workers()}
    readers: set[int | None] = set()
    elsewhere = 0
    for current in (3, 5, 8, 13, 21, 34):
        rows = [{"jobCategory": "일반직", "grade": "5급", "current": current}]
        input = {"orgUnitId": unit, "referenceDate": "2020-01-31", "rows": rows}
        data, writer = post(served, STAFF, {"input": input}, token)
        assert data["recordStaffing"]["staffing"] == {"current": current}
        assert writer in workers
        for n in range(8):
            read = get if n % 2 else post
            found, reader = read(served, READ, {"id": unit})
            assert found["orgUnit"]["staffing"] == {"current": current}, (writer, reader)
            readers.add(reader)
            elsewhere += reader != writer
    # The kernel hands each new connection to a worker; it may favour the one that wrote, so
    # read on (the last write) until another worker has answered.
    for n in range(200 if not elsewhere else 0):
        found, reader = (get if n % 2 else post)(served, READ, {"id": unit})
        assert found["orgUnit"]["staffing"] == {"current": current}, (writer, reader)
        readers.add(reader)
        elsewhere += reader != writer
        if elsewhere:
            break
    assert readers <= workers
    assert elsewhere > 0, "no read was answered by a worker other than the writer's"


def test_sigterm_stops_the_server_and_its_workers_with_exit_code_0(served: Server) -> None:
    workers = served.workers()
    assert len(workers) == 2
    started = time.monotonic()
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=10) == 0, served.output()
    assert time.monotonic() - started < 10
    _, alive = psutil.wait_procs(workers, timeout=5)
    assert alive == [], served.output()
