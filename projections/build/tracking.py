"""Where the read model's rows and its position are kept: the rows of a batch and the
position they reach are written in one transaction, with the safe time S it publishes
(projections/freshness.py), so that a crash neither applies an event twice nor skips one."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from prometheus_client import Gauge

from projections.build.batch import Batch, Subject
from projections.build.writer import Writer
from projections.schema import PROJECTED_CHANNEL, PROJECTION_NAME

POSITION = Gauge("govledger_projector_position", "Log position the read model has reached")
PUBLISH = (
    "UPDATE rm_meta SET position = %s, watermark = COALESCE(%s, watermark), "
    "safe_time = GREATEST(safe_time, %s) WHERE name = %s RETURNING safe_time"
)


class TrackingRecorder:
    def __init__(self) -> None:
        self.writer = Writer()

    def reload(self, conn: psycopg.Connection[Any]) -> None:
        self.writer.reload(conn)

    def position(self, conn: psycopg.Connection[Any]) -> int:
        row = conn.execute(
            "SELECT position FROM rm_meta WHERE name = %s", (PROJECTION_NAME,)
        ).fetchone()
        return int(row[0]) if row else 0

    def write(
        self, conn: psycopg.Connection[Any], batch: Batch, subjects: dict[UUID, Subject]
    ) -> None:
        self.writer.write(conn, batch, subjects)

    def publish(
        self,
        conn: psycopg.Connection[Any],
        position: int,
        watermark: datetime | None,
        safe: datetime,
    ) -> None:
        """Move the position and the safe time (never back), and tell the listeners."""
        row = conn.execute(PUBLISH, (position, watermark, safe, PROJECTION_NAME)).fetchone()
        assert row is not None
        conn.execute(
            "SELECT pg_notify(%s, %s)", (PROJECTED_CHANNEL, f"{position} {row[0].isoformat()}")
        )
        POSITION.set(position)
