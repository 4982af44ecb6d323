"""The OrgUnit type: a unit as in force at (asOf, knownAt), and everything read through it."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry
from strawberry.types import Info

from api.graphql import cursors
from api.graphql.context import ctx
from api.graphql.ids import parse_id
from api.graphql.types.events import EventConnection
from api.graphql.types.indicators import Indicator, unit_indicators
from api.graphql.types.records import Budget, Staffing, Task
from domain.task import TaskKind
from projections.read import queries
from projections.views import UnitView, roll_up_budget

if TYPE_CHECKING:
    from api.graphql.types.changes import Change


@strawberry.type
class OrgUnit:
    view: strawberry.Private[UnitView]
    id: strawberry.ID
    name: str = strawberry.field(
        description="As in force at asOf, spaces of the source removed (기획담당관, not 기 획 담 당 관)."
    )
    valid_from: date = strawberry.field(description="The date from which this unit exists.")
    as_of: date
    known_at: datetime

    @classmethod
    def of(cls, view: UnitView, as_of: date, known_at: datetime) -> OrgUnit:
        return cls(
            view=view,
            id=strawberry.ID(str(view.id)),
            name=view.name,
            valid_from=view.valid_from,
            as_of=as_of,
            known_at=known_at,
        )

    @classmethod
    async def load(cls, info: Info, unit_id: object, as_of: date, known_at: datetime) -> OrgUnit:
        """The unit as of a date, or, where it is not in force then (the owner of an old
        line or task, a unit just closed), as it was last recorded."""
        found = await cls.find(info, unit_id, as_of, known_at)
        if found is not None:
            return found
        view = await ctx(info).loaders.last_recorded(known_at, parse_id(unit_id))
        assert view is not None, unit_id
        return cls.of(view, as_of, known_at)

    @classmethod
    async def find(
        cls, info: Info, unit_id: object, as_of: date, known_at: datetime
    ) -> OrgUnit | None:
        found = parse_id(unit_id, strict=False)
        view = await ctx(info).loaders.unit(as_of, known_at, found) if found else None
        return cls.of(view, as_of, known_at) if view else None

    async def _subtree(self, info: Info) -> tuple[UUID, ...]:
        return await ctx(info).loaders.subtree(self.as_of, self.known_at, self.view.id)

    @strawberry.field
    async def parent(self, info: Info) -> OrgUnit | None:
        if self.view.parent_id is None:
            return None
        return await OrgUnit.find(info, self.view.parent_id, self.as_of, self.known_at)

    @strawberry.field
    async def children(self, info: Info) -> list[OrgUnit]:
        views = await ctx(info).loaders.children(self.as_of, self.known_at, self.view.id)
        return [OrgUnit.of(view, self.as_of, self.known_at) for view in views]

    @strawberry.field(
        description="The unit's version (its name, place and staffing), for expectedVersion."
    )
    async def version(self, info: Info) -> int:
        return await ctx(info).version(self.view.id)

    @strawberry.field(
        description="Headcount in force at asOf: for this unit (and, by default, each descendant) the figures of its latest reference date on or before asOf, summed by series (job category and grade). Null when none is in force."
    )
    async def staffing(self, info: Info, include_descendants: bool = True) -> Staffing | None:
        ids = await self._subtree(info) if include_descendants else (self.view.id,)
        view = await ctx(info).loaders.staffing(self.as_of, self.known_at, ids)
        return Staffing.of(view) if view else None

    @strawberry.field(
        description="Budget of one fiscal year for this unit and its descendants, as in force at asOf."
    )
    async def budget(self, info: Info, fiscal_year: int) -> Budget | None:
        ids = await self._subtree(info)
        lines = await ctx(info).loaders.budget_lines(self.as_of, self.known_at, fiscal_year, ids)
        view = roll_up_budget(fiscal_year, lines)
        return Budget(view=view, as_of=self.as_of, known_at=self.known_at) if view else None

    @strawberry.field(
        description="Tasks on this unit's list at asOf; kind null means every kind. A task leaves the list when a later report no longer lists it, which is not completion."
    )
    async def tasks(self, info: Info, kind: TaskKind | None = None) -> list[Task]:
        found = await ctx(info).loaders.tasks(self.as_of, self.known_at, self.view.id)
        return [
            Task(view=t, as_of=self.as_of, known_at=self.known_at)
            for t in found
            if t.listed and (kind is None or t.kind == kind.value)
        ]

    @strawberry.field(
        description="Indicators this unit's reports state (and, with includeDescendants, its descendants'), each with the points in force at asOf. An indicator with none then is not listed."
    )
    async def indicators(self, info: Info, include_descendants: bool = False) -> list[Indicator]:
        ids = await self._subtree(info) if include_descendants else (self.view.id,)
        return await unit_indicators(info, ids, self.as_of, self.known_at)

    @strawberry.field(
        description="What differs in this unit and its descendants between two dates (at knownAt, default this unit's): every figure, line and task, old value and new, with the events that made the difference."
    )
    async def changes(
        self,
        info: Info,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
        known_at: datetime | None = None,
    ) -> list[Annotated[Change, strawberry.lazy("api.graphql.types.changes")]]:
        from api.graphql.types.changes import unit_changes

        moment = self.known_at if known_at is None else await ctx(info).known_at(known_at)
        return await unit_changes(info, self.view.id, from_, to, moment)

    @strawberry.field(
        description="Every recorded event about this unit or anything it owns, oldest first (recorded by knownAt)."
    )
    async def history(
        self, info: Info, after: str | None = None, first: int | None = None
    ) -> EventConnection:
        start, size = cursors.decode(after), cursors.page_size(first)
        page = await ctx(info).loaders.history(self.known_at, start, size, self.view.id)
        return EventConnection.of(page, start)

    async def _change_dates(self, info: Info, include_descendants: bool) -> list[date]:
        ids = await self._subtree(info) if include_descendants else (self.view.id,)
        async with ctx(info).pool.acquire() as conn:
            return await queries.change_dates(conn, ids, self.known_at)

    @strawberry.field(
        description="The dates at which a fact of this unit (and, by default, of each descendant in force at asOf) takes effect, oldest first, as recorded by knownAt: a name or place, a staffing table, a budget line, a task, an indicator's point. The dates a time slider steps through."
    )
    async def change_dates(self, info: Info, include_descendants: bool = True) -> list[date]:
        return await self._change_dates(info, include_descendants)

    @strawberry.field(
        description="This unit as of each of its changeDates, oldest first, at this knownAt: a series over time (select staffing or budget on each)."
    )
    async def over_time(self, info: Info, include_descendants: bool = True) -> list[OrgUnit]:
        days = await self._change_dates(info, include_descendants)
        return list(
            await asyncio.gather(
                *(OrgUnit.load(info, self.view.id, day, self.known_at) for day in days)
            )
        )
