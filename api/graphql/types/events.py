"""GraphQL types of the event log: events, their edges and pages, and the filter."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.graphql import cursors
from api.graphql.context import ctx
from domain.chain import GENESIS
from projections.views import EventPage, EventView

if TYPE_CHECKING:
    from api.graphql.types.changes import Change


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
        description="What the event changed: each field of the facts it put or closed, its value as of the event's valid date known just before the event was recorded (old) and once it was (new); key and field as OrgUnit.changes gives them."
    )
    async def changes(self, info: Info) -> list[Annotated[Change, strawberry.lazy("api.graphql.types.changes")]]:
        from api.graphql.types.changes import Change

        context = ctx(info)
        view = self.view
        found = await context.loaders.event_changes(
            view.position, view.recorded_at, context.services.decode
        )
        return [Change(change=change, event_views=[self]) for change in found]


@strawberry.type
class EventEdge:
    cursor: str
    node: Event


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
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
