"""The projector: follows the event log by position and applies it to the read model in
batches, recording its position in the same transaction as its rows, so that a crash neither
applies an event twice nor skips one. One projector runs at a time (an advisory lock); others
wait as standbys. It wakes on NOTIFY, and on an idle heartbeat.

It also finds the safe time S for every reader (projections/freshness.py): before applying, it
asks the log for a barrier (head H, moment C); once it has applied the log through H, every
event recorded at or before C is in the read model, and it writes S = C into `rm_meta` in the
same transaction as the rows, then NOTIFYs the position and S. Within a long catch-up, a batch
that stops short of H publishes the moment just before its last event's stamp instead."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import orjson
import psycopg
from eventsourcing.persistence import StoredEvent
from prometheus_client import Counter, Gauge, Histogram
from psycopg import sql
from psycopg.types.json import set_json_dumps

from projections.batch import Batch
from projections.builder import RowBuilder
from projections.schema import (
    DDL,
    LAYOUT_VERSION,
    META_DDL,
    PROJECTED_CHANNEL,
    PROJECTION_NAME,
    READ_INDEXES,
    TABLES,
)
from projections.writer import Writer

log = logging.getLogger(__name__)
PROJECTED = Counter("govledger_projected_events", "Events applied to the read model")
POSITION = Gauge("govledger_projector_position", "Log position the read model has reached")
BATCH_SECONDS = Histogram("govledger_projector_batch_seconds", "Time to apply one batch")

Decode = Callable[[StoredEvent], Any]
"""Turns a stored event into its domain event (the application's mapper)."""
Connect = Callable[[], psycopg.Connection[Any]]
Barrier = Callable[[psycopg.Connection[Any]], tuple[int, datetime]]
"""The log's head H and a moment C: every event stamped at or before C is committed at or
below H, and every later commit is stamped after C (the ledger's recorder provides it)."""
Progress = Callable[[int, int], None]
LOCK_KEY = 0x60F1ED6E
HEARTBEAT_SECONDS = 0.25
MICROSECOND = timedelta(microseconds=1)
PUBLISH = (
    "UPDATE rm_meta SET position = %s, watermark = COALESCE(%s, watermark), "
    "safe_time = GREATEST(safe_time, %s) WHERE name = %s RETURNING safe_time"
)


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
        self.read_log_sql = sql.SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state, recorded_at "
            "FROM {} WHERE notification_id > %s AND notification_id <= %s "
            "ORDER BY notification_id LIMIT %s"
        ).format(sql.Identifier(events_table))

    # -- lifecycle ---------------------------------------------------------------------------

    @contextmanager
    def session(self, wait: bool = False) -> Iterator[psycopg.Connection[Any] | None]:
        """A connection holding the projector lock, or None when another projector has it."""
        with self.connect() as conn:
            conn.autocommit = True
            if wait:
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
            row = conn.execute(
                "SELECT layout_version FROM rm_meta WHERE name = %s", (PROJECTION_NAME,)
            ).fetchone()
            if row is None or row[0] != LAYOUT_VERSION:
                self.reset(conn)
        self.stale = True
        self.indexed = False

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
                entries = conn.execute(self.read_log_sql, (start, head, self.batch_size)).fetchall()
                if entries:
                    self.apply(conn, entries)
                reached = entries[-1][0] if entries else start
                if reached >= head:
                    safe, self.target = moment, None
                    self.index(conn)
                else:
                    safe = entries[-1][5] - MICROSECOND
                self.publish(conn, reached, entries[-1][5] if entries else None, safe)
        except BaseException:
            self.stale = True  # the in-memory caches saw a batch that was rolled back
            raise
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
        total = 0
        head = self.head(conn)
        while count := self.step(conn):
            total += count
            if progress:
                progress(self.position(conn), head)
        return total

    def run(self, stop: threading.Event, poll_interval: float = 1.0) -> None:
        """Follow the log until stop is set: as a standby while another projector runs."""
        while not stop.is_set():
            try:
                with self.session() as conn:
                    if conn is None:
                        stop.wait(poll_interval)
                        continue
                    self.follow(conn, stop)
            except psycopg.OperationalError:
                log.exception("projector lost its connection; reconnecting")
                stop.wait(poll_interval)

    def follow(self, conn: psycopg.Connection[Any], stop: threading.Event) -> None:
        with self.connect() as listener:
            listener.autocommit = True
            listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.events_table)))
            while not stop.is_set():
                if self.step(conn) >= self.batch_size:
                    continue
                for _ in listener.notifies(timeout=HEARTBEAT_SECONDS, stop_after=1):
                    pass

    # -- applying a batch --------------------------------------------------------------------

    def apply(self, conn: psycopg.Connection[Any], entries: list[tuple[Any, ...]]) -> None:
        self.builder.load_subjects(conn, {entry[1] for entry in entries})
        batch = Batch()
        for position, originator_id, version, topic, state, recorded_at in entries:
            event = self.decode(StoredEvent(originator_id, version, topic, bytes(state)))
            self.builder.add(batch, event, position, recorded_at)
            if self.on_event:
                self.on_event(position)
        self.writer.write(conn, batch, self.builder.subjects)
