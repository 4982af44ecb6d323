"""The query root."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from api import cursors
from api.context import ctx, today
from api.events import EventConnection, EventFilter
from api.ids import parse_id
from api.indicators import Indicator, find_indicator
from api.types import OrgUnit
from projections import queries


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
        moment = await ctx(info).known_at(known_at)
        day = as_of or today()
        tree = await ctx(info).tree(day, moment)
        return [OrgUnit(view=unit, as_of=day, known_at=moment) for unit in tree.in_order()]

    @strawberry.field
    async def org_unit(
        self,
        info: Info,
        id: strawberry.ID,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> OrgUnit | None:
        moment = await ctx(info).known_at(known_at)
        return await OrgUnit.find(info, id, as_of or today(), moment)

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
        return await find_indicator(info, id, as_of or today(), moment)

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
        async with ctx(info).pool.acquire() as conn:
            page = await queries.events(conn, after=start, first=size, **args)  # type: ignore[arg-type]
        return EventConnection.of(page, start)
