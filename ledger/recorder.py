"""eventsourcing's PostgreSQL application recorder, with three additions written in the same
transaction as the events:

- `recorded_at`: the transaction time of each event, taken after the table lock is acquired, so
  that it follows commit order (one timestamp per transaction, strictly increasing);
- idempotency keys, so that a crash can never keep the events without the key or the key
  without the events;
- the hash chain and the Merkle tree over it (ledger/integrity/chain.py,
  ledger/integrity/tree.py), whose reads it offers as `tree` (ledger/integrity/tree_reads.py).

It also keeps the floor of the next stamp: `barrier` (which the projector calls to find a safe
time) raises it to the moment it returns, so that a stamp can never fall at or before a safe time
already published, even if the database clock steps back.

A write transaction is bounded: eventsourcing's own settings bound the wait for the log's lock
(POSTGRES_LOCK_TIMEOUT) and a transaction left idle (POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT:
the server then ends the session), and `bound` adds a statement timeout once it holds the lock.
A lock or statement timeout, or the end of an idle transaction, is `LogBusy`, answered at once
rather than retried.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
import psycopg
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    PersistenceError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Identifier

from ledger.integrity.chain import RECORDED_AT_SETTING, ChainStore
from ledger.integrity.tree_reads import LedgerTree, TreeReads

STATEMENT_SECONDS = 30
TIMED_OUT = (
    psycopg.errors.LockNotAvailable,
    psycopg.errors.QueryCanceled,
    psycopg.errors.IdleInTransactionSessionTimeout,
)


class LogBusy(Exception):
    """The log's lock was not granted, a statement under it ran too long, or the transaction
    idled too long (the server ended it): nothing of it was recorded, and the same write may be
    sent again."""


@dataclass(frozen=True)
class IdempotencyRecord:
    scope: str
    key: str
    request_hash: str
    subject_id: UUID
    subject_type: str
    version: int


class LedgerRecorder(PostgresApplicationRecorder):
    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(self.datastore.schema)
        table = Identifier(self.events_table_name)
        self.idempotency_table = Identifier(f"{self.events_table_name}_idempotency")
        self.floor_table = Identifier(f"{self.events_table_name}_floor")
        self.chain = ChainStore(self.datastore.schema, self.events_table_name)
        self.tree = LedgerTree(self.datastore.get_connection, TreeReads(self.chain.tree))
        self.sql_create_statements.extend(self.chain.create_statements)
        self.sql_create_statements.append(
            SQL(
                "ALTER TABLE {schema}.{table} ADD COLUMN IF NOT EXISTS recorded_at timestamptz "
                "NOT NULL DEFAULT COALESCE("
                "NULLIF(current_setting('{setting}', true), '')::timestamptz, clock_timestamp())"
            ).format(schema=schema, table=table, setting=SQL(RECORDED_AT_SETTING))
        )
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{keys} ("
                "scope text NOT NULL, key text NOT NULL, request_hash text NOT NULL, "
                "subject_id uuid NOT NULL, subject_type text NOT NULL, version bigint NOT NULL, "
                "PRIMARY KEY (scope, key))"
            ).format(schema=schema, keys=self.idempotency_table)
        )
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{floor} ("
                "id int PRIMARY KEY CHECK (id = 1), at timestamptz NOT NULL)"
            ).format(schema=schema, floor=self.floor_table)
        )
        self.sql_create_statements.append(
            SQL(
                "INSERT INTO {schema}.{floor} VALUES (1, '-infinity') ON CONFLICT DO NOTHING"
            ).format(schema=schema, floor=self.floor_table)
        )
        # The library's insert, its rows sent in binary: the text form spells each state out
        # in hex inside quoted composites, ten times the work of the client for a large chunk.
        self.insert_events_statement = SQL(
            "INSERT INTO {schema}.{table} AS t (originator_id, originator_version, topic, state) "
            "SELECT originator_id, originator_version, topic, state "
            "FROM unnest(%b::{schema}.{stored_event_type}[]) RETURNING notification_id"
        ).format(
            schema=schema, table=table, stored_event_type=Identifier(self.stored_event_type_name)
        )
        self.taking_lock = list(self.lock_table_statements)  # the library's lock_timeout and LOCK
        self.stamp_statement = SQL(
            "SELECT set_config('{setting}', GREATEST(clock_timestamp(), ("
            "SELECT recorded_at + interval '1 microsecond' FROM {schema}.{table} "
            "ORDER BY notification_id DESC LIMIT 1), ("
            "SELECT at + interval '1 microsecond' FROM {schema}.{floor}))::text, true)"
        ).format(
            schema=schema, table=table, floor=self.floor_table, setting=SQL(RECORDED_AT_SETTING)
        )
        self.lock_table_statements = [*self.taking_lock, self.stamp_statement]
        self.bound(STATEMENT_SECONDS)
        self.barrier_statements = (
            SQL("LOCK TABLE {schema}.{table} IN SHARE MODE").format(schema=schema, table=table),
            SQL(
                "UPDATE {schema}.{floor} SET at = GREATEST(at, clock_timestamp()) "
                "RETURNING (SELECT max(notification_id) FROM {schema}.{table}), at"
            ).format(schema=schema, table=table, floor=self.floor_table),
        )
        self.insert_key_statement = SQL(
            "INSERT INTO {schema}.{keys} "
            "(scope, key, request_hash, subject_id, subject_type, version) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING key"
        ).format(schema=schema, keys=self.idempotency_table)
        self.select_key_statement = SQL(
            "SELECT * FROM {schema}.{keys} WHERE scope = %s AND key = %s"
        ).format(schema=schema, keys=self.idempotency_table)
        self.select_many_statement = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {schema}.{table} "
            "WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version"
        ).format(schema=schema, table=table)
        self.select_recorded_at_statement = SQL(
            "SELECT notification_id, recorded_at FROM {schema}.{table} "
            "WHERE notification_id = ANY(%s)"
        ).format(schema=schema, table=table)

    def bound(self, statement_seconds: int) -> None:
        """Bound each statement of a write transaction once it holds the log's lock (the wait
        for the lock has its own bound)."""
        self.lock_and_notify_statement = SQL("; ").join(
            [
                *self.taking_lock,
                SQL("SET LOCAL statement_timeout = '{}s'").format(statement_seconds),
                self.stamp_statement,
                SQL("NOTIFY {}").format(Identifier(self.channel_name)),
            ]
        )

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        try:
            return self._insert_under_lock(stored_events, **kwargs)
        except PersistenceError as error:
            if isinstance(error.__cause__, TIMED_OUT):
                raise LogBusy(
                    f"the event log is busy ({error.__cause__.diag.message_primary}); nothing "
                    "was recorded; send the write again shortly"
                ) from error
            raise

    def _insert_under_lock(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """The library's insert, without psycopg's pipeline mode: one transaction of a few
        round trips (the idempotency key, the lock and stamp, the rows). In pipeline mode a
        transaction of several hundred kilobytes could hang in `Pipeline.sync` while holding
        the log's lock (psycopg 3.3.9)."""
        chained = [_chained(e) for e in stored_events]  # decoded before the lock is taken
        with self.datastore.transaction(commit=True) as curs:
            self._insert_events(curs, stored_events, **kwargs)
            if not stored_events:
                return []
            curs.execute(self.lock_and_notify_statement)
            rows = [
                self.construct_pg_stored_event(
                    e.originator_id, e.originator_version, e.topic, e.state
                )
                for e in stored_events
            ]
            curs.execute(self.insert_events_statement, (rows,))
            ids = self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
            self.chain.stamp(curs, sorted(ids or ()), chained)
            return ids

    def _insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        record: IdempotencyRecord | None = kwargs.get("idempotency")
        if record is not None:
            curs.execute(
                self.insert_key_statement,
                (
                    record.scope,
                    record.key,
                    record.request_hash,
                    record.subject_id,
                    record.subject_type,
                    record.version,
                ),
            )
            # Fetched at once: a key taken by a concurrent writer is then always this
            # IntegrityError, never a pipeline aborted later on.
            if curs.fetchone() is None:
                raise IntegrityError(f"idempotency key {record.key!r} is already recorded")
        super()._insert_events(curs, stored_events, **kwargs)

    def barrier(self, conn: psycopg.Connection[Any]) -> tuple[int, datetime]:
        """The log's head H and a moment C such that every event stamped at or before C is
        committed at or below H, and every event committed afterwards is stamped after C.

        The SHARE lock waits out a writer mid-commit (writers stamp and insert under the
        EXCLUSIVE lock); raising the floor to C keeps later stamps above it."""
        lock, floor = self.barrier_statements
        with conn.transaction():
            conn.execute(lock)
            row = conn.execute(floor).fetchone()
        assert row is not None
        return int(row[0] or 0), row[1]

    def find_idempotency(self, scope: str, key: str) -> IdempotencyRecord | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.select_key_statement, (scope, key))
            row = curs.fetchone()
        if row is None:
            return None
        return IdempotencyRecord(
            row["scope"],
            row["key"],
            row["request_hash"],
            row["subject_id"],
            row["subject_type"],
            row["version"],
        )

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_events_of(self, originator_ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
        """The stored events of many aggregates, each in version order, read in one query (one
        snapshot): an aggregate with no events has no entry."""
        found: dict[UUID, list[StoredEvent]] = {}
        if not originator_ids:
            return found
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(self.select_many_statement, (list(originator_ids),))
            for subject, version, topic, state in curs:
                found.setdefault(subject, []).append(
                    StoredEvent(subject, version, topic, bytes(state))
                )
        return found

    def recorded_at(self, notification_ids: Sequence[int]) -> dict[int, datetime]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.select_recorded_at_statement, (list(notification_ids),))
            return {row["notification_id"]: row["recorded_at"] for row in curs.fetchall()}


def _chained(event: StoredEvent) -> tuple[Any, ...]:
    """What the chain needs of an event, its data decoded (its position and recorded time come
    from the log)."""
    return (event.originator_id, event.originator_version, event.topic, orjson.loads(event.state))
