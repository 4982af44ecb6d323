"""What counts as the database being unreachable, for both drivers the API uses (asyncpg for
reads, psycopg under eventsourcing for writes): down, starting or stopping, refusing
connections, or a connection lost on the way. Such a failure is a SERVICE_UNAVAILABLE answer
(try again shortly), never an internal error. And how the writer's pool (psycopg_pool, made by
eventsourcing) gets over a restart of the server without failing a write."""

from __future__ import annotations

from typing import Any

import asyncpg
import psycopg
from asyncpg import exceptions as pg
from eventsourcing import persistence
from psycopg_pool import ConnectionPool, PoolTimeout

UNREACHABLE: tuple[type[BaseException], ...] = (
    OSError,  # refused, no socket file, timed out (TimeoutError is an OSError)
    asyncpg.PostgresConnectionError,  # SQLSTATE class 08
    asyncpg.ConnectionDoesNotExistError,
    pg.AdminShutdownError,  # 57P01: the server is stopping
    pg.CrashShutdownError,
    pg.CannotConnectNowError,  # 57P03: the server is starting
    psycopg.OperationalError,  # includes psycopg_pool's PoolTimeout
    psycopg.InterfaceError,
    persistence.OperationalError,  # eventsourcing's wrappers of psycopg's
    persistence.InterfaceError,
)
CLOSED = ("is closed", "is closing")
"""asyncpg's InterfaceError is also a misuse of the API; only these two mean a lost server."""

MESSAGE = "the database is unreachable; try again shortly"


def unreachable(error: BaseException) -> bool:
    if isinstance(error, UNREACHABLE):
        return True
    return isinstance(error, asyncpg.InterfaceError) and any(w in str(error) for w in CLOSED)


def never_connected(error: BaseException) -> bool:
    """The write's last try failed waiting for a pooled connection (psycopg_pool's timeout)."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, PoolTimeout):
            return True
        cause = cause.__cause__
    return False


def renew_stale_connections(pool: ConnectionPool[Any]) -> None:
    """Check a pooled connection before lending it, and once one is found dead (the server
    restarted), replace every idle one at once: psycopg_pool alone would try the next stale one
    after a backoff delay, and fail the write when its timeout passes first. (The writer's pool
    takes its check when eventsourcing makes it: it is replaced here.)"""

    def check(conn: psycopg.Connection[Any]) -> None:
        try:
            ConnectionPool.check_connection(conn)
        except Exception:
            pool.drain()
            raise

    pool._check = check


def refill(pool: ConnectionPool[Any]) -> None:
    """Open a connection now, once the database is back: psycopg_pool retries a lost connection
    with a doubling delay, so that writes would otherwise wait about as long again as the outage
    lasted. Growing the pool by one starts a connection at once."""
    low, high = pool.min_size, pool.max_size
    pool.resize(low + 1, max(high, low + 1))
    pool.resize(low, high)
