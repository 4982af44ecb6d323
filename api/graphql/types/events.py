"""GraphQL types of the event log: events, what each changed, their edges and pages, and the
filter. Event and Change refer to each other (an event's changes, a change's events): one
module, so that Strawberry resolves each name here."""

from __future__ import annotations

from datetime import date, datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.errors import BadInput
from api.graphql import cursors
from api.graphql.context import ctx
from domain.proofs.chain import GENESIS
from projections.read.changes import FieldChange
from projections.views import EventPage, EventView


@strawberry.type
class Event:
    view: strawberry.Private[EventView]

    @strawberry.field(
        description="Opaque cursor of this event in the global log; pass it as after to resume."
    )
    def cursor(self) -> str:
        return cursors.encode(self.view.position)

    @strawberry.field
    def type(self) -> str:
        return self.view.type

    @strawberry.field(
        description="The aggregate the event belongs to, and its kind (e.g. OrgUnit, BudgetLine, Task)."
    )
    def subject_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.view.subject_id))

    @strawberry.field
    def subject_type(self) -> str:
        return self.view.subject_type

    @strawberry.field(description="The subject's version after this event.")
    def subject_version(self) -> int:
        return self.view.subject_version

    @strawberry.field(
        description="Reference date the event's facts take effect; null for events without one."
    )
    def valid_from(self) -> date | None:
        return self.view.valid_from

    @strawberry.field
    def recorded_at(self) -> datetime:
        return self.view.recorded_at

    @strawberry.field(description="Who recorded it: the token's name, or the importer.")
    def actor(self) -> str:
        return self.view.actor

    @strawberry.field
    def reason(self) -> str | None:
        return self.view.reason

    @strawberry.field(
        description="The document the facts come from, e.g. 004_b40a5c2b04908ad5.txt."
    )
    def source(self) -> str | None:
        return self.view.source

    @strawberry.field(description="The event's own fields, as recorded (camelCase).")
    async def data(self, info: Info) -> JSON:
        services = ctx(info).services
        return cast(JSON, await ctx(info).loaders.event_data(self.view.position, services.decode))

    @strawberry.field(
        description="SHA-256 (hex) of this event's canonical encoding, which includes previousDigest: the log's hash chain (docs/hash-chain.md)."
    )
    async def digest(self, info: Info) -> str | None:
        return (await ctx(info).loaders.digests(self.view.position))[0]

    @strawberry.field(
        description="The digest of the event before this one in the log (64 zeros for the first event)."
    )
    async def previous_digest(self, info: Info) -> str | None:
        digest, before = await ctx(info).loaders.digests(self.view.position)
        return None if digest is None else (before or GENESIS)

    @strawberry.field(
        description="What the event changed: each field of the facts it put or closed, its value as of the event's valid date known just before the event was recorded (old) and once it was (new); key and field as OrgUnit.changes gives them, and in its order (kind, subject, key, then field)."
    )
    async def changes(self, info: Info) -> list[Change]:
        context = ctx(info)
        view = self.view
        found = await context.loaders.event_changes(
            view.position, view.recorded_at, context.services.decode
        )
        return [Change(change=change, event_views=[self]) for change in found]

    @strawberry.field(
        description="The event's leaf in the log's Merkle tree (RFC 9162): its ordinal in the log, 0 for the first (positions may have gaps; leaf indices have none). inclusionProof(leafIndex:) proves the event is in a signed checkpoint (docs/proofs.md)."
    )
    async def leaf_index(self, info: Info) -> int | None:
        leaf = await ctx(info).loaders.leaf(self.view.position)
        return None if leaf is None else leaf.index

    @strawberry.field(
        description="The leaf's hash in the tree, hex: SHA-256(0x00 || the 32 bytes of digest)."
    )
    async def leaf_hash(self, info: Info) -> str | None:
        leaf = await ctx(info).loaders.leaf(self.view.position)
        return None if leaf is None else leaf.hash


@strawberry.type(description="One value that differs between two dates.")
class Change:
    change: strawberry.Private[FieldChange]
    event_views: strawberry.Private[list[Event]]

    @strawberry.field(
        description="staffing, budget, task, indicator, org.name, org.parent or org.status."
    )
    def kind(self) -> str:
        return self.change.kind

    @strawberry.field(
        description="The unit (staffing, org.*), budget line, task or indicator that changed."
    )
    def subject_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.change.subject_id))

    @strawberry.field
    def subject_type(self) -> str:
        return self.change.subject_type

    @strawberry.field(description="The unit that owns the subject.")
    def owner_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.change.owner_id))

    @strawberry.field(
        description="The unit's name, the line's item, the task's title or the indicator's name."
    )
    def label(self) -> str:
        return self.change.label

    @strawberry.field(
        description="The staffing series (e.g. 일반직/5급) or the indicator's point (e.g. 2013 TARGET); empty for other kinds."
    )
    def key(self) -> str:
        return self.change.key

    @strawberry.field(description="The field that differs, e.g. current, executed, status, name.")
    def field(self) -> str:
        return self.change.field

    @strawberry.field(description="The value at from; null where there was none.")
    def old(self) -> JSON | None:
        return cast(JSON | None, self.change.old)

    @strawberry.field(description="The value at to; null where there is none.")
    def new(self) -> JSON | None:
        return cast(JSON | None, self.change.new)

    @strawberry.field(
        description="The valid date of the fact whose value changed, in a recording's changes (Query.learned: the value in force at this date before and after the recording); null in OrgUnit.changes and Event.changes (the event's validFrom says it), and for facts that hold at every date (an indicator's name)."
    )
    def valid_from(self) -> date | None:
        return self.change.valid_from

    @strawberry.field(
        description="The events that recorded the facts taking effect between the dates, in log order."
    )
    def events(self) -> list[Event]:
        return self.event_views


@strawberry.type
class EventEdge:
    cursor: str
    node: Event


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type(description="A page of events in log order (by position, which is recorded order).")
class EventConnection:
    edges: list[EventEdge]
    page_info: PageInfo

    @classmethod
    def of(cls, page: EventPage, after: int) -> EventConnection:
        edges = [
            EventEdge(cursor=cursors.encode(e.position), node=Event(view=e)) for e in page.events
        ]
        end = edges[-1].cursor if edges else (cursors.encode(after) if after else None)
        return cls(edges=edges, page_info=PageInfo(has_next_page=page.has_next, end_cursor=end))


@strawberry.input
class EventFilter:
    types: list[str] | None = None
    org_unit_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Events of these units and of everything they own, descendants included as the tree stood when each event was recorded.",
    )
    subject_ids: list[strawberry.ID] | None = None
    recorded_after: datetime | None = strawberry.field(
        default=None,
        description="Only events recorded after this moment (an event recorded exactly then is not): with recordedUntil, the half-open window (recordedAfter, recordedUntil] of transaction time that Query.learned reads.",
    )
    recorded_until: datetime | None = strawberry.field(
        default=None,
        description="Only events recorded at or before this moment (an event recorded exactly then is).",
    )

    def window(self) -> dict[str, datetime | None]:
        """recordedAfter and recordedUntil, each with its UTC offset."""
        for name, moment in (("recordedAfter", self.recorded_after), ("recordedUntil", self.recorded_until)):
            if moment is not None and moment.tzinfo is None:
                raise BadInput(f"{name}: {moment.isoformat()!r} needs a UTC offset")
        return {"recorded_after": self.recorded_after, "recorded_until": self.recorded_until}
