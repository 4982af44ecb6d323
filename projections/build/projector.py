"""The projector: follows the event log by position and applies it to the read model in
batches, recording its position in the same transaction as its rows, so that a crash neither
applies an event twice nor skips one. One projector runs at a time (an advisory lock); others
wait as standbys. It wakes on NOTIFY, and on an idle heartbeat.

It also finds the safe time S for every reader (projections/freshness.py): before applying, it
asks the log for a barrier (head H, moment C); once it has applied the log through H, every
event recorded at or before C is in the read model, and it writes S = C into `rm_meta` in the
same transaction as the rows, then NOTIFYs the position and S. Within a long catch-up, a batch
that stops short of H publishes the moment just before its last event's stamp instead.

An event it cannot apply halts it at that event (projections/halt.py): a batch that fails as a
whole is tried again one event at a time, so that the halt names the event, and everything
before it is applied. The projector's thread never ends on an error: it backs off and tries
again."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
import psycopg
from eventsourcing.persistence import StoredEvent
from prometheus_client import Counter, Gauge, Histogram
from psycopg import sql
from psycopg.types.json import set_json_dumps

from domain.chain import GENESIS, ChainedEvent, digest
from projections import halt
from projections.build.batch import Batch
from projections.build.rows import RowBuilder
from projections.halt import Halt
from projections.schema import (
    DDL,
    HAS_HALT_COLUMNS,
    LAYOUT_VERSION,
    META_DDL,
    META_HALT_COLUMNS,
    PROJECTED_CHANNEL,
    PROJECTION_NAME,
    READ_INDEXES,
    TABLES,
)
from projections.build.writer import Writer

log = logging.getLogger(__name__)
PROJECTED = Counter("govledger_projected_events", "Events applied to the read model")
POSITION = Gauge("govledger_projector_position", "Log position the read model has reached")
BATCH_SECONDS = Histogram("govledger_projector_batch_seconds", "Time to apply one batch")
HALTED = Gauge("govledger_projector_halted", "1 while the projector is halted at an event")
HALTED_AT = Gauge(
    "govledger_projector_halted_position", "Log position of the event it is halted at (0: none)"
)

Decode = Callable[[StoredEvent], Any]
"""Turns a stored event into its domain event (the application's mapper)."""
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
PUBLISH = (
    "UPDATE rm_meta SET position = %s, watermark = COALESCE(%s, watermark), "
    "safe_time = GREATEST(safe_time, %s) WHERE name = %s RETURNING safe_time"
)


@dataclass
class EventFailed(Exception):
    """Applying the log from `position` to `last` failed; with `count` 1, that event is the
    cause."""

    position: int
    topic: str
    recorded_at: datetime
    count: int
    last: int
    error: BaseException

    @classmethod
    def of(cls, entries: list[tuple[Any, ...]], error: BaseException) -> EventFailed:
        first = entries[0]
        return cls(first[0], first[3], first[5], len(entries), entries[-1][0], error)


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
        self.decode = decode
        self.barrier = barrier
        self.batch_size = batch_size
        self.builder = RowBuilder()
        self.writer = Writer()
        self.on_event: Callable[[int], None] | None = None
        self.stale = False
        self.indexed = False
        self.target: tuple[int, datetime] | None = None
        self.halt: Halt | None = None
        self.one_by_one_until = 0
        """After a batch failed as a whole: apply the log one event at a time up to here."""
        self.retry_seconds = RETRY_SECONDS
        self.reported: tuple[int, str] | None = None
        self.read_log_sql = sql.SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state, "
            "recorded_at, c.digest FROM {} LEFT JOIN {} c USING (notification_id) "
            "WHERE notification_id > %s AND notification_id <= %s "
            "ORDER BY notification_id LIMIT %s"
        ).format(sql.Identifier(events_table), sql.Identifier(f"{events_table}_chain"))
        self.digest_before_sql = sql.SQL(
            "SELECT digest FROM {} WHERE notification_id <= %s "
            "ORDER BY notification_id DESC LIMIT 1"
        ).format(sql.Identifier(f"{events_table}_chain"))
        self.chain_tip: str | None = None
        """The digest of the last event applied, which the next one's must follow."""

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
            conn.execute(META_DDL)
            if conn.execute(HAS_HALT_COLUMNS).fetchone() is None:
                conn.execute(META_HALT_COLUMNS)
            row = conn.execute(
                "SELECT layout_version FROM rm_meta WHERE name = %s", (PROJECTION_NAME,)
            ).fetchone()
            if row is None or row[0] != LAYOUT_VERSION:
                self.reset(conn)
            self.show(self.recorded_halt(conn))
        self.stale = True
        self.indexed = False
        self.one_by_one_until = 0

    def reset(self, conn: psycopg.Connection[Any]) -> None:
        """Drop the read model and start it anew at position 0 (a rebuild follows)."""
        log.info("rebuilding the read model from the log")
        self.stale = True
        self.indexed = False
        for table in TABLES:
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
        conn.execute(META_DDL)
        conn.execute(DDL)
        conn.execute(
            "INSERT INTO rm_meta (name, layout_version, position) VALUES (%s, %s, 0) "
            "ON CONFLICT (name) DO UPDATE SET layout_version = EXCLUDED.layout_version, "
            "position = 0, watermark = NULL, safe_time = NULL",
            (PROJECTION_NAME, LAYOUT_VERSION),
        )
        self.show(None)

    # -- following the log -------------------------------------------------------------------

    def position(self, conn: psycopg.Connection[Any]) -> int:
        row = conn.execute(
            "SELECT position FROM rm_meta WHERE name = %s", (PROJECTION_NAME,)
        ).fetchone()
        return int(row[0]) if row else 0

    def head(self, conn: psycopg.Connection[Any]) -> int:
        row = conn.execute(
            sql.SQL("SELECT max(notification_id) FROM {}").format(sql.Identifier(self.events_table))
        ).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def step(self, conn: psycopg.Connection[Any]) -> int:
        """Apply the next batch in one transaction and publish the safe time it reaches; return
        how many events it held (none when the read model is at the log's head)."""
        if self.stale:
            self.chain_tip = None
            self.builder.reload(conn)
            self.writer.reload(conn)
            self.target = None
            self.stale = False
        if self.target is None:
            self.target = self.barrier(conn)
        head, moment = self.target
        try:
            with BATCH_SECONDS.time(), conn.transaction():
                start = self.position(conn)
                limit = 1 if start < self.one_by_one_until else self.batch_size
                entries = conn.execute(self.read_log_sql, (start, head, limit)).fetchall()
                if entries:
                    self.apply(conn, entries)
                reached = entries[-1][0] if entries else start
                if reached >= head:
                    safe, self.target = moment, None
                    self.index(conn)
                else:
                    safe = entries[-1][5] - MICROSECOND
                self.publish(conn, reached, entries[-1][5] if entries else None, safe)
                passed = self.halt is not None and reached >= self.halt.position
                if passed:
                    conn.execute(halt.CLEAR, (PROJECTION_NAME,))
        except BaseException:
            self.stale = True  # the in-memory caches saw a batch that was rolled back
            raise
        if passed:
            self.resumed()
        if entries:
            PROJECTED.inc(len(entries))
            POSITION.set(entries[-1][0])
        return len(entries)

    def index(self, conn: psycopg.Connection[Any]) -> None:
        """Create the indexes reads need, once a rebuild has reached the head of the log."""
        if self.indexed:
            return
        row = conn.execute(
            "SELECT indexed FROM rm_meta WHERE name = %s", (PROJECTION_NAME,)
        ).fetchone()
        if row is not None and not row[0]:
            log.info("creating the read model's indexes")
            conn.execute("SET LOCAL statement_timeout = 0")  # once, over the whole read model
            conn.execute(READ_INDEXES)
            conn.execute("UPDATE rm_meta SET indexed = true WHERE name = %s", (PROJECTION_NAME,))
        self.indexed = True

    def publish(
        self,
        conn: psycopg.Connection[Any],
        position: int,
        watermark: datetime | None,
        safe: datetime,
    ) -> None:
        row = conn.execute(PUBLISH, (position, watermark, safe, PROJECTION_NAME)).fetchone()
        assert row is not None
        conn.execute(
            "SELECT pg_notify(%s, %s)", (PROJECTED_CHANNEL, f"{position} {row[0].isoformat()}")
        )

    def catch_up(self, conn: psycopg.Connection[Any], progress: Progress | None = None) -> int:
        """Apply the log up to its head, or up to an event that halts it (logged, not raised:
        a process starts all the same)."""
        total = 0
        head = self.head(conn)
        while count := self.advance(conn):
            total += count
            if progress:
                progress(self.position(conn), head)
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
        """Record the halt where every process sees it, and publish the safe time just before
        the event: every event stamped earlier is applied (the event is the first after the
        read model's position), and every later commit is stamped after it."""
        kind, error = halt.event_type(failed.topic), halt.error_text(failed.error)
        if self.reported != (failed.position, error):
            self.reported = (failed.position, error)
            log.error("%s", Halt(failed.position, kind, error).describe(), exc_info=failed.error)
        with conn.transaction():
            params = {"position": failed.position, "type": kind, "error": error}
            row = conn.execute(halt.RECORD, {**params, "name": PROJECTION_NAME}).fetchone()
            self.publish(conn, self.position(conn), None, failed.recorded_at - MICROSECOND)
        self.show(Halt(failed.position, kind, error, row[0] if row else None))

    def resumed(self) -> None:
        assert self.halt is not None
        log.warning("projection continues past position %s", self.halt.position)
        self.reported = None
        self.show(None)

    def show(self, found: Halt | None) -> None:
        self.halt = found
        HALTED.set(0 if found is None else 1)
        HALTED_AT.set(0 if found is None else found.position)

    def recorded_halt(self, conn: psycopg.Connection[Any]) -> Halt | None:
        row = conn.execute(halt.READ, (PROJECTION_NAME,)).fetchone()
        if row is None or row[0] is None:
            return None
        return Halt(int(row[0]), row[1] or "", row[2] or "", row[3])

    # -- applying a batch --------------------------------------------------------------------

    def apply(self, conn: psycopg.Connection[Any], entries: list[tuple[Any, ...]]) -> None:
        """Build the batch's rows and write them; EventFailed names the event that failed to
        decode or build, or the batch whose write failed (on_event's errors pass through: they
        stand for a crash)."""
        self.builder.load_subjects(conn, {entry[1] for entry in entries})
        batch = Batch()
        tip = self.chain_tip or self.digest_before(conn, entries[0][0])
        for n, entry in enumerate(entries):
            position, originator_id, version, topic, state, recorded_at, _ = entry
            try:
                tip = follows(tip, entry)
                event = self.decode(StoredEvent(originator_id, version, topic, bytes(state)))
                self.builder.add(batch, event, position, recorded_at)
            except Exception as error:  # the events before it go first, one at a time
                raise EventFailed.of(entries[: n + 1], error) from error
            if self.on_event:
                self.on_event(position)
        try:
            self.writer.write(conn, batch, self.builder.subjects)
        except Exception as error:
            raise EventFailed.of(entries, error) from error
        self.chain_tip = tip

    def digest_before(self, conn: psycopg.Connection[Any], position: int) -> str:
        row = conn.execute(self.digest_before_sql, (position - 1,)).fetchone()
        return GENESIS if row is None else bytes(row[0]).hex()


class ChainBroken(Exception):
    """An event whose digest does not follow the chain: altered, or after a removed one."""


def follows(previous: str, entry: tuple[Any, ...]) -> str:
    """The event's digest, checked against the chain before it (docs/hash-chain.md)."""
    position, subject, version, topic, state, recorded_at, stored = entry
    if stored is None:
        raise ChainBroken(f"hash chain: event {position} has no digest")
    event = ChainedEvent(position, recorded_at, subject, version, topic, orjson.loads(state))
    found = bytes(stored).hex()
    if digest(event, previous) != found:
        raise ChainBroken(
            f"hash chain broken at position {position}: the event was altered, or an event "
            "just before it was removed; run `govledger verify`"
        )
    return found
