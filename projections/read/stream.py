"""The public log as a stream read once per process (api/fanout.py): pages of rm_events with
each event's unit path as it stood when the event was recorded, and the filter of
projections.read.queries.events evaluated in memory, with the same meaning."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from projections.read.queries import _event
from projections.read.units import Conn
from projections.views import EventView


@dataclass(frozen=True)
class Logged:
    view: EventView
    unit_path: frozenset[UUID]
    """The unit owning the subject and its ancestors when the event was recorded."""

    @property
    def position(self) -> int:
        return self.view.position


@dataclass(frozen=True)
class Filter:
    """types, unit_ids (a unit and its descendants as of recording) and subject_ids, each
    ignored when None: queries.events's `type = ANY`, `unit_path &&` and `subject_id = ANY`;
    recorded_after and recorded_until, the window (after, until] of transaction time."""

    types: frozenset[str] | None = None
    unit_ids: frozenset[UUID] | None = None
    subject_ids: frozenset[UUID] | None = None
    recorded_after: datetime | None = None
    recorded_until: datetime | None = None

    @classmethod
    def of(
        cls,
        types: Sequence[str] | None = None,
        unit_ids: Sequence[UUID] | None = None,
        subject_ids: Sequence[UUID] | None = None,
        recorded_after: datetime | None = None,
        recorded_until: datetime | None = None,
    ) -> Filter:
        def kept(values: Sequence[object] | None) -> frozenset[object] | None:
            return None if values is None else frozenset(values)

        chosen = (kept(types), kept(unit_ids), kept(subject_ids))
        return cls(*chosen, recorded_after, recorded_until)  # type: ignore[arg-type]

    def matches(self, logged: Logged) -> bool:
        view = logged.view
        return (
            (self.types is None or view.type in self.types)
            and (self.unit_ids is None or not self.unit_ids.isdisjoint(logged.unit_path))
            and (self.subject_ids is None or view.subject_id in self.subject_ids)
            and (self.recorded_after is None or view.recorded_at > self.recorded_after)
            and (self.recorded_until is None or view.recorded_at <= self.recorded_until)
        )


async def page_after(conn: Conn, position: int, first: int) -> list[Logged]:
    """Up to first events after position, in log order, whatever their type or unit."""
    rows = await conn.fetch(
        "SELECT * FROM rm_events WHERE position > $1 ORDER BY position LIMIT $2", position, first
    )
    return [Logged(_event(row), frozenset(row["unit_path"])) for row in rows]
