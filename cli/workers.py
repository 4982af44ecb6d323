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
from api.runtime import Runtime
from ledger.database import Database
from ledger.settings import WORKER_DATABASE, PgConfig, Settings, WorkerSettings


def worker_app() -> ASGIApp:
    """The application of one worker process (uvicorn's factory), over the database the
    serving process opened (worker_environment)."""
    settings = Settings.from_env()
    url = settings.workers.database_url
    if url is None:
        raise ValueError(f"{WORKER_DATABASE} is not set: workers are started by serve --workers")
    runtime = Runtime(settings, database=Database(PgConfig.from_url(url)))
    runtime.start_projector()
    return create_app(runtime, owns_runtime=True, settle_heap=True)


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
    """What the serving process sets for its workers: its database and the shared safe time."""
    return WorkerSettings(runtime.config.url(), safe_time).environment()
