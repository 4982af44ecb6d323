"""The query root."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from api import cursors
from api.context import ctx
from api.events import EventConnection, EventFilter
from api.ids import parse_id
from api.indicators import Indicator, find_indicator
from api.types import OrgUnit
from projections import queries, units


def filter_args(filter: EventFilter | None) -> dict[str, object]:
    if filter is None:
        return {}
    return {
        "types": filter.types,
        "unit_ids": [parse_id(i, "orgUnitIds") for i in filter.org_unit_ids]
        if filter.org_unit_ids is not None
        else None,
        "subject_ids": [parse_id(i, "subjectIds") for i in filter.subject_ids]
        if filter.subject_ids is not None
        else None,
    }


@strawberry.type
class Query:
    @strawberry.field(description="Organisational units in force at asOf, as recorded by knownAt.")
    async def org_units(
        self, info: Info, as_of: date | None = None, known_at: datetime | None = None
    ) -> list[OrgUnit]:
        context = ctx(info)
        moment, day = await context.known_at(known_at), context.as_of(as_of)
        async with context.pool.acquire() as conn:
            tree = await units.every_unit(conn, day, moment)
        return [OrgUnit.of(unit, day, moment) for unit in tree.in_order()]

    @strawberry.field
    async def org_unit(
        self,
        info: Info,
        id: strawberry.ID,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> OrgUnit | None:
        moment = await ctx(info).known_at(known_at)
        return await OrgUnit.find(info, id, ctx(info).as_of(as_of), moment)

    @strawberry.field(
        description="An indicator with its points in force at asOf (default today), as recorded by knownAt; null when it has none then."
    )
    async def indicator(
        self,
        info: Info,
        id: strawberry.ID,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> Indicator | None:
        moment = await ctx(info).known_at(known_at)
        return await find_indicator(info, id, ctx(info).as_of(as_of), moment)

    @strawberry.field(
        description="The global event log in recorded order: the auditors' and integrations' view."
    )
    async def events(
        self,
        info: Info,
        after: str | None = None,
        first: int | None = None,
        filter: EventFilter | None = None,
    ) -> EventConnection:
        start, size = cursors.decode(after), cursors.page_size(first)
        args = filter_args(filter)
        ctx(info).current()
        async with ctx(info).pool.acquire() as conn:
            page = await queries.events(conn, after=start, first=size, **args)  # type: ignore[arg-type]
        return EventConnection.of(page, start)
