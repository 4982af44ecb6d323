"""The organisational unit: its name, place in the tree and existence over valid time, and its
staffing tables (one per reference date)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import invalid
from domain.provenance import Provenance
from domain.rules import check_date, optional_text, required_text
from domain.staffing import StaffingRow, check_table
from domain.timeline import Timeline


class OrgUnit(Aggregate):
    class Event(Aggregate.Event):
        actor: str
        reason: str | None
        source: str | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, OrgUnit)
            self.apply_to(aggregate)

        def apply_to(self, unit: OrgUnit) -> None:
            """Each event class says how it changes the unit."""

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
        text = required_text("name", name)
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
            name=required_text("name", name),
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
            rows=[row.as_dict() for row in rows],
            women=women,
            note=optional_text("note", note),
            **provenance.fields(),
        )

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
