"""`govledger serve` on its embedded PostgreSQL, stopped as docker stop, systemd and timeout
stop it (SIGTERM) and as Ctrl-C does (SIGINT): exit status 0, and the PostgreSQL it started is
stopped with it (no postmaster.pid left, no postgres process of the data dir)."""

from __future__ import annotations

import contextlib
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.conftest import run_cli
from tests.support.serve import start_serve
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
STOP_SECONDS = 20


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
    wait_until(
        lambda: not postgres_of(data_dir),
        "the data dir's postgres processes to end",
        timeout=5,
        interval=0.1,
    )
    assert "Traceback" not in serving.output(), serving.output()
