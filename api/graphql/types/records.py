"""GraphQL types of the facts a unit holds: staffing, budget lines and tasks."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.graphql.context import ctx
from api.graphql.scalars import Won
from domain.task import TaskKind, TaskStatus
from projections.views import (
    BudgetLineView,
    BudgetView,
    StaffingView,
    TaskView,
)

if TYPE_CHECKING:
    from api.graphql.types.units import OrgUnit

OwnerUnit = Annotated["OrgUnit", strawberry.lazy("api.graphql.types.units")]


async def owner_unit(info: Info, unit_id: object, as_of: date, known_at: datetime) -> OrgUnit:
    from api.graphql.types.units import OrgUnit

    return await OrgUnit.load(info, unit_id, as_of, known_at)


# The domain's enums, exposed as they are: one list of kinds and statuses for both layers.
strawberry.enum(TaskKind, name="TaskKind")
strawberry.enum(TaskStatus, name="TaskStatus")


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
    resolutions: list[str] = strawberry.field(
        description="How the figures of this row were read where the source text was ambiguous (e.g. empty cells lost in extraction, decided by the printed totals); one per table included."
    )


@strawberry.type
class Staffing:
    view: strawberry.Private[StaffingView]
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
    job_category: str | None = strawberry.field(
        description="The job category of a part that byCategory gives; null for the whole table."
    )

    @strawberry.field(
        description="Subtotals by job category (소계), in the order of the rows; women only where the rows give them."
    )
    def by_category(self) -> list[Staffing]:
        return [Staffing.of(part) for part in self.view.by_category()]

    @classmethod
    def of(cls, view: StaffingView) -> Staffing:
        return cls(
            view=view,
            reference_date=view.reference_date,
            authorized=view.authorized,
            current=view.current,
            women=view.women,
            # The views have StaffingRow's fields as attributes: GraphQL reads them as they are.
            rows=cast(list[StaffingRow], view.rows),
            sources=view.sources,
            notes=view.notes,
            job_category=view.job_category,
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
    async def owner(self, info: Info) -> OwnerUnit:
        return await owner_unit(info, self.view.owner_id, self.as_of, self.known_at)

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

    @strawberry.field
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
        description="Totals by account: 일반회계, 특별회계, 기금, then lines that name no account."
    )
    def by_account(self) -> list[Budget]:
        return [
            Budget(view=part, as_of=self.as_of, known_at=self.known_at)
            for part in self.view.by_account()
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
    async def owner(self, info: Info) -> OwnerUnit:
        return await owner_unit(info, self.view.owner_id, self.as_of, self.known_at)

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
        return await ctx(info).version(self.view.id)
