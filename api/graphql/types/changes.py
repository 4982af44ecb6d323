"""OrgUnit.changes: what differs between two dates in a unit's subtree, and why."""

from __future__ import annotations

from datetime import date, datetime
from typing import cast
from uuid import UUID

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.errors import BadInput
from api.graphql.context import ctx
from api.graphql.types.events import Event
from projections.read import queries, units
from projections.read.changes import FieldChange, changes_between


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
        description="The events that recorded the facts taking effect between the dates."
    )
    def events(self) -> list[Event]:
        return self.event_views


async def unit_changes(
    info: Info, unit: UUID, start: date, end: date, known_at: datetime
) -> list[Change]:
    if start > end:
        raise BadInput(f"from: {start} is after to: {end}")
    context = ctx(info)
    async with context.pool.acquire() as conn:
        trees = [(await units.subtrees(conn, [unit], day, known_at))[unit] for day in (start, end)]
        owners = list(dict.fromkeys(trees[0].subtree(unit) + trees[1].subtree(unit)))
        names = {u.id: u.name for tree in trees for u in tree.units.values()}
        before = await queries.facts_in_force(conn, owners, start, known_at)
        after = await queries.facts_in_force(conn, owners, end, known_at)
        positions = await queries.positions_between(conn, owners, start, end, known_at)
        found = changes_between(before, after, names, positions)
        wanted = sorted({p for change in found for p in change.positions})
        views = {v.position: Event(view=v) for v in await queries.events_at(conn, wanted)}
    return [
        Change(change=c, event_views=[views[p] for p in c.positions if p in views]) for c in found
    ]
