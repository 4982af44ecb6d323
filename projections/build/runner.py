"""Who runs the projection: the projector follows the event log by position and applies it to
the read model in batches (projection.py), recording its position in the same transaction as
its rows (tracking.py) and the national rollup they change (rollup.py). One projector runs at a
time (an advisory lock); others wait as standbys. It wakes on NOTIFY, and on an idle heartbeat.

It also finds the safe time S for every reader (projections/freshness.py): before applying, it
asks the log for a barrier (head H, moment C); once it has applied the log through H, every
event recorded at or before C is in the read model, and it writes S = C into `rm_meta` in the
same transaction as the rows, then NOTIFYs the position and S. Within a long catch-up, a batch
that stops short of H publishes the moment just before its last event's stamp instead.

An event it cannot apply halts it at that event (halting.py): a batch that fails as a whole is
tried again one event at a time, so that the halt names the event, and everything before it is
applied. The projector's thread never ends on an error: it backs off and tries again."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import orjson
import psycopg
from prometheus_client import Counter, Histogram
from psycopg import sql
from psycopg.types.json import set_json_dumps

from projections import halt
from projections.build import layout
from projections.build.halting import EventFailed, Halting
from projections.build.log import Entry, EventLog
from projections.build.projection import Decode, OnEvent, Projection
from projections.build.rollup import Rollup
from projections.build.tracking import TrackingRecorder
from projections.halt import Halt

log = logging.getLogger(__name__)
PROJECTED = Counter("govledger_projected_events", "Events applied to the read model")
BATCH_SECONDS = Histogram("govledger_projector_batch_seconds", "Time to apply one batch")

Connect = Callable[[], psycopg.Connection[Any]]
Barrier = Callable[[psycopg.Connection[Any]], tuple[int, datetime]]
"""The log's head H and a moment C: every event stamped at or before C is committed at or
below H, and every later commit is stamped after C (the ledger's recorder provides it)."""
Progress = Callable[[int, int], None]
LOCK_KEY = 0x60F1ED6E
HEARTBEAT_SECONDS = 0.25
RETRY_SECONDS = (0.5, 30.0)
"""The first pause after a failure, doubling up to the second."""
RECONNECT_MOST_SECONDS = 2.0
"""A lost connection is tried again at least this often: writes wait for the read model."""
MICROSECOND = timedelta(microseconds=1)


class Projector:
    def __init__(
        self,
        connect: Connect,
        events_table: str,
        decode: Decode,
        barrier: Barrier,
        batch_size: int = 1000,
    ) -> None:
        self.connect = connect
        self.events_table = events_table
        self.barrier = barrier
        self.batch_size = batch_size
        self.log = EventLog(events_table)
        self.projection = Projection(decode)
        self.recorder = TrackingRecorder()
        self.rollup: Rollup | None = Rollup()
        """Keeps rm_rollup with each batch; None leaves it (only to measure what it costs)."""
        self.halting = Halting()
        self.on_event: OnEvent | None = None
        self.stale = False
        """The in-memory caches may not match the read model: reload them before a batch."""
        self.indexed = False
        self.target: tuple[int, datetime] | None = None
        self.one_by_one_until = 0
        """After a batch failed as a whole: apply the log one event at a time up to here."""
        self.retry_seconds = RETRY_SECONDS
        self.chain_tip: str | None = None
        """The digest of the last event applied, which the next one's must follow."""

    @property
    def halt(self) -> Halt | None:
        return self.halting.halt

    # -- lifecycle ---------------------------------------------------------------------------

    @contextmanager
    def session(self, wait: bool = False) -> Iterator[psycopg.Connection[Any] | None]:
        """A connection holding the projector lock, or None when another projector has it."""
        with self.connect() as conn:
            conn.autocommit = True
            if wait:
                with conn.transaction():  # a wait for the other projector is not bounded
                    conn.execute("SET LOCAL lock_timeout = 0; SET LOCAL statement_timeout = 0")
                    conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
            else:
                row = conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()
                if not row or not row[0]:
                    yield None
                    return
            conn.execute("SET synchronous_commit = off")
            set_json_dumps(orjson.dumps, conn)
            self.prepare(conn)
            yield conn

    def prepare(self, conn: psycopg.Connection[Any]) -> None:
        with conn.transaction():
            if layout.prepare(conn):
                self.halting.show(None)
            self.halting.load(conn)
        self.forget()

    def reset(self, conn: psycopg.Connection[Any]) -> None:
        """Drop the read model and start it anew at position 0 (a rebuild follows)."""
        layout.reset(conn)
        self.halting.show(None)
        self.forget()

    def forget(self) -> None:
        """What this process remembers of the read model is to be read again."""
        self.stale = True
        self.indexed = False
        self.one_by_one_until = 0

    # -- following the log -------------------------------------------------------------------

    def step(self, conn: psycopg.Connection[Any]) -> int:
        """Apply the next batch in one transaction and publish the safe time it reaches; return
        how many events it held (none when the read model is at the log's head)."""
        if self.stale:
            self.chain_tip = None
            self.projection.reload(conn)
            self.recorder.reload(conn)
            if self.rollup is not None:
                self.rollup.forget()
            self.target = None
            self.stale = False
        if self.target is None:
            self.target = self.barrier(conn)
        head, moment = self.target
        try:
            with BATCH_SECONDS.time(), conn.transaction():
                start = self.recorder.position(conn)
                limit = 1 if start < self.one_by_one_until else self.batch_size
                entries = self.log.read(conn, start, head, limit)
                if entries:
                    self.apply(conn, entries)
                reached = entries[-1].position if entries else start
                if reached >= head:
                    safe, self.target = moment, None
                    self.index(conn)
                else:
                    safe = entries[-1].recorded_at - MICROSECOND
                watermark = entries[-1].recorded_at if entries else None
                self.recorder.publish(conn, reached, watermark, safe)
                passed = self.halting.passed(reached)
                if passed:
                    halt.clear(conn)
        except BaseException:
            self.stale = True  # the in-memory caches saw a batch that was rolled back
            raise
        if passed:
            self.halting.resumed()
        PROJECTED.inc(len(entries))
        return len(entries)

    def apply(self, conn: psycopg.Connection[Any], entries: list[Entry]) -> None:
        """Build the batch's rows and write them, with the rows of the national rollup they
        change (rollup.py); EventFailed names the event, or the batch whose write failed."""
        tip = self.chain_tip or self.log.digest_before(conn, entries[0].position)
        batch, tip = self.projection.process(conn, entries, tip, self.on_event)
        builder = self.projection.builder
        try:
            self.recorder.write(conn, batch, builder.subjects)
            if self.rollup is not None:
                self.rollup.maintain(conn, batch, builder.tree, builder.statuses)
        except Exception as error:
            raise EventFailed.of(entries, error) from error
        self.chain_tip = tip

    def index(self, conn: psycopg.Connection[Any]) -> None:
        if not self.indexed:
            layout.index(conn)
            self.indexed = True

    def catch_up(self, conn: psycopg.Connection[Any], progress: Progress | None = None) -> int:
        """Apply the log up to its head, or up to an event that halts it (logged, not raised:
        a process starts all the same)."""
        total = 0
        head = self.log.head(conn)
        while count := self.advance(conn):
            total += count
            if progress:
                progress(self.recorder.position(conn), head)
        return total

    def run(self, stop: threading.Event, poll_interval: float = 1.0) -> None:
        """Follow the log until stop is set: as a standby while another projector runs. No
        error ends it: it reconnects, or tries again after a pause."""
        failures = 0
        while not stop.is_set():
            try:
                with self.session() as conn:
                    if conn is None:
                        stop.wait(poll_interval)
                        continue
                    failures = 0
                    self.follow(conn, stop)
            except psycopg.OperationalError as error:
                log.warning("projector lost its connection (%s); reconnecting", error)
                failures += 1
                stop.wait(min(self.pause(failures), RECONNECT_MOST_SECONDS))
            except Exception:
                log.exception("projector failed; trying again")
                failures += 1
                stop.wait(self.pause(failures))

    def follow(self, conn: psycopg.Connection[Any], stop: threading.Event) -> None:
        with self.connect() as listener:
            listener.autocommit = True
            listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.events_table)))
            tries = 0
            while not stop.is_set():
                count = self.advance(conn)
                if self.halt is not None and not count:
                    tries += 1
                    stop.wait(self.pause(tries))
                    continue
                tries = 0
                if count >= self.batch_size:
                    continue
                for _ in listener.notifies(timeout=HEARTBEAT_SECONDS, stop_after=1):
                    pass

    def pause(self, failures: int) -> float:
        first, most = self.retry_seconds
        return float(min(first * 2 ** min(failures - 1, 16), most))

    # -- halting at an event -------------------------------------------------------------------

    def advance(self, conn: psycopg.Connection[Any]) -> int:
        """`step`, halting at an event that cannot be applied: 0 then."""
        while True:
            try:
                return self.step(conn)
            except EventFailed as failed:
                if conn.broken:
                    raise psycopg.OperationalError(str(failed.error)) from failed.error
                if failed.count == 1:
                    self.halt_at(conn, failed)
                    return 0
                log.warning(
                    "a batch from position %s failed (%s); applying it one event at a time",
                    failed.position,
                    halt.error_text(failed.error),
                )
                self.one_by_one_until = failed.last

    def halt_at(self, conn: psycopg.Connection[Any], failed: EventFailed) -> None:
        """Record the halt, and publish the safe time just before the event: every event
        stamped earlier is applied (the event is the first after the read model's position),
        and every later commit is stamped after it."""
        with conn.transaction():
            self.halting.record(conn, failed)
            position = self.recorder.position(conn)
            self.recorder.publish(conn, position, None, failed.recorded_at - MICROSECOND)
