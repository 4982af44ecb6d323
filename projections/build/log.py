"""The event log as the projector reads it: in batches by position, each event with its
chain digest."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.rows import args_row

from domain.proofs.chain import GENESIS


class Entry(NamedTuple):
    """One event of the log as stored, with the digest its chain link holds (None: none)."""

    position: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes
    recorded_at: datetime
    digest: bytes | None


class EventLog:
    def __init__(self, events_table: str) -> None:
        self.events_table = events_table
        self.read_sql = sql.SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state, "
            "recorded_at, c.digest FROM {} LEFT JOIN {} c USING (notification_id) "
            "WHERE notification_id > %s AND notification_id <= %s "
            "ORDER BY notification_id LIMIT %s"
        ).format(sql.Identifier(events_table), sql.Identifier(f"{events_table}_chain"))
        self.digest_before_sql = sql.SQL(
            "SELECT digest FROM {} WHERE notification_id <= %s "
            "ORDER BY notification_id DESC LIMIT 1"
        ).format(sql.Identifier(f"{events_table}_chain"))
        self.head_sql = sql.SQL("SELECT max(notification_id) FROM {}").format(
            sql.Identifier(events_table)
        )

    def read(
        self, conn: psycopg.Connection[Any], after: int, through: int, limit: int
    ) -> list[Entry]:
        """The events after position `after` up to `through`, `limit` at most, in order."""
        with conn.cursor(row_factory=args_row(Entry)) as cursor:
            return cursor.execute(self.read_sql, (after, through, limit)).fetchall()

    def head(self, conn: psycopg.Connection[Any]) -> int:
        row = conn.execute(self.head_sql).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def digest_before(self, conn: psycopg.Connection[Any], position: int) -> str:
        """The chain digest of the last event before `position` (the genesis for none)."""
        row = conn.execute(self.digest_before_sql, (position - 1,)).fetchone()
        return GENESIS if row is None else bytes(row[0]).hex()
