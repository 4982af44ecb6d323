"""What the log's events mean for the read model: each event, checked against the hash chain
and decoded, becomes rows of a batch (rows.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
from eventsourcing.persistence import StoredEvent

from projections.build.batch import Batch
from projections.build.chain_check import follows
from projections.build.halting import EventFailed
from projections.build.log import Entry
from projections.build.rows import RowBuilder

Decode = Callable[[StoredEvent], Any]
"""Turns a stored event into its domain event (the application's mapper)."""
OnEvent = Callable[[int], None]


class Projection:
    def __init__(self, decode: Decode) -> None:
        self.decode = decode
        self.builder = RowBuilder()

    def reload(self, conn: psycopg.Connection[Any]) -> None:
        self.builder.reload(conn)

    def process(
        self,
        conn: psycopg.Connection[Any],
        entries: list[Entry],
        tip: str,
        on_event: OnEvent | None = None,
    ) -> tuple[Batch, str]:
        """The batch of rows for the entries, and the chain digest they end on. EventFailed
        names the event that failed its chain check, decoding or building (on_event's errors
        pass through: they stand for a crash)."""
        self.builder.load_subjects(conn, {entry.originator_id for entry in entries})
        batch = Batch(
            first_position=entries[0].position,
            first_moment=entries[0].recorded_at,
            last_moment=entries[-1].recorded_at,
            tree_version=self.builder.tree.version,
        )
        for n, entry in enumerate(entries):
            try:
                tip = follows(tip, entry)
                stored = StoredEvent(
                    entry.originator_id, entry.originator_version, entry.topic, bytes(entry.state)
                )
                self.builder.add(batch, self.decode(stored), entry.position, entry.recorded_at)
            except Exception as error:  # the events before it go first, one at a time
                raise EventFailed.of(entries[: n + 1], error) from error
            if on_event:
                on_event(entry.position)
        return batch, tip
