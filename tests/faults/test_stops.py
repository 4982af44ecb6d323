"""`govledger serve` on its embedded PostgreSQL, stopped as docker stop, systemd and timeout
stop it (SIGTERM) and as Ctrl-C does (SIGINT): exit status 0, and the PostgreSQL it started is
stopped with it (no postmaster.pid left, no postgres process of the data dir)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest

from tests.conftest import run_cli
from tests.e2e.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 90
STOP_SECONDS = 20


@dataclass
class Serving:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def start_serve(env: dict[str, str | None], log: Path, *options: str) -> Serving:
    """`govledger serve` in a process of its own (with these environment variables; None
    unsets one), once /healthz answers."""
    port = free_port()
    environment = {**os.environ, "COLUMNS": "200", **env}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "serve", "--port", str(port), *options],
            cwd=ROOT,
            env={k: v for k, v in environment.items() if v is not None},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    serving = Serving(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + STARTUP_SECONDS
    while not healthy(serving.url):
        assert process.poll() is None, f"serve exited early:\n{serving.output()}"
        assert time.monotonic() < deadline, f"serve did not answer:\n{serving.output()}"
        time.sleep(0.1)
    return serving


def healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def postgres_of(data_dir: Path) -> list[psutil.Process]:
    """The postgres processes serving data_dir."""
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        with contextlib.suppress(psutil.Error):
            if process.info["name"] == "postgres" and str(data_dir) in " ".join(
                process.info["cmdline"] or []
            ):
                found.append(process)
    return found


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data dir holding a small ledger (one document imported), its PostgreSQL stopped."""
    folder = tmp_path_factory.mktemp("data")
    shutil.copy(ROOT / "data" / "seoul" / "001_8609ec9c98224de6.toml", folder)
    data_dir = tmp_path_factory.mktemp("stops") / "ledger"
    env: dict[str, str | None] = {"GOVLEDGER_DATA_DIR": str(data_dir), "DATABASE_URL": None}
    run_cli("import", str(folder), env=env, check=True, timeout=120)
    yield data_dir.resolve()
    for process in postgres_of(data_dir.resolve()):
        process.kill()


@pytest.mark.parametrize(
    ("signum", "workers"),
    [(signal.SIGTERM, "1"), (signal.SIGINT, "1"), (signal.SIGTERM, "2"), (signal.SIGINT, "2")],
)
def test_a_signal_stops_serve_and_its_postgresql_with_exit_status_0(
    data_dir: Path, tmp_path: Path, signum: signal.Signals, workers: str
) -> None:
    env = {"GOVLEDGER_DATA_DIR": str(data_dir), "DATABASE_URL": None}
    serving = start_serve(env, tmp_path / "serve.log", "--workers", workers)
    assert postgres_of(data_dir), "serve did not start its own PostgreSQL"
    started = time.monotonic()
    serving.process.send_signal(signum)
    try:
        status = serving.process.wait(timeout=STOP_SECONDS)
    finally:
        if serving.process.poll() is None:
            serving.process.kill()
    stopped = time.monotonic() - started
    assert status == 0, serving.output()
    print(f"\n{signum.name} with {workers} worker(s): exit 0 in {stopped:.2f} s")
    assert not (data_dir / "pg" / "postmaster.pid").exists(), serving.output()
    deadline = time.monotonic() + 5
    while postgres_of(data_dir):
        assert time.monotonic() < deadline, "a postgres process of the data dir remains"
        time.sleep(0.1)
    assert "Traceback" not in serving.output(), serving.output()
