"""GraphQL types of what the ledger learned in a window of transaction time: recordings (one
transaction of the log each, projections/read/learned.py), their edges and pages, and the read
that Query.learned and OrgUnit.learned share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from api.errors import BadInput
from api.graphql import cursors
from api.graphql.context import ctx
from api.graphql.types.events import Change, Event, PageInfo
from projections.read.learned import Reading, RecordingPage, RecordingView, Window, learned

WINDOW = "the half-open window (after, until] of transaction time: a recording made exactly at after is not in it, one made exactly at until is"
OVERLAPS = 'This is "recorded in", not "overlaps": XTDB\'s FOR SYSTEM_TIME BETWEEN a AND b gives the versions whose transaction-time interval overlaps [a, b] (a version recorded long before a and still believed is one); learned gives only what was recorded inside the window (docs/learned.md)'
VALID = "validFrom and validTo keep the changes of facts whose valid time (from the fact's valid date to its next one) overlaps [validFrom, validTo], and the recordings that have one; without either, every recording is listed, one that changed no value too"
PAGES = "A page holds up to first recordings (default 100, at most 500), never a recording in part, and ends early once it has examined 2,000 events; pass pageInfo.endCursor as cursor for the next (hasNextPage: recordings of the window remain after it; with validFrom or validTo, the next page may hold none)"


@strawberry.type(
    description="One recording: the events that one transaction of the log recorded together (one mutation, or one chunk of an import), all at one recordedAt that no other event has, with what they changed."
)
class Recording:
    view: strawberry.Private[RecordingView]

    @strawberry.field(
        description="The recording's transaction time: every event of it was recorded at this moment, and no other event."
    )
    def recorded_at(self) -> datetime:
        return self.view.recorded_at

    @strawberry.field(
        description="Who recorded it: the token's name, or the importer (one writer records a transaction)."
    )
    def actor(self) -> str:
        return self.view.actor

    @strawberry.field(
        description="The reason its events give; null where they give none or differ (each event keeps its own)."
    )
    def reason(self) -> str | None:
        return self.view.reason

    @strawberry.field(
        description="The document its events come from; null where they name none or differ (an import's chunk spans documents: each event keeps its own)."
    )
    def source(self) -> str | None:
        return self.view.source

    @strawberry.field(
        description="Its events that the filter selects (OrgUnit.learned: the unit's and those of what it owns), in log order."
    )
    def events(self) -> list[Event]:
        return [Event(view=view) for view in self.view.events]

    @strawberry.field(
        description="What it changed: for each fact its events put or closed, at the fact's valid date (validFrom), each field whose value in force then as known just before recordedAt (old) differs from the one known at recordedAt (new), as Event.changes computes them; with validFrom or validTo, only facts whose valid time overlaps them. Ordered by kind, subject (for an indicator, its point), valid date, key, then field: a total order."
    )
    def changes(self) -> list[Change]:
        return [
            Change(change=c.change, event_views=[Event(view=v) for v in c.events])
            for c in self.view.changes
        ]


@strawberry.type
class RecordingEdge:
    cursor: str = strawberry.field(
        description="Opaque: pass it as cursor to go on after this recording."
    )
    node: Recording


@strawberry.type(
    description="A page of recordings, oldest first (by recordedAt, which follows the log's order)."
)
class RecordingConnection:
    edges: list[RecordingEdge]
    page_info: PageInfo

    @classmethod
    def of(cls, page: RecordingPage) -> RecordingConnection:
        edges = [
            RecordingEdge(cursor=cursors.encode(r.end), node=Recording(view=r))
            for r in page.recordings
        ]
        end = cursors.encode(page.end) if page.end else None
        return cls(edges=edges, page_info=PageInfo(has_next_page=page.has_next, end_cursor=end))

    @classmethod
    def empty(cls, cursor: int) -> RecordingConnection:
        return cls.of(RecordingPage([], False, cursor))


@dataclass(frozen=True)
class Asked:
    """A learned field's arguments, as given."""

    after: datetime
    until: datetime | None
    valid_from: date | None
    valid_to: date | None
    first: int | None
    cursor: str | None


def checked(asked: Asked) -> None:
    for name, moment in (("after", asked.after), ("until", asked.until)):
        if moment is not None and moment.tzinfo is None:
            raise BadInput(f"{name}: {moment.isoformat()!r} needs a UTC offset")
    if asked.until is not None and asked.after > asked.until:
        raise BadInput(f"after: {asked.after.isoformat()} is later than until")
    if asked.valid_from and asked.valid_to and asked.valid_from > asked.valid_to:
        raise BadInput(f"validFrom: {asked.valid_from} is after validTo: {asked.valid_to}")


async def recordings(
    info: Info, asked: Asked, until: datetime, filters: dict[str, Any]
) -> RecordingConnection:
    """The page of recordings a learned field asks for, `until` settled by the caller (against
    the safe time, as knownAt is); the filter's recordedAfter and recordedUntil narrow the
    window."""
    start, size = cursors.decode(asked.cursor, "cursor"), cursors.page_size(asked.first)
    lower = [t for t in (asked.after, filters.pop("recorded_after", None)) if t is not None]
    upper = [t for t in (until, filters.pop("recorded_until", None)) if t is not None]
    window = Window(max(lower), min(upper), asked.valid_from, asked.valid_to)
    if window.after >= window.until:
        return RecordingConnection.empty(start)
    services = ctx(info).services
    reading = Reading(services.ledger.events_table, services.decode, services.labels)
    page = await ctx(info).reads.run(
        lambda conn: learned(conn, window, reading, after=start, first=size, **filters)
    )
    return RecordingConnection.of(page)


async def unit_recordings(
    info: Info, asked: Asked, unit_id: UUID, known_at: datetime
) -> RecordingConnection:
    """OrgUnit.learned: until defaults to the unit's knownAt."""
    checked(asked)
    until = known_at if asked.until is None else await ctx(info).known_at(asked.until)
    return await recordings(info, asked, until, {"owner_id": unit_id})


LEARNED = f"What the ledger learned in {WINDOW} (until: default now, settled against the safe time as knownAt is): the recordings made then, oldest first, each a transaction of the log with its events and what they changed (the value believed just before it and just after). {VALID}. {OVERLAPS}. {PAGES}."
UNIT_LEARNED = f"What the ledger learned about this unit and what it owns (its budget lines, tasks and indicators; not its descendants: as history) in {WINDOW} (until: default this unit's knownAt): Query.learned's recordings, each with this unit's events only. {VALID}. {PAGES}."
