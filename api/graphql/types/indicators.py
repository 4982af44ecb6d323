"""GraphQL types of an indicator's values: one point each (period, kind), actual or target. The
indicator itself, which names its owner, is a unit's (api.graphql.types.units)."""

from __future__ import annotations

from datetime import date

import strawberry

from domain.indicator import IndicatorKind
from projections.read.indicators import IndicatorPointView

__all__ = ["IndicatorKind", "IndicatorPoint"]

strawberry.enum(
    IndicatorKind,
    name="IndicatorKind",
    description="ACTUAL: a value measured; TARGET: a value planned for the period.",
)


@strawberry.type(description="One value of an indicator: its period and kind, as last stated.")
class IndicatorPoint:
    view: strawberry.Private[IndicatorPointView]

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
