"""An indicator: a series of values by period, actual or target, that a unit's report states
beyond its staffing and budget (a policy target, a city-wide headcount by job group).

Each point is (period, kind) with a value at each reference date: the date it was stated or
measured. A later reference date for the same period and kind supersedes an earlier one; the
same date again is a correction. Values are counts or amounts, zero or more: a change (증감) is
not a point of its own, and a decrease is a lower value at a later period."""

from __future__ import annotations

import re
from datetime import date
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import invalid
from domain.events import LedgerEvent
from domain.names import clean, same_name
from domain.provenance import Provenance
from domain.rules import EARLIEST_YEAR, LATEST_YEAR, check_date, optional_text, required_text
from domain.timeline import Timeline

MAX_VALUE = 2**31 - 1
"""The largest value kept: the API answers values as GraphQL Int (32 bits)."""
PERIOD = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


class IndicatorKind(Enum):
    ACTUAL = "ACTUAL"
    TARGET = "TARGET"


def check_period(period: str) -> str:
    """An ISO year, month or date ("2012", "2013-09", "2012-12-31"), as given."""
    text = clean(period or "")
    match = PERIOD.fullmatch(text)
    if match is None:
        raise invalid("period", period, "is not an ISO year, month or date (2012, 2013-09, ...)")
    year, month, day = match.groups()
    try:
        date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise invalid("period", period, "is not a calendar month or date") from None
    if not EARLIEST_YEAR <= int(year) <= LATEST_YEAR:
        raise invalid("period", period, f"is outside {EARLIEST_YEAR}..{LATEST_YEAR}")
    return text


def check_value(value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise invalid("value", value, "must be a whole number, zero or more")
    if value > MAX_VALUE:
        raise invalid("value", value, f"exceeds the largest value the ledger keeps ({MAX_VALUE})")


def point_value(value: int, printed: str | None) -> dict[str, Any]:
    """A point as an indicator holds it at its reference date: the value, and the cell as
    printed (cleaned) where it differs."""
    return {"value": value, "printed": optional_text("printed", printed)}


class Indicator(Aggregate):
    class Event(LedgerEvent["Indicator"]):
        """An indicator's event."""

    class Opened(Event, Aggregate.Created):
        owner_id: UUID
        name: str
        group: str | None
        measure: str

    def __init__(
        self, owner_id: UUID, name: str, group: str | None, measure: str, **_: Any
    ) -> None:
        self.owner_id = owner_id
        self.name = name
        self.group = group
        self.measure = measure
        self.points: dict[tuple[str, IndicatorKind], Timeline[dict[str, Any]]] = {}

    @classmethod
    def open(
        cls,
        *,
        indicator_id: UUID,
        owner_id: UUID,
        name: str,
        group: str | None,
        measure: str,
        provenance: Provenance,
    ) -> Indicator:
        return cls._create(
            cls.Opened,
            id=indicator_id,
            owner_id=owner_id,
            name=required_text("name", name),
            group=optional_text("group", group),
            measure=required_text("measure", measure),
            **provenance.fields(),
        )

    def check_identity(self, owner_id: UUID, name: str, group: str | None, measure: str) -> None:
        """Renaming an indicator is not supported: a record must name it as it was opened."""
        if owner_id != self.owner_id:
            raise invalid("orgUnitId", str(owner_id), f"does not own indicator {self.id}")
        if not same_name(name, self.name):
            raise invalid("name", name, f"differs from the indicator's ({self.name})")
        if not same_name(group or "", self.group or ""):
            raise invalid("group", group, f"differs from the indicator's ({self.group})")
        if not same_name(measure, self.measure):
            raise invalid("measure", measure, f"differs from the indicator's ({self.measure})")

    def point(
        self, period: str, kind: IndicatorKind | str, reference_date: date
    ) -> dict[str, Any] | None:
        """What is held for (period, kind) at exactly this reference date: value and printed."""
        timeline = self.points.get((clean(period), IndicatorKind(kind)))
        return timeline.exactly(reference_date) if timeline else None

    class PointRecorded(Event):
        period: str
        kind: str
        value: int
        reference_date: date
        printed: str | None

        def apply_to(self, indicator: Indicator) -> None:
            key = (self.period, IndicatorKind(self.kind))
            timeline = indicator.points.setdefault(key, Timeline())
            timeline.set(self.reference_date, {"value": self.value, "printed": self.printed})

    def record(
        self,
        *,
        period: str,
        kind: IndicatorKind,
        value: int,
        reference_date: date,
        printed: str | None = None,
        provenance: Provenance,
    ) -> None:
        """printed keeps the cell as printed where it differs from value (e.g. 794명('12))."""
        check_date("referenceDate", reference_date)
        check_value(value)
        self.trigger_event(
            self.PointRecorded,
            period=check_period(period),
            kind=kind.value,
            reference_date=reference_date,
            **point_value(value, printed),
            **provenance.fields(),
        )

    class PointRetracted(Event):
        period: str
        kind: str
        reference_date: date

        def apply_to(self, indicator: Indicator) -> None:
            key = (self.period, IndicatorKind(self.kind))
            timeline = indicator.points[key]
            timeline.drop(self.reference_date)
            if not timeline.dates():
                del indicator.points[key]

    def retract(
        self, period: str, kind: IndicatorKind, reference_date: date, provenance: Provenance
    ) -> None:
        period = check_period(period)
        if self.point(period, kind, reference_date) is None:
            raise invalid(
                "referenceDate",
                reference_date.isoformat(),
                f"has no {kind.value} value for {period} to retract",
            )
        if not provenance.has_reason:
            raise invalid("reason", provenance.reason, "is required to retract a value")
        self.trigger_event(
            self.PointRetracted,
            period=period,
            kind=kind.value,
            reference_date=reference_date,
            **provenance.fields(),
        )
