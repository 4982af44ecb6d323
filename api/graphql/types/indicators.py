"""GraphQL types of indicators: series of values by period, actual or target, beyond a unit's
staffing and budget."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import strawberry
from strawberry.types import Info

from api.graphql.context import ctx
from api.graphql.ids import optional_id, parse_id
from api.graphql.types.records import OwnerUnit, owner_unit
from domain import commands as c
from domain.indicator import IndicatorKind
from projections.read import indicators

strawberry.enum(
    IndicatorKind,
    name="IndicatorKind",
    description="ACTUAL: a value measured; TARGET: a value planned for the period.",
)


@strawberry.type(description="One value of an indicator: its period and kind, as last stated.")
class IndicatorPoint:
    view: strawberry.Private[indicators.IndicatorPointView]

    @strawberry.field(
        description="What the value describes: an ISO year, month or date "
        "(2012, 2013-09, 2012-12-31)."
    )
    def period(self) -> str:
        return self.view.period

    @strawberry.field(description="Whether the value is actual or a target.")
    def kind(self) -> IndicatorKind:
        return IndicatorKind(self.view.kind)

    @strawberry.field(description="The value, in the indicator's measure.")
    def value(self) -> int:
        return self.view.value

    @strawberry.field(
        description="When the value was stated or measured: the latest on or before asOf."
    )
    def reference_date(self) -> date:
        return self.view.reference_date

    @strawberry.field(
        description="The cell as printed where it differs from value, e.g. 794명('12)."
    )
    def printed(self) -> str | None:
        return self.view.printed

    @strawberry.field(description="The document the value comes from.")
    def source(self) -> str | None:
        return self.view.source


@strawberry.type(
    description="A series of values by period, actual or target, that a unit's report states."
)
class Indicator:
    view: strawberry.Private[indicators.IndicatorView]
    as_of: date = strawberry.field(description="The valid date the points are read at.")
    known_at: datetime = strawberry.field(
        description="The transaction time the points are read at."
    )

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
    async def owner(self, info: Info) -> OwnerUnit:
        return await owner_unit(info, self.view.owner_id, self.as_of, self.known_at)

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


async def unit_indicators(
    info: Info, unit_ids: tuple[UUID, ...], as_of: date, known_at: datetime
) -> list[Indicator]:
    found = await ctx(info).loaders.indicators(as_of, known_at, unit_ids)
    return [Indicator(view=view, as_of=as_of, known_at=known_at) for view in found]


async def find_indicator(
    info: Info, indicator_id: object, as_of: date, known_at: datetime
) -> Indicator | None:
    """The indicator with its points in force at asOf; None when it has none or the id names
    no indicator."""
    wanted = parse_id(indicator_id, strict=False)
    if wanted is None:
        return None
    async with ctx(info).pool.acquire() as conn:
        view = await indicators.indicator(conn, wanted, as_of, known_at)
    return Indicator(view=view, as_of=as_of, known_at=known_at) if view else None


PERIOD = "What the value describes: an ISO year, month or date (2012, 2013-09, 2012-12-31)."
OWN = "; must be the indicator's own when it exists (renaming is not supported)."
KEY = "The same key again replays the first result instead of recording twice."


@strawberry.input(
    description="One value of an indicator at one reference date; "
    "again for the same period, kind and date is a correction."
)
class RecordIndicatorValueInput:
    indicator_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Null creates a new indicator "
        "(or records on the unit's indicator of the same group and name).",
    )
    org_unit_id: strawberry.ID = strawberry.field(
        description="The unit whose report states the indicator."
    )
    name: str = strawberry.field(description="As printed" + OWN)
    group: str | None = strawberry.field(
        default=None, description="The table or heading it is printed under" + OWN
    )
    measure: str = strawberry.field(description="The unit of measure as printed (명, 종)" + OWN)
    period: str = strawberry.field(description=PERIOD)
    kind: IndicatorKind = strawberry.field(description="Actual or target.")
    value: int = strawberry.field(description="A whole number, zero or more.")
    reference_date: date = strawberry.field(
        description="When the value was stated or measured: a printed 기준일, "
        "else the report's date."
    )
    printed: str | None = strawberry.field(
        default=None,
        description="The cell as printed where it differs from value, e.g. 794명('12).",
    )
    reason: str | None = strawberry.field(default=None, description="Why it is recorded.")
    source: str | None = strawberry.field(
        default=None, description="The document the value comes from."
    )
    expected_version: int | None = strawberry.field(
        default=None,
        description="The indicator's version the caller last saw; CONFLICT when it moved on.",
    )
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def command(self) -> c.RecordIndicatorValue:
        return c.RecordIndicatorValue(
            indicator_id=optional_id(self.indicator_id, "indicatorId"),
            org_unit_id=parse_id(self.org_unit_id, "orgUnitId"),
            name=self.name,
            measure=self.measure,
            period=self.period,
            kind=self.kind,
            value=self.value,
            reference_date=self.reference_date,
            group=self.group,
            printed=self.printed,
            expected_version=self.expected_version,
        )


@strawberry.input(
    description="Takes back one value recorded under the wrong period, kind or date: from now on "
    "it has no such value; knownAt before now still shows it."
)
class RetractIndicatorValueInput:
    indicator_id: strawberry.ID = strawberry.field(description="The indicator.")
    period: str = strawberry.field(description=PERIOD)
    kind: IndicatorKind = strawberry.field(description="Actual or target.")
    reference_date: date = strawberry.field(description="The reference date of the value.")
    reason: str = strawberry.field(description="Why the value is taken back; required.")
    source: str | None = strawberry.field(
        default=None, description="The document that shows the value was wrong."
    )
    expected_version: int | None = strawberry.field(
        default=None,
        description="The indicator's version the caller last saw; CONFLICT when it moved on.",
    )
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def command(self) -> c.RetractIndicatorValue:
        return c.RetractIndicatorValue(
            indicator_id=parse_id(self.indicator_id, "indicatorId"),
            period=self.period,
            kind=self.kind,
            reference_date=self.reference_date,
            expected_version=self.expected_version,
        )
