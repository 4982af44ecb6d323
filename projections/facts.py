"""What each domain event means for the read model: the bitemporal facts it puts or closes,
and how the public log presents it. Pure functions, no I/O."""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.budget import BudgetLine
from domain.indicator import Indicator
from domain.orgunit import OrgUnit
from domain.task import Task

PUBLIC_TYPES: dict[type[Any], str] = {
    OrgUnit.Registered: "OrgUnitRegistered",
    OrgUnit.Renamed: "OrgUnitRenamed",
    OrgUnit.Moved: "OrgUnitMoved",
    OrgUnit.Closed: "OrgUnitClosed",
    OrgUnit.StaffingRecorded: "StaffingRecorded",
    OrgUnit.StaffingRetracted: "StaffingRetracted",
    BudgetLine.Opened: "BudgetLineOpened",
    BudgetLine.Recorded: "BudgetRecorded",
    BudgetLine.Retracted: "BudgetRecordRetracted",
    Task.Opened: "TaskOpened",
    Task.Recorded: "TaskRecorded",
    Task.Retracted: "TaskRecordRetracted",
    Indicator.Opened: "IndicatorOpened",
    Indicator.PointRecorded: "IndicatorValueRecorded",
    Indicator.PointRetracted: "IndicatorValueRetracted",
}
SUBJECT_TYPES: dict[type[Any], str] = {
    OrgUnit: "OrgUnit",
    BudgetLine: "BudgetLine",
    Task: "Task",
    Indicator: "Indicator",
}
ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic"}
PROVENANCE = {"actor", "reason", "source"}
ALWAYS = date.min
"""The valid date of facts that hold for as long as their subject exists (an indicator's name)."""


@dataclass(frozen=True)
class Put:
    """A fact believed from the event's recorded time on (replacing any for the same key)."""

    kind: str
    subject_id: UUID
    valid_from: date
    value: dict[str, Any]


@dataclass(frozen=True)
class Close:
    """The fact for this key is no longer believed from the event's recorded time on."""

    kind: str
    subject_id: UUID
    valid_from: date


Change = Put | Close


def subject_type(event: Aggregate.Event) -> str:
    for cls, name in SUBJECT_TYPES.items():
        if isinstance(event, cls.Event):
            return name
    raise TypeError(type(event).__name__)


def public_type(event: Aggregate.Event) -> str:
    return PUBLIC_TYPES.get(type(event), type(event).__qualname__.replace(".", ""))


def owner_of(event: Aggregate.Event) -> UUID | None:
    """The unit that owns the event's subject, where the event itself says it."""
    if isinstance(event, OrgUnit.Event):
        return event.originator_id
    owner: UUID | None = getattr(event, "owner_id", None)
    return owner


def valid_date(event: Aggregate.Event) -> date | None:
    for name in ("valid_from", "reference_date"):
        value = getattr(event, name, None)
        if isinstance(value, date):
            return value
    return None


PLAIN = (str, int, float, bool, type(None))


def jsonable(value: Any) -> Any:
    """Plain JSON with camelCase keys (the projector's hot path: exact type checks first)."""
    kind = type(value)
    if kind in PLAIN:
        return value
    if kind is dict:
        return {camel(k): jsonable(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [jsonable(v) for v in value]
    if isinstance(value, date | UUID):
        return str(value)
    return value


@functools.cache
def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def event_data(event: Aggregate.Event) -> dict[str, Any]:
    fields = {
        f.name: getattr(event, f.name)
        for f in dataclasses.fields(event)  # type: ignore[arg-type]
        if f.name not in ENVELOPE | PROVENANCE
    }
    data: dict[str, Any] = jsonable(fields)
    return data


def facts_of(event: Aggregate.Event) -> list[Change]:
    """The read-model facts an event puts or closes."""
    source = getattr(event, "source", None)
    subject = event.originator_id
    if isinstance(event, OrgUnit.Registered):
        return [
            Put("org.name", subject, event.valid_from, {"name": event.name}),
            Put("org.parent", subject, event.valid_from, {"parent_id": _str(event.parent_id)}),
            Put("org.status", subject, event.valid_from, {"open": True}),
        ]
    if isinstance(event, OrgUnit.Renamed):
        return [Put("org.name", subject, event.valid_from, {"name": event.name})]
    if isinstance(event, OrgUnit.Moved):
        return [Put("org.parent", subject, event.valid_from, {"parent_id": _str(event.parent_id)})]
    if isinstance(event, OrgUnit.Closed):
        return [Put("org.status", subject, event.valid_from, {"open": False})]
    if isinstance(event, OrgUnit.StaffingRecorded):
        value = {"rows": event.rows, "women": event.women, "note": event.note, "source": source}
        return [Put("staffing", subject, event.reference_date, value)]
    if isinstance(event, OrgUnit.StaffingRetracted):
        return [Close("staffing", subject, event.reference_date)]
    if isinstance(event, BudgetLine.Recorded):
        return [Put("budget", subject, event.reference_date, {**event.values(), "source": source})]
    if isinstance(event, BudgetLine.Retracted):
        return [Close("budget", subject, event.reference_date)]
    if isinstance(event, Task.Recorded):
        state = {**event.state(), "status_since": _str(event.status_since), "source": source}
        return [Put("task", subject, event.valid_from, state)]
    if isinstance(event, Task.Retracted):
        return [Close("task", subject, event.valid_from)]
    return indicator_facts(event)


def indicator_facts(event: Aggregate.Event) -> list[Change]:
    """An indicator's name, group and measure hold always; each point (period, kind) is a
    subject of its own, so that a later reference date supersedes and the same date corrects."""
    subject = event.originator_id
    if isinstance(event, Indicator.Opened):
        value = {"name": event.name, "group": event.group, "measure": event.measure}
        return [Put("indicator.name", subject, ALWAYS, value)]
    if isinstance(event, Indicator.PointRecorded):
        point: dict[str, Any] = {
            "indicator_id": str(subject),
            "period": event.period,
            "kind": event.kind,
            "value": event.value,
            "printed": event.printed,
            "source": event.source,
        }
        key = point_id(subject, event.period, event.kind)
        return [Put("indicator", key, event.reference_date, point)]
    if isinstance(event, Indicator.PointRetracted):
        key = point_id(subject, event.period, event.kind)
        return [Close("indicator", key, event.reference_date)]
    return []


def point_id(indicator_id: UUID, period: str, kind: str) -> UUID:
    return uuid5(indicator_id, f"{period}:{kind}")


def _str(value: Any) -> str | None:
    return None if value is None else str(value)
