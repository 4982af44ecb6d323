"""The organisational unit: its name, place in the tree and existence over valid time, and its
staffing tables (one per reference date)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import invalid
from domain.events import LedgerEvent
from domain.provenance import Provenance
from domain.rules import check_date, optional_text, required_text
from domain.staffing import StaffingRow, check_table
from domain.timeline import Timeline


def staffing_table(rows: list[StaffingRow], women: int | None, note: str | None) -> dict[str, Any]:
    """A staffing table as a unit holds it at its reference date (and its event carries it)."""
    return {
        "rows": [row.as_dict() for row in rows],
        "women": women,
        "note": optional_text("note", note),
    }


def unit_name(name: str) -> str:
    """A unit's name as the unit holds it: cleaned, and not empty."""
    return required_text("name", name)


class OrgUnit(Aggregate):
    class Event(LedgerEvent["OrgUnit"]):
        """A unit's event."""

    class Registered(Event, Aggregate.Created):
        name: str
        parent_id: UUID | None
        valid_from: date

    def __init__(self, name: str, parent_id: UUID | None, valid_from: date, **_: Any) -> None:
        self.names: Timeline[str] = Timeline()
        self.parents: Timeline[UUID | None] = Timeline()
        self.open: Timeline[bool] = Timeline()
        self.staffing: Timeline[dict[str, Any]] = Timeline()
        self.registered_on = valid_from
        self.names.set(valid_from, name)
        self.parents.set(valid_from, parent_id)
        self.open.set(valid_from, True)

    @classmethod
    def register(
        cls,
        *,
        unit_id: UUID,
        name: str,
        parent: OrgUnit | None,
        valid_from: date,
        provenance: Provenance,
    ) -> OrgUnit:
        check_date("validFrom", valid_from)
        text = unit_name(name)
        if parent is not None:
            parent.check_exists("parentId", valid_from)
        return cls._create(
            cls.Registered,
            id=unit_id,
            name=text,
            parent_id=parent.id if parent else None,
            valid_from=valid_from,
            **provenance.fields(),
        )

    def names_by_date(self) -> dict[date, str]:
        """Each name by the date it takes effect."""
        return self.names.by_date()

    def parents_by_date(self) -> dict[date, UUID | None]:
        """Each parent (None: at the top) by the date it takes effect."""
        return self.parents.by_date()

    def exists_on(self, day: date) -> bool:
        return bool(self.open.at(day))

    def check_exists(self, field: str, day: date) -> None:
        if not self.exists_on(day):
            raise invalid(field, str(self.id), f"names a unit not in force on {day.isoformat()}")

    def check_after_registration(self, field: str, day: date) -> None:
        check_date(field, day)
        if day < self.registered_on:
            raise invalid(
                field, day.isoformat(), f"is before the unit exists ({self.registered_on})"
            )

    class Renamed(Event):
        name: str
        valid_from: date

        def apply_to(self, unit: OrgUnit) -> None:
            unit.names.set(self.valid_from, self.name)

    def rename(self, name: str, valid_from: date, provenance: Provenance) -> None:
        self.check_after_registration("validFrom", valid_from)
        self.trigger_event(
            self.Renamed,
            name=unit_name(name),
            valid_from=valid_from,
            **provenance.fields(),
        )

    class Moved(Event):
        parent_id: UUID | None
        valid_from: date

        def apply_to(self, unit: OrgUnit) -> None:
            unit.parents.set(self.valid_from, self.parent_id)

    def move(
        self,
        parent: OrgUnit | None,
        ancestors: list[UUID],
        valid_from: date,
        provenance: Provenance,
    ) -> None:
        """Move under parent; ancestors are the new parent's ancestors on valid_from."""
        self.check_after_registration("validFrom", valid_from)
        if parent is not None:
            parent.check_exists("parentId", valid_from)
            if parent.id == self.id or self.id in ancestors:
                raise invalid("parentId", str(parent.id), "would put the unit below itself")
        self.trigger_event(
            self.Moved,
            parent_id=parent.id if parent else None,
            valid_from=valid_from,
            **provenance.fields(),
        )

    class Closed(Event):
        valid_from: date

        def apply_to(self, unit: OrgUnit) -> None:
            unit.open.set(self.valid_from, False)

    def close(self, valid_from: date, provenance: Provenance) -> None:
        self.check_after_registration("validFrom", valid_from)
        if valid_from == self.registered_on:
            raise invalid("validFrom", valid_from.isoformat(), "is the day the unit was registered")
        self.trigger_event(self.Closed, valid_from=valid_from, **provenance.fields())

    class StaffingRecorded(Event):
        reference_date: date
        rows: list[dict[str, Any]]
        women: int | None
        note: str | None

        def apply_to(self, unit: OrgUnit) -> None:
            unit.staffing.set(
                self.reference_date, {"rows": self.rows, "women": self.women, "note": self.note}
            )

    def record_staffing(
        self,
        reference_date: date,
        rows: list[StaffingRow],
        women: int | None,
        note: str | None,
        provenance: Provenance,
    ) -> None:
        self.check_after_registration("referenceDate", reference_date)
        self.check_exists("orgUnitId", reference_date)
        check_table(rows, women)
        self.trigger_event(
            self.StaffingRecorded,
            reference_date=reference_date,
            **staffing_table(rows, women, note),
            **provenance.fields(),
        )

    def staffing_on(self, reference_date: date) -> dict[str, Any] | None:
        """The table held at exactly this reference date: rows, women and note."""
        return self.staffing.exactly(reference_date)

    def staffing_in_force(self, on: date) -> dict[str, Any] | None:
        """The table of the latest reference date on or before a date."""
        return self.staffing.at(on)

    class StaffingRetracted(Event):
        reference_date: date

        def apply_to(self, unit: OrgUnit) -> None:
            unit.staffing.drop(self.reference_date)

    def retract_staffing(self, reference_date: date, provenance: Provenance) -> None:
        if self.staffing.exactly(reference_date) is None:
            raise invalid("referenceDate", reference_date.isoformat(), "has no staffing to retract")
        if not provenance.has_reason:
            raise invalid("reason", provenance.reason, "is required to retract a figure")
        self.trigger_event(
            self.StaffingRetracted, reference_date=reference_date, **provenance.fields()
        )
