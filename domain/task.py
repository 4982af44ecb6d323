"""A task on a unit's list: a major task or an audit follow-up, whose whole state is recorded
from a date on. Leaving the list (listed false) is not completion."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import invalid
from domain.events import LedgerEvent
from domain.provenance import Provenance
from domain.rules import check_date, optional_text, required_text
from domain.timeline import Timeline


class TaskKind(Enum):
    MAJOR_TASK = "MAJOR_TASK"
    AUDIT_FOLLOW_UP = "AUDIT_FOLLOW_UP"


class TaskStatus(Enum):
    PLANNED = "PLANNED"
    IN_PROGRESS = "IN_PROGRESS"
    UNDER_REVIEW = "UNDER_REVIEW"
    COMPLETED = "COMPLETED"
    NOT_ADOPTED = "NOT_ADOPTED"


def check_milestones(milestones: list[dict[str, str]]) -> list[dict[str, str]]:
    cleaned = []
    for index, milestone in enumerate(milestones):
        what = required_text(f"milestones[{index}].what", milestone.get("what"))
        when = required_text(f"milestones[{index}].when", milestone.get("when"))
        cleaned.append({"when": when, "what": what})
    return cleaned


def task_state(
    *,
    title: str,
    description: str | None,
    status: TaskStatus | None,
    status_since: date | None,
    number: int | None,
    category: str | None,
    responsible: str | None,
    listed: bool,
    milestones: list[dict[str, str]],
) -> dict[str, Any]:
    """A task's state as it holds it from a date on (and its event carries it): the texts
    cleaned, the status by its name."""
    return {
        "title": required_text("title", title),
        "description": optional_text("description", description),
        "status": status.value if status else None,
        "status_since": status_since,
        "number": number,
        "category": optional_text("category", category),
        "responsible": optional_text("responsible", responsible),
        "listed": listed,
        "milestones": check_milestones(milestones),
    }


class Task(Aggregate):
    class Event(LedgerEvent["Task"]):
        """A task's event."""

    class Opened(Event, Aggregate.Created):
        owner_id: UUID
        kind: str

    def __init__(self, owner_id: UUID, kind: str, **_: Any) -> None:
        self.owner_id = owner_id
        self.kind = TaskKind(kind)
        self.states: Timeline[dict[str, Any]] = Timeline()

    @classmethod
    def open(cls, *, task_id: UUID, owner_id: UUID, kind: TaskKind, provenance: Provenance) -> Task:
        return cls._create(
            cls.Opened, id=task_id, owner_id=owner_id, kind=kind.value, **provenance.fields()
        )

    def check_identity(self, owner_id: UUID, kind: TaskKind) -> None:
        if owner_id != self.owner_id:
            raise invalid("orgUnitId", str(owner_id), f"does not own task {self.id}")
        if kind != self.kind:
            raise invalid("kind", kind.value, f"differs from the task's ({self.kind.value})")

    class Recorded(Event):
        class_version = 2

        valid_from: date
        title: str
        description: str | None
        status: str | None
        status_since: date | None
        number: int | None
        category: str | None
        responsible: str | None
        listed: bool
        milestones: list[dict[str, str]]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Version 1 had no description: a task recorded then has none."""
            state["description"] = None

        def apply_to(self, task: Task) -> None:
            task.states.set(self.valid_from, self.state())

        def state(self) -> dict[str, Any]:
            return {
                "title": self.title,
                "description": self.description,
                "status": self.status,
                "status_since": self.status_since,
                "number": self.number,
                "category": self.category,
                "responsible": self.responsible,
                "listed": self.listed,
                "milestones": self.milestones,
            }

    def record(
        self,
        *,
        valid_from: date,
        title: str,
        description: str | None,
        status: TaskStatus | None,
        status_since: date | None,
        number: int | None,
        category: str | None,
        responsible: str | None,
        listed: bool,
        milestones: list[dict[str, str]],
        provenance: Provenance,
    ) -> None:
        check_date("validFrom", valid_from)
        if number is not None and number < 1:
            raise invalid("number", number, "must be 1 or more (① is 1)")
        if status_since is not None:
            check_date("statusSince", status_since)
            if status is None:
                raise invalid("statusSince", status_since.isoformat(), "needs a status")
            if status_since > valid_from:
                raise invalid("statusSince", status_since.isoformat(), "is after validFrom")
        state = task_state(
            title=title,
            description=description,
            status=status,
            status_since=status_since,
            number=number,
            category=category,
            responsible=responsible,
            listed=listed,
            milestones=milestones,
        )
        self.trigger_event(self.Recorded, valid_from=valid_from, **state, **provenance.fields())

    def state_on(self, valid_from: date) -> dict[str, Any] | None:
        """The state recorded from exactly this date on (task_state's fields)."""
        return self.states.exactly(valid_from)

    def state_in_force(self, on: date) -> dict[str, Any] | None:
        """The state of the latest date on or before a date."""
        return self.states.at(on)

    class Retracted(Event):
        valid_from: date

        def apply_to(self, task: Task) -> None:
            task.states.drop(self.valid_from)

    def retract(self, valid_from: date, provenance: Provenance) -> None:
        if self.states.exactly(valid_from) is None:
            raise invalid("validFrom", valid_from.isoformat(), "has no task record to retract")
        if not provenance.has_reason:
            raise invalid("reason", provenance.reason, "is required to retract a record")
        self.trigger_event(self.Retracted, valid_from=valid_from, **provenance.fields())
