"""The projector: follows the event log by position and applies it to the read model in
batches, recording its position in the same transaction as its rows, so that a crash neither
applies an event twice nor skips one. One projector runs at a time (an advisory lock); others
wait as standbys. It wakes on NOTIFY and polls as a safety net."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from prometheus_client import Counter, Gauge, Histogram
from psycopg import sql
from psycopg.types.json import Jsonb

from projections import changes
from projections.batch import Batch, FactRow, Subject
from projections.schema import (
    DDL,
    LAYOUT_VERSION,
    META_DDL,
    PROJECTED_CHANNEL,
    PROJECTION_NAME,
    TABLES,
)
from projections.tree import ParentLink, ParentTimelines

log = logging.getLogger(__name__)
PROJECTED = Counter("govledger_projected_events", "Events applied to the read model")
POSITION = Gauge("govledger_projector_position", "Log position the read model has reached")
BATCH_SECONDS = Histogram("govledger_projector_batch_seconds", "Time to apply one batch")

Decode = Callable[[StoredEvent], Any]
"""Turns a stored event into its domain event (the application's mapper)."""
Connect = Callable[[], psycopg.Connection[Any]]
Progress = Callable[[int, int], None]
LOCK_KEY = 0x60F1ED6E


class Projector:
    def __init__(
        self, connect: Connect, events_table: str, decode: Decode, batch_size: int = 1000
    ) -> None:
        self.connect = connect
        self.events_table = events_table
        self.decode = decode
        self.batch_size = batch_size
        self.subjects: dict[UUID, Subject] = {}
        self.tree = ParentTimelines()
        self.on_event: Callable[[int], None] | None = None
        self.stale = False
        self.read_log_sql = sql.SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state, recorded_at "
            "FROM {} WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
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

    def reset(self, conn: psycopg.Connection[Any]) -> None:
        """Drop the read model and start it anew at position 0 (a rebuild follows)."""
        log.info("rebuilding the read model from the log")
        self.stale = True
        for table in TABLES:
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
        conn.execute(DDL)
        conn.execute(
            "INSERT INTO rm_meta (name, layout_version, position) VALUES (%s, %s, 0) "
            "ON CONFLICT (name) DO UPDATE SET layout_version = EXCLUDED.layout_version, "
            "position = 0, watermark = NULL",
            (PROJECTION_NAME, LAYOUT_VERSION),
        )

    def load_tree(self, conn: psycopg.Connection[Any]) -> None:
        rows = conn.execute(
            "SELECT subject_id, valid_from, value->>'parent_id', recorded_from, recorded_to "
            "FROM rm_facts WHERE kind = 'org.parent' ORDER BY position"
        ).fetchall()
        for unit, valid_from, parent, recorded_from, recorded_to in rows:
            link = ParentLink(valid_from, UUID(parent) if parent else None, recorded_from)
            self.tree.add(unit, link)
            link.recorded_to = recorded_to

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
        """Apply the next batch in one transaction; return how many events it held."""
        if self.stale:
            self.subjects.clear()
            self.tree = ParentTimelines()
            self.load_tree(conn)
            self.stale = False
        try:
            with BATCH_SECONDS.time(), conn.transaction():
                start = self.position(conn)
                entries = conn.execute(self.read_log_sql, (start, self.batch_size)).fetchall()
                if entries:
                    self.apply(conn, entries)
                    conn.execute(
                        "SELECT pg_notify(%s, %s)", (PROJECTED_CHANNEL, str(entries[-1][0]))
                    )
        except BaseException:
            self.stale = True  # the in-memory caches saw a batch that was rolled back
            raise
        if entries:
            PROJECTED.inc(len(entries))
            POSITION.set(entries[-1][0])
        return len(entries)

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
                    self.follow(conn, stop, poll_interval)
            except psycopg.OperationalError:
                log.exception("projector lost its connection; reconnecting")
                stop.wait(poll_interval)

    def follow(self, conn: psycopg.Connection[Any], stop: threading.Event, poll: float) -> None:
        with self.connect() as listener:
            listener.autocommit = True
            listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.events_table)))
            while not stop.is_set():
                if self.step(conn) >= self.batch_size:
                    continue
                for _ in listener.notifies(timeout=poll, stop_after=1):
                    pass

    # -- applying a batch --------------------------------------------------------------------

    def apply(self, conn: psycopg.Connection[Any], entries: list[tuple[Any, ...]]) -> None:
        self.load_subjects(conn, {entry[1] for entry in entries})
        batch = Batch()
        touched: set[UUID] = set()
        for position, originator_id, version, topic, state, recorded_at in entries:
            event = self.decode(StoredEvent(originator_id, version, topic, bytes(state)))
            self.apply_event(batch, event, position, recorded_at)
            touched.add(originator_id)
            if self.on_event:
                self.on_event(position)
        self.write(conn, batch, touched, entries[-1])

    def apply_event(
        self, batch: Batch, event: Aggregate.Event, position: int, recorded_at: datetime
    ) -> None:
        subject = self.subject_for(event)
        subject.version = event.originator_version
        for change in changes.facts_of(event):
            key = (change.kind, change.subject_id, change.valid_from)
            row = None
            if isinstance(change, changes.Put):
                value = {**subject.attrs, **change.value}
                row = FactRow(*key, subject.owner_id, value, recorded_at, position)
                if change.kind == "org.parent":
                    parent = change.value["parent_id"]
                    link = ParentLink(
                        change.valid_from, UUID(parent) if parent else None, recorded_at
                    )
                    self.tree.add(change.subject_id, link)
            batch.change(key, recorded_at, row)
        on = changes.valid_date(event) or recorded_at.date()
        batch.events.append(
            (
                position,
                changes.public_type(event),
                event.originator_id,
                subject.subject_type,
                event.originator_version,
                changes.valid_date(event),
                recorded_at,
                getattr(event, "actor", "unknown"),
                getattr(event, "reason", None),
                getattr(event, "source", None),
                Jsonb(changes.event_data(event)),
                subject.owner_id,
                self.tree.path(subject.owner_id, on, recorded_at),
            )
        )

    def subject_for(self, event: Aggregate.Event) -> Subject:
        subject = self.subjects.get(event.originator_id)
        if subject is None:
            owner = changes.owner_of(event) or event.originator_id
            attrs = {}
            for name in ("fiscal_year", "kind"):
                if hasattr(event, name):
                    attrs[name] = getattr(event, name)
            subject = Subject(changes.subject_type(event), owner, 0, attrs)
            self.subjects[event.originator_id] = subject
        return subject

    def load_subjects(self, conn: psycopg.Connection[Any], ids: set[UUID]) -> None:
        missing = [i for i in ids if i not in self.subjects]
        if not missing:
            return
        rows = conn.execute(
            "SELECT subject_id, subject_type, owner_id, version, attrs FROM rm_subjects "
            "WHERE subject_id = ANY(%s)",
            (missing,),
        ).fetchall()
        for subject_id, subject_type, owner_id, version, attrs in rows:
            self.subjects[subject_id] = Subject(subject_type, owner_id, version, attrs)

    def write(
        self,
        conn: psycopg.Connection[Any],
        batch: Batch,
        touched: set[UUID],
        last: tuple[Any, ...],
    ) -> None:
        with conn.cursor() as cur:
            if batch.close_believed:
                keys = list(batch.close_believed.items())
                cur.execute(
                    "UPDATE rm_facts f SET recorded_to = u.t FROM unnest("
                    "%s::text[], %s::uuid[], %s::date[], %s::timestamptz[]) "
                    "AS u(kind, subject_id, valid_from, t) WHERE f.kind = u.kind "
                    "AND f.subject_id = u.subject_id AND f.valid_from = u.valid_from "
                    "AND f.recorded_to IS NULL",
                    (
                        [k[0] for k, _ in keys],
                        [k[1] for k, _ in keys],
                        [k[2] for k, _ in keys],
                        [t for _, t in keys],
                    ),
                )
            with cur.copy(
                "COPY rm_facts (kind, subject_id, valid_from, owner_id, value, recorded_from, "
                "recorded_to, position) FROM STDIN"
            ) as copy:
                for f in batch.facts:
                    copy.write_row(
                        (
                            f.kind,
                            f.subject_id,
                            f.valid_from,
                            f.owner_id,
                            Jsonb(f.value),
                            f.recorded_from,
                            f.recorded_to,
                            f.position,
                        )
                    )
            with cur.copy(
                "COPY rm_events (position, type, subject_id, subject_type, subject_version, "
                "valid_from, recorded_at, actor, reason, source, data, owner_id, unit_path) "
                "FROM STDIN"
            ) as copy:
                for row in batch.events:
                    copy.write_row(row)
            subjects = [(i, self.subjects[i]) for i in touched]
            cur.execute(
                "INSERT INTO rm_subjects (subject_id, subject_type, owner_id, version, attrs) "
                "SELECT * FROM unnest(%s::uuid[], %s::text[], %s::uuid[], %s::bigint[], "
                "%s::jsonb[]) ON CONFLICT (subject_id) DO UPDATE SET version = EXCLUDED.version",
                (
                    [i for i, _ in subjects],
                    [s.subject_type for _, s in subjects],
                    [s.owner_id for _, s in subjects],
                    [s.version for _, s in subjects],
                    [Jsonb(s.attrs) for _, s in subjects],
                ),
            )
            cur.execute(
                "UPDATE rm_meta SET position = %s, watermark = %s WHERE name = %s",
                (last[0], last[5], PROJECTION_NAME),
            )
