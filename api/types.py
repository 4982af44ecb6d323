"""GraphQL read types. Resolvers are thin: they ask projections.queries and convert."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api import cursors
from api.context import ctx
from api.ids import parse_id
from api.scalars import Won
from projections import queries
from projections.views import (
    BudgetLineView,
    BudgetView,
    EventPage,
    EventView,
    StaffingRowView,
    StaffingView,
    TaskView,
    UnitView,
    roll_up_budget,
)

if TYPE_CHECKING:
    from api.changes import Change


@strawberry.enum
class TaskKind(Enum):
    MAJOR_TASK = "MAJOR_TASK"
    AUDIT_FOLLOW_UP = "AUDIT_FOLLOW_UP"


@strawberry.enum
class TaskStatus(Enum):
    PLANNED = "PLANNED"
    IN_PROGRESS = "IN_PROGRESS"
    UNDER_REVIEW = "UNDER_REVIEW"
    COMPLETED = "COMPLETED"
    NOT_ADOPTED = "NOT_ADOPTED"


@strawberry.type
class StaffingRow:
    series_key: str = strawberry.field(
        description="Stable key of the series: one series across relabellings (2~3급 in 2019 and 2급상당 in 2020)."
    )
    job_category: str = strawberry.field(
        description="As reported at the reference date, e.g. 일반직."
    )
    grade: str | None = strawberry.field(
        description="As reported at the reference date, e.g. 2급상당; null where the source gives none."
    )
    authorized: int | None = strawberry.field(
        description="Null where the source reports current headcount only."
    )
    current: int
    women: int | None

    @classmethod
    def of(cls, row: StaffingRowView) -> StaffingRow:
        return cls(
            series_key=row.series_key,
            job_category=row.job_category,
            grade=row.grade,
            authorized=row.authorized,
            current=row.current,
            women=row.women,
        )


@strawberry.type
class Staffing:
    reference_date: date = strawberry.field(
        description="The latest reference date among the figures included."
    )
    authorized: int | None = strawberry.field(
        description="Null unless every figure included reports authorised headcount."
    )
    current: int
    women: int | None = strawberry.field(
        description="Null unless every figure included reports women (per row or for the unit)."
    )
    rows: list[StaffingRow]
    sources: list[str] = strawberry.field(
        description="The documents the included figures come from."
    )
    notes: list[str] = strawberry.field(
        description="Notes on the included figures, as printed (e.g. 전문임기제 3명 별도)."
    )

    @classmethod
    def of(cls, view: StaffingView) -> Staffing:
        return cls(
            reference_date=view.reference_date,
            authorized=view.authorized,
            current=view.current,
            women=view.women,
            rows=[StaffingRow.of(r) for r in view.rows],
            sources=view.sources,
            notes=view.notes,
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
        return await OrgUnit.load(info, self.view.owner_id, self.as_of, self.known_at, strict=False)

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
        async with ctx(info).pool.acquire() as conn:
            return (await queries.versions(conn, [self.view.id])).get(self.view.id, 0)


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

    @strawberry.field
    def lines(self) -> list[BudgetLine]:
        return [
            BudgetLine(view=line, as_of=self.as_of, known_at=self.known_at)
            for line in self.view.lines
        ]


@strawberry.type
class Milestone:
    when: str = strawberry.field(description="As printed, e.g. '20. 4월 or 연중 계속.")
    what: str


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
        return await OrgUnit.load(info, self.view.owner_id, self.as_of, self.known_at, strict=False)

    @strawberry.field
    def source(self) -> str | None:
        return self.view.source

    @strawberry.field(description="Whether the task is on its unit's list at asOf.")
    def listed(self) -> bool:
        return self.view.listed

    @strawberry.field(description="The date from which the state shown is in force.")
    def valid_from(self) -> date:
        return self.view.valid_from

    @strawberry.field(description="Planned milestones (향후계획) as printed.")
    def milestones(self) -> list[Milestone]:
        return [Milestone(when=m["when"], what=m["what"]) for m in self.view.milestones]

    @strawberry.field(description="The task's version, for expectedVersion.")
    async def version(self, info: Info) -> int:
        async with ctx(info).pool.acquire() as conn:
            return (await queries.versions(conn, [self.view.id])).get(self.view.id, 0)


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

    @strawberry.field
    def data(self) -> JSON:
        return cast(JSON, self.view.data)


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


@strawberry.type
class OrgUnit:
    view: strawberry.Private[UnitView]
    as_of: date
    known_at: datetime

    @classmethod
    async def load(
        cls, info: Info, unit_id: object, as_of: date, known_at: datetime, strict: bool = True
    ) -> OrgUnit:
        """The unit as of a date; the owner of a line or task that is not in force then is
        shown as it was last recorded."""
        found = await cls.find(info, unit_id, as_of, known_at)
        if found is not None or strict:
            assert found is not None, unit_id
            return found
        async with ctx(info).pool.acquire() as conn:
            view = await queries.unit_as_last_recorded(conn, parse_id(unit_id), known_at)
        assert view is not None, unit_id
        return cls(view=view, as_of=as_of, known_at=known_at)

    @classmethod
    async def find(
        cls, info: Info, unit_id: object, as_of: date, known_at: datetime
    ) -> OrgUnit | None:
        tree = await ctx(info).tree(as_of, known_at)
        view = tree.get(parse_id(unit_id)) if parse_id(unit_id, strict=False) else None
        return cls(view=view, as_of=as_of, known_at=known_at) if view else None

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.view.id))

    @strawberry.field(
        description="As in force at asOf, spaces of the source removed (기획담당관, not 기 획 담 당 관)."
    )
    def name(self) -> str:
        return self.view.name

    @strawberry.field
    async def parent(self, info: Info) -> OrgUnit | None:
        tree = await ctx(info).tree(self.as_of, self.known_at)
        parent = tree.parent(self.view.id)
        return OrgUnit(view=parent, as_of=self.as_of, known_at=self.known_at) if parent else None

    @strawberry.field
    async def children(self, info: Info) -> list[OrgUnit]:
        tree = await ctx(info).tree(self.as_of, self.known_at)
        return [
            OrgUnit(view=c, as_of=self.as_of, known_at=self.known_at)
            for c in tree.children(self.view.id)
        ]

    @strawberry.field(description="The date from which this unit exists.")
    def valid_from(self) -> date:
        return self.view.valid_from

    @strawberry.field(
        description="The unit's version (its name, place and staffing), for expectedVersion."
    )
    async def version(self, info: Info) -> int:
        async with ctx(info).pool.acquire() as conn:
            return (await queries.versions(conn, [self.view.id])).get(self.view.id, 0)

    @strawberry.field(
        description="Headcount in force at asOf: for this unit (and, by default, each descendant) the figures of its latest reference date on or before asOf, summed by series (job category and grade). Null when none is in force."
    )
    async def staffing(self, info: Info, include_descendants: bool = True) -> Staffing | None:
        ids = [self.view.id]
        if include_descendants:
            ids = (await ctx(info).tree(self.as_of, self.known_at)).subtree(self.view.id)
        async with ctx(info).pool.acquire() as conn:
            view = await queries.staffing(conn, ids, self.as_of, self.known_at)
        return Staffing.of(view) if view else None

    @strawberry.field(
        description="Budget of one fiscal year for this unit and its descendants, as in force at asOf."
    )
    async def budget(self, info: Info, fiscal_year: int) -> Budget | None:
        ids = (await ctx(info).tree(self.as_of, self.known_at)).subtree(self.view.id)
        async with ctx(info).pool.acquire() as conn:
            lines = await queries.budget_lines(conn, ids, fiscal_year, self.as_of, self.known_at)
        view = roll_up_budget(fiscal_year, lines)
        return Budget(view=view, as_of=self.as_of, known_at=self.known_at) if view else None

    @strawberry.field(
        description="Tasks on this unit's list at asOf; kind null means every kind. A task leaves the list when a later report no longer lists it, which is not completion."
    )
    async def tasks(self, info: Info, kind: TaskKind | None = None) -> list[Task]:
        async with ctx(info).pool.acquire() as conn:
            found = await queries.tasks(
                conn, as_of=self.as_of, known_at=self.known_at, owner_id=self.view.id
            )
        return [
            Task(view=t, as_of=self.as_of, known_at=self.known_at)
            for t in found
            if t.listed and (kind is None or t.kind == kind.value)
        ]

    @strawberry.field(
        description="What differs in this unit and its descendants between two dates (at knownAt, default this unit's): every figure, line and task, old value and new, with the events that made the difference."
    )
    async def changes(
        self,
        info: Info,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
        known_at: datetime | None = None,
    ) -> list[Annotated[Change, strawberry.lazy("api.changes")]]:
        from api.changes import unit_changes

        moment = self.known_at if known_at is None else await ctx(info).known_at(known_at)
        return await unit_changes(info, self.view.id, from_, to, moment)

    @strawberry.field(
        description="Every recorded event about this unit or anything it owns, oldest first (recorded by knownAt)."
    )
    async def history(
        self, info: Info, after: str | None = None, first: int | None = None
    ) -> EventConnection:
        start, size = cursors.decode(after), cursors.page_size(first)
        async with ctx(info).pool.acquire() as conn:
            page = await queries.events(
                conn, after=start, first=size, owner_id=self.view.id, known_at=self.known_at
            )
        return EventConnection.of(page, start)
