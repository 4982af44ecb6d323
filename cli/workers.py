"""`govledger serve --workers N`: N API processes on one port (uvicorn's supervisor shares the
socket), over one database that the serving process opened (the embedded server lives as long
as that process, which outlives its workers). Each worker runs a projector thread; the advisory
lock lets one of them project and keeps the others as standbys. The workers share the safe
time through a memory map (projections/safe_time.py), so that a read on any worker sees what a
mutation answered on another."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from starlette.types import ASGIApp

from api.app import create_app
from api.runtime import SAFE_TIME_FILE, Runtime
from ledger.database import Database
from ledger.settings import PgConfig

WORKER_DATABASE = "GOVLEDGER_WORKER_DATABASE_URL"
"""Set by the serving process for its workers: the database it opened."""


def worker_app() -> ASGIApp:
    """The application of one worker process (uvicorn's factory)."""
    runtime = Runtime(database=Database(PgConfig.from_url(os.environ[WORKER_DATABASE])))
    runtime.start_projector()
    return create_app(runtime, owns_runtime=True)


@contextmanager
def shared_safe_time() -> Iterator[Path]:
    """A file for the workers' shared safe time, removed afterwards."""
    folder = "/dev/shm" if os.path.isdir("/dev/shm") else None
    handle, name = tempfile.mkstemp(prefix="govledger-safe-time-", dir=folder)
    os.close(handle)
    try:
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


def worker_environment(runtime: Runtime, safe_time: Path) -> dict[str, str]:
    return {WORKER_DATABASE: runtime.config.url(), SAFE_TIME_FILE: str(safe_time)}
