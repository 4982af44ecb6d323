"""GraphQL types of staffing: a table of headcount by series, summed over units, and its rows."""

from __future__ import annotations

from datetime import date
from typing import cast

import strawberry

from projections.staffing_views import StaffingView


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
        description="How the figures of this row were read where the source text was ambiguous (e.g. empty cells lost in extraction, decided by the printed totals); one per table included, each once, in the order of the tables (as notes)."
    )


def _rows(root: Staffing) -> list[StaffingRow]:
    # The views have StaffingRow's fields as attributes: GraphQL reads them as they are. A
    # sum's rows are made when first read (most pages ask for its totals alone).
    return cast(list[StaffingRow], root.view.rows)


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
    rows: list[StaffingRow] = strawberry.field(
        resolver=_rows,
        description="One unit's table: its rows in the order printed. Summed over units: one row per series, in the order each series first appears in the tables (by reference date, then unit: depth-first by name, then id).",
    )
    sources: list[str] = strawberry.field(
        description="The documents the included figures come from, sorted, each once."
    )
    notes: list[str] = strawberry.field(
        description="Notes on the included figures, as printed (e.g. 전문임기제 3명 별도), in the order of the tables (by reference date, then unit: depth-first by name, then id)."
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
            sources=view.sources,
            notes=view.notes,
            job_category=view.job_category,
        )
