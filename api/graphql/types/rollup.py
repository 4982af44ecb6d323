"""The national rollup: each government's staffing totals as of a date, read from the totals the
projector keeps (projections/read/rollup.py), not by scanning the governments' trees."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from api.graphql.types.units import OrgUnit
from projections.views import GovernmentTotalsView


@strawberry.type(
    description="A government's staffing totals in force at asOf, as recorded by knownAt: the figures governments { staffing } gives for it, kept by the projector."
)
class GovernmentTotals:
    government: OrgUnit = strawberry.field(description="The government, as in force at asOf.")
    reference_date: date | None = strawberry.field(
        description="The latest reference date among the figures included; null when no unit of the government has a staffing table in force."
    )
    authorized: int | None = strawberry.field(
        description="Null unless every figure included reports authorised headcount (and when none is in force)."
    )
    current: int = strawberry.field(description="0 when no staffing table is in force.")
    women: int | None = strawberry.field(
        description="Null unless every figure included reports women, per row or for the unit (and when none is in force)."
    )
    units: int = strawberry.field(
        description="The units in force in the government's tree, the government included: those orgUnits(root:) lists."
    )

    @classmethod
    def of(cls, view: GovernmentTotalsView, as_of: date, known_at: datetime) -> GovernmentTotals:
        return cls(
            government=OrgUnit.of(view.government, as_of, known_at),
            reference_date=view.reference_date,
            authorized=view.authorized,
            current=view.current,
            women=view.women,
            units=view.units,
        )
