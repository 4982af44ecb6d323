"""`govledger serve` in a process of its own, as an operator starts it, once /healthz answers."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.ports import free_port
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 90


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
    wait_until(
        lambda: answering(process, serving.url, serving.output),
        "govledger serve to answer",
        STARTUP_SECONDS,
        interval=0.1,
        detail=serving.output,
    )
    return serving


def answering(process: subprocess.Popen[bytes], url: str, output: Callable[[], str]) -> bool:
    """Whether /healthz answers; a process that has exited fails the wait at once."""
    assert process.poll() is None, f"serve exited early:\n{output()}"
    return healthy(url)


def healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
