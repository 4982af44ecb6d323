"""A unit and what it owns: OrgUnit, as in force at (asOf, knownAt), and the budget lines, tasks
and indicators that name it as their owner. They refer to each other (a unit's budget, tasks and
indicators; the owner of each), so they share a module, where Strawberry resolves each name; what
they hold that refers to nothing else is in staffing.py, tasks.py and indicators.py."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import date, datetime
from typing import Annotated, Optional, cast
from uuid import UUID

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info
from strawberry.utils.await_maybe import AwaitableOrValue

from api.errors import BadInput
from api.graphql import cursors
from api.graphql.context import ctx
from api.graphql.ids import parse_id
from api.graphql.loaders import settled
from api.graphql.scalars import Won
from api.graphql.types.events import Change, Event, EventConnection
from api.graphql.types.indicators import IndicatorKind, IndicatorPoint
from api.graphql.types.learned import UNIT_LEARNED, Asked, RecordingConnection, unit_recordings
from api.graphql.types.staffing import Staffing
from api.graphql.types.tasks import Milestone, TaskKind, TaskStatus
from projections.read import indicators, queries
from projections.read.unit_changes import unit_changes
from projections.views import BudgetLineView, BudgetView, TaskView, UnitView, roll_up_budget


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

    @strawberry.field(graphql_type=Optional["OrgUnit"])
    def parent(self, info: Info) -> AwaitableOrValue[OrgUnit | None]:
        if self.view.parent_id is None:
            return None
        found = settled(ctx(info).loaders.unit(self.as_of, self.known_at, self.view.parent_id))
        if isinstance(found, Awaitable):
            return OrgUnit.find(info, self.view.parent_id, self.as_of, self.known_at)
        return OrgUnit.of(found, self.as_of, self.known_at) if found else None

    @strawberry.field(
        description="The units in force at asOf whose parent this is, by name, then id."
    )
    async def children(self, info: Info) -> list[OrgUnit]:
        views = await ctx(info).loaders.children(self.as_of, self.known_at, self.view.id)
        return [OrgUnit.of(view, self.as_of, self.known_at) for view in views]

    @strawberry.field(
        description="The unit's version (its name, place and staffing), for expectedVersion."
    )
    async def version(self, info: Info) -> int:
        return await ctx(info).version(self.view.id)

    @strawberry.field(
        description="Headcount in force at asOf: for this unit (and, by default, each descendant) the figures of its latest reference date on or before asOf, summed by series (job category and grade). Null when none is in force.",
        graphql_type=Staffing | None,
    )
    def staffing(
        self, info: Info, include_descendants: bool = True
    ) -> AwaitableOrValue[Staffing | None]:
        """Answered at once where the page read its tree's staffing ahead (Query.orgUnits),
        without a turn of the event loop a unit; else through the loaders."""
        loaders = ctx(info).loaders
        ids = (
            settled(loaders.subtree(self.as_of, self.known_at, self.view.id))
            if include_descendants
            else (self.view.id,)
        )
        if not isinstance(ids, Awaitable):
            view = settled(loaders.staffing(self.as_of, self.known_at, ids))
            if not isinstance(view, Awaitable):
                return Staffing.of(view) if view else None
        return self._staffing(info, include_descendants)

    async def _staffing(self, info: Info, include_descendants: bool) -> Staffing | None:
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
        description="Tasks on this unit's list at asOf; kind null means every kind. A task leaves the list when a later report no longer lists it, which is not completion. Ordered by kind, number (none as 0), title, then id."
    )
    async def tasks(self, info: Info, kind: TaskKind | None = None) -> list[Task]:
        found = await ctx(info).loaders.tasks(self.as_of, self.known_at, self.view.id)
        return [
            Task(view=t, as_of=self.as_of, known_at=self.known_at)
            for t in found
            if t.listed and (kind is None or t.kind == kind.value)
        ]

    @strawberry.field(
        description="Indicators this unit's reports state (and, with includeDescendants, its descendants'), each with the points in force at asOf. An indicator with none then is not listed. Ordered by group (none first), name, then id."
    )
    async def indicators(self, info: Info, include_descendants: bool = False) -> list[Indicator]:
        ids = await self._subtree(info) if include_descendants else (self.view.id,)
        found = await ctx(info).loaders.indicators(self.as_of, self.known_at, ids)
        return [Indicator(view=view, as_of=self.as_of, known_at=self.known_at) for view in found]

    @strawberry.field(
        description="What differs in this unit and its descendants between two dates (at knownAt, default this unit's): every figure, line and task, old value and new, with the events that made the difference. Ordered by kind, subject (for an indicator, its point), key, then field."
    )
    async def changes(
        self,
        info: Info,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
        known_at: datetime | None = None,
    ) -> list[Change]:
        moment = self.known_at if known_at is None else await ctx(info).known_at(known_at)
        if from_ > to:
            raise BadInput(f"from: {from_} is after to: {to}")
        unit = self.view.id
        found = await ctx(info).reads.run(lambda conn: unit_changes(conn, unit, from_, to, moment))
        return [
            Change(change=c.change, event_views=[Event(view=v) for v in c.events]) for c in found
        ]

    @strawberry.field(
        description="Every recorded event about this unit or anything it owns, oldest first (in log order; recorded by knownAt)."
    )
    async def history(
        self, info: Info, after: str | None = None, first: int | None = None
    ) -> EventConnection:
        start, size = cursors.decode(after), cursors.page_size(first)
        page = await ctx(info).loaders.history(self.known_at, start, size, self.view.id)
        return EventConnection.of(page, start)

    @strawberry.field(description=UNIT_LEARNED)
    async def learned(
        self,
        info: Info,
        after: datetime,
        until: datetime | None = None,
        valid_from: date | None = None,
        valid_to: date | None = None,
        first: int | None = None,
        cursor: str | None = None,
    ) -> RecordingConnection:
        asked = Asked(after, until, valid_from, valid_to, first, cursor)
        return await unit_recordings(info, asked, self.view.id, self.known_at)

    async def _change_dates(self, info: Info, include_descendants: bool) -> list[date]:
        ids = await self._subtree(info) if include_descendants else (self.view.id,)
        known_at = self.known_at
        return await ctx(info).reads.run(lambda conn: queries.change_dates(conn, ids, known_at))

    @strawberry.field(
        description="The dates at which a fact of this unit (and, by default, of each descendant in force at asOf) takes effect, oldest first, each once, as recorded by knownAt: a name or place, a staffing table, a budget line, a task, an indicator's point. The dates a time slider steps through."
    )
    async def change_dates(self, info: Info, include_descendants: bool = True) -> list[date]:
        return await self._change_dates(info, include_descendants)

    @strawberry.field(
        description="This unit as of each of its changeDates, oldest first (one per date), at this knownAt: a series over time (select staffing or budget on each)."
    )
    async def over_time(self, info: Info, include_descendants: bool = True) -> list[OrgUnit]:
        days = await self._change_dates(info, include_descendants)
        return list(
            await asyncio.gather(
                *(OrgUnit.load(info, self.view.id, day, self.known_at) for day in days)
            )
        )


@strawberry.type
class BudgetLine:
    view: strawberry.Private[BudgetLineView]
    as_of: strawberry.Private[date]
    known_at: strawberry.Private[datetime]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.view.id))

    @strawberry.field
    def fiscal_year(self) -> int:
        return self.view.fiscal_year

    @strawberry.field(
        description="일반회계, 특별회계, 기금 or null where the source names no account."
    )
    def account(self) -> str | None:
        return self.view.account

    @strawberry.field(
        description="Expense item, fund or department allocation as reported, e.g. 기관운영업무추진비."
    )
    def item(self) -> str:
        return self.view.item

    @strawberry.field
    async def owner(self, info: Info) -> OrgUnit:
        return await OrgUnit.load(info, self.view.owner_id, self.as_of, self.known_at)

    @strawberry.field
    def reference_date(self) -> date:
        return self.view.reference_date

    @strawberry.field
    def budgeted(self) -> Won:
        return Won(self.view.budgeted)

    @strawberry.field
    def executed(self) -> Won | None:
        return None if self.view.executed is None else Won(self.view.executed)

    @strawberry.field
    def remaining(self) -> Won | None:
        return None if self.view.remaining is None else Won(self.view.remaining)

    @strawberry.field
    def execution_rate(self) -> float | None:
        return self.view.execution_rate

    @strawberry.field
    def source(self) -> str | None:
        return self.view.source

    @strawberry.field(description="Number of projects (사업수), where the source gives it.")
    def projects(self) -> int | None:
        return self.view.projects

    @strawberry.field(description="The source's remark on the line (비고).")
    def note(self) -> str | None:
        return self.view.note

    @strawberry.field(
        description="The figures as the source printed them, with their money unit (e.g. 천원)."
    )
    def as_printed(self) -> JSON | None:
        return cast(JSON | None, self.view.as_printed)

    @strawberry.field(description="The line's version, for expectedVersion.")
    async def version(self, info: Info) -> int:
        return await ctx(info).version(self.view.id)


@strawberry.type
class Budget:
    view: strawberry.Private[BudgetView]
    as_of: strawberry.Private[date]
    known_at: strawberry.Private[datetime]

    @strawberry.field
    def fiscal_year(self) -> int:
        return self.view.fiscal_year

    @strawberry.field(description="The latest reference date among the lines included.")
    def reference_date(self) -> date:
        return self.view.reference_date

    @strawberry.field
    def budgeted(self) -> Won:
        return Won(self.view.budgeted)

    @strawberry.field(description="Null where no line reports execution.")
    def executed(self) -> Won | None:
        return None if self.view.executed is None else Won(self.view.executed)

    @strawberry.field(description="Null unless every line reports execution.")
    def remaining(self) -> Won | None:
        return None if self.view.remaining is None else Won(self.view.remaining)

    @strawberry.field(
        description="executed / budgeted as an unrounded fraction (0.15882 where the source prints 15.9%)."
    )
    def execution_rate(self) -> float | None:
        return self.view.execution_rate

    @strawberry.field(
        description="Ordered by account (none first, then 기금, 일반회계, 특별회계 as text), item, then the line's id: a total order, the same after export, restore and rebuild (which keep ids, not the read model's rows in their order)."
    )
    def lines(self) -> list[BudgetLine]:
        return [
            BudgetLine(view=line, as_of=self.as_of, known_at=self.known_at)
            for line in self.view.lines
        ]

    @strawberry.field(description="Number of projects (사업수); null unless every line reports it.")
    def projects(self) -> int | None:
        return self.view.projects

    @strawberry.field(
        description="The account of a part that byAccount gives (null for lines that name none, and for the whole budget)."
    )
    def account(self) -> str | None:
        return self.view.account

    @strawberry.field(
        description="Totals by account: 일반회계, 특별회계, 기금, then lines that name no account; each part's lines in the order of lines."
    )
    def by_account(self) -> list[Budget]:
        return [
            Budget(view=part, as_of=self.as_of, known_at=self.known_at)
            for part in self.view.by_account()
        ]


@strawberry.type
class Task:
    view: strawberry.Private[TaskView]
    as_of: strawberry.Private[date]
    known_at: strawberry.Private[datetime]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.view.id))

    @strawberry.field
    def kind(self) -> TaskKind:
        return TaskKind(self.view.kind)

    @strawberry.field(description="As in force at asOf.")
    def title(self) -> str:
        return self.view.title

    @strawberry.field(
        description="The task's text in full, as printed, where the title is a shorter form of it (e.g. an audit demand); null otherwise."
    )
    def description(self) -> str | None:
        return self.view.description

    @strawberry.field(description="Null where the source states no status.")
    def status(self) -> TaskStatus | None:
        return TaskStatus(self.view.status) if self.view.status else None

    @strawberry.field(
        description="The date of the status in force at asOf; null with status, and null where no record states it."
    )
    def status_since(self) -> date | None:
        return self.view.status_since

    @strawberry.field(
        description="Follow-up category as reported (시정·처리요구사항, 건의사항, 기타(자료제출 등))."
    )
    def category(self) -> str | None:
        return self.view.category

    @strawberry.field(description="The task's number in the report in force at asOf (① is 1).")
    def number(self) -> int | None:
        return self.view.number

    @strawberry.field(
        description="Department named as responsible, as reported (총무과); may lie outside the tree."
    )
    def responsible(self) -> str | None:
        return self.view.responsible

    @strawberry.field
    async def owner(self, info: Info) -> OrgUnit:
        return await OrgUnit.load(info, self.view.owner_id, self.as_of, self.known_at)

    @strawberry.field
    def source(self) -> str | None:
        return self.view.source

    @strawberry.field(description="Whether the task is on its unit's list at asOf.")
    def listed(self) -> bool:
        return self.view.listed

    @strawberry.field(description="The date from which the state shown is in force.")
    def valid_from(self) -> date:
        return self.view.valid_from

    @strawberry.field(description="Planned milestones (향후계획) as printed, in the order printed.")
    def milestones(self) -> list[Milestone]:
        return [Milestone(when=m["when"], what=m["what"]) for m in self.view.milestones]

    @strawberry.field(description="The task's version, for expectedVersion.")
    async def version(self, info: Info) -> int:
        return await ctx(info).version(self.view.id)


@strawberry.type(
    description="A series of values by period, actual or target, that a unit's report states."
)
class Indicator:
    view: strawberry.Private[indicators.IndicatorView]
    as_of: date = strawberry.field(description="The valid date the points are read at.")
    known_at: datetime = strawberry.field(
        description="The transaction time the points are read at."
    )

    @classmethod
    async def find(
        cls, info: Info, indicator_id: object, as_of: date, known_at: datetime
    ) -> Indicator | None:
        """The indicator with its points in force at asOf; None when it has none or the id
        names no indicator."""
        wanted = parse_id(indicator_id, strict=False)
        if wanted is None:
            return None
        view = await ctx(info).reads.run(
            lambda conn: indicators.indicator(conn, wanted, as_of, known_at)
        )
        return cls(view=view, as_of=as_of, known_at=known_at) if view else None

    @strawberry.field(description="The indicator's id, for recordIndicatorValue.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.view.id))

    @strawberry.field(description="As printed, e.g. 유연근무 확대.")
    def name(self) -> str:
        return self.view.name

    @strawberry.field(
        description="The table or heading it is printed under, e.g. 정책 목표; null where none."
    )
    def group(self) -> str | None:
        return self.view.group

    @strawberry.field(description="The unit of measure as printed: 명, 종, 개소, 건.")
    def measure(self) -> str:
        return self.view.measure

    @strawberry.field(description="The unit whose report states the indicator.")
    async def owner(self, info: Info) -> OrgUnit:
        return await OrgUnit.load(info, self.view.owner_id, self.as_of, self.known_at)

    @strawberry.field(
        description="Each (period, kind) in force at asOf, sorted by period then kind; "
        "kind null means both."
    )
    def points(self, kind: IndicatorKind | None = None) -> list[IndicatorPoint]:
        return [
            IndicatorPoint(view=p) for p in self.view.points if kind is None or p.kind == kind.value
        ]

    @strawberry.field(description="The indicator's version, for expectedVersion.")
    async def version(self, info: Info) -> int:
        return await ctx(info).version(self.view.id)
