"""Which failures mean the database is out of reach (answered SERVICE_UNAVAILABLE, never an
internal error), which writes may be tried again, and the LISTEN connection's backoff."""

from __future__ import annotations

import asyncpg
import psycopg
import pytest
from eventsourcing import persistence
from psycopg_pool import PoolTimeout

from ledger.outages import never_connected, unreachable
from projections.listener import MAX_PAUSE, Listener


@pytest.mark.parametrize(
    "error",
    [
        FileNotFoundError(2, "No such file or directory"),  # the socket of a stopped server
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError(),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.InterfaceError("pool is closing"),
        asyncpg.InterfaceError("connection is closed"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator"),
        psycopg.OperationalError("consuming input failed: server closed the connection"),
        persistence.OperationalError("couldn't get a connection after 1.00 sec"),
    ],
)
def test_a_lost_or_refused_connection_is_unreachable(error: BaseException) -> None:
    assert unreachable(error)


@pytest.mark.parametrize(
    "error",
    [
        ValueError("bad input"),
        asyncpg.InterfaceError("cannot call Connection.fetch(): connection has been released"),
        asyncpg.exceptions.UniqueViolationError("duplicate key"),
        psycopg.errors.UniqueViolation("duplicate key"),
        persistence.IntegrityError("duplicate key"),
    ],
)
def test_other_failures_are_not(error: BaseException) -> None:
    assert not unreachable(error)


def test_only_a_write_that_got_no_connection_may_be_tried_again() -> None:
    waited = persistence.OperationalError("couldn't get a connection after 1.00 sec")
    waited.__cause__ = PoolTimeout("couldn't get a connection after 1.00 sec")
    lost = persistence.OperationalError("server closed the connection unexpectedly")
    lost.__cause__ = psycopg.OperationalError("server closed the connection unexpectedly")
    assert never_connected(waited)
    assert not never_connected(lost)


def test_the_listener_retries_soon_then_backs_off_up_to_a_bound() -> None:
    listener = Listener({}, check_seconds=1.0)
    pauses = [listener.pause(failures) for failures in range(1, 12)]
    assert listener.pause(0) == 1.0
    assert pauses[0] < 0.5
    assert pauses[3] > pauses[0] * 4
    assert max(pauses) <= MAX_PAUSE * 1.2
