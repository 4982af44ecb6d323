"""No transaction holds the log's lock beyond a bound: a writer left idle in its transaction
loses its session, a writer that cannot get the lock, or runs a statement too long under it,
gives up at once with a coded error, and the next writer gets through."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from eventsourcing import persistence
from psycopg import sql

from api.runtime import Runtime
from ledger.database import Database
from ledger.recorder import LedgerRecorder, LogBusy
from ledger.settings import Timeouts
from tests.conftest import register
from tests.support.live import Live

TIGHT = Timeouts(lock=2, statement=1, idle_in_transaction=1)
REGISTER = """mutation($name: String!) {
  registerOrgUnit(input: {name: $name, validFrom: "2020-01-01"}) { orgUnit { id } } }"""


@pytest.fixture
def runtime(database: Database) -> Iterator[Runtime]:
    runtime = Runtime(database=Database(database.config.with_timeouts(TIGHT)))
    yield runtime
    runtime.close()


def lock_log(runtime: Runtime) -> sql.Composed:
    table = sql.Identifier(runtime.ledger.events_table)
    return sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(table)


def logged(runtime: Runtime) -> int:
    """How many events the log holds (a position given to a write rolled back is not one)."""
    table = sql.Identifier(runtime.ledger.events_table)
    with runtime.connect() as conn:
        row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(table)).fetchone()
    return int(row[0]) if row else 0


def untimed(runtime: Runtime) -> psycopg.Connection[tuple[object, ...]]:
    """A session with the server's defaults: no bound of ours on what it holds."""
    return psycopg.connect(**{**runtime.config.psycopg_kwargs(), "options": ""})


def test_a_writer_idle_in_its_transaction_loses_the_log_lock(runtime: Runtime) -> None:
    register(runtime, "서울특별시")
    waited: list[float] = []

    def other_writer() -> None:
        started = time.monotonic()
        register(runtime, "도시계획국")
        waited.append(time.monotonic() - started)

    writer = threading.Thread(target=other_writer)
    # A session of the writers' pool, configured as the recorder configures it, takes the lock
    # and then idles (a client stalled mid-transaction).
    with (
        pytest.raises(persistence.PersistenceError, match="idle-in-transaction timeout"),
        runtime.ledger.recorder.datastore.get_connection() as conn,
        conn.transaction(),
    ):
        conn.execute(lock_log(runtime))
        writer.start()
        writer.join(timeout=TIGHT.idle_in_transaction + TIGHT.lock + 2)
        assert waited and waited[0] < TIGHT.lock, "the other writer did not get through"
    assert logged(runtime) == 2


def test_a_write_stalled_under_the_lock_records_nothing_and_lets_the_next_in(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(runtime, "서울특별시")
    construct = LedgerRecorder.construct_pg_stored_event
    stalled = threading.Event()

    def stall_once(self: LedgerRecorder, *args: Any) -> Any:
        """The stalled writer's client stops between taking the log's lock and inserting."""
        if threading.current_thread().name == "stalled" and not stalled.is_set():
            stalled.set()
            time.sleep(TIGHT.idle_in_transaction + 1)  # the stall is the fault under test
        return construct(self, *args)

    monkeypatch.setattr(LedgerRecorder, "construct_pg_stored_event", stall_once)
    failures: list[BaseException] = []

    def write() -> None:
        try:
            register(runtime, "멈춘 부서")
        except BaseException as error:
            failures.append(error)

    writer = threading.Thread(target=write, name="stalled")
    writer.start()
    assert stalled.wait(5)
    started = time.monotonic()
    register(runtime, "도시계획국")
    assert time.monotonic() - started < TIGHT.lock
    writer.join(timeout=10)
    [failure] = failures
    assert isinstance(failure, LogBusy) and "idle-in-transaction" in str(failure)
    assert logged(runtime) == 2


def test_a_writer_kept_from_the_lock_is_answered_at_once_with_a_code(
    live: Live, editor: str
) -> None:
    runtime = live.runtime
    with untimed(runtime) as blocker, blocker.transaction():
        blocker.execute(lock_log(runtime))
        started = time.monotonic()
        with pytest.raises(LogBusy):
            register(runtime, "서울특별시")
        assert time.monotonic() - started < TIGHT.lock + 1.5  # not retried ten times
        started = time.monotonic()
        [error] = live.gql(REGISTER, {"name": "서울특별시"}, editor)["errors"]
        assert time.monotonic() - started < TIGHT.lock + 1.5
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "lock timeout" in error["message"] and "nothing was recorded" in error["message"]
    assert logged(runtime) == 0
    live.data(REGISTER, {"name": "서울특별시"}, editor)  # the lock is free: the next one is in


def test_a_statement_too_long_under_the_lock_ends_the_write(runtime: Runtime) -> None:
    register(runtime, "서울특별시")
    table = sql.Identifier(runtime.ledger.events_table)
    with untimed(runtime) as conn:
        conn.execute(
            "CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN PERFORM pg_sleep(5); RETURN NEW; END $$"
        )
        conn.execute(
            sql.SQL("CREATE TRIGGER slow BEFORE INSERT ON {} EXECUTE FUNCTION slow()").format(table)
        )
        conn.commit()
        started = time.monotonic()
        with pytest.raises(LogBusy, match="statement timeout"):
            register(runtime, "도시계획국")
        assert time.monotonic() - started < TIGHT.statement + 1.5
        conn.execute(sql.SQL("DROP TRIGGER slow ON {}").format(table))
        conn.commit()
    started = time.monotonic()
    register(runtime, "도시계획국")
    assert time.monotonic() - started < 1.0
    assert logged(runtime) == 2
