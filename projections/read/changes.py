"""What changed, field by field, between two sets of facts in force: every figure, line, task and
indicator point whose value in one differs from its value in the other, with the log positions
that made the difference. OrgUnit.changes compares a subtree at two dates (unit_changes.py),
Event.changes the facts an event touched just before and after it (event_changes.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

FIELDS: dict[str, tuple[str, ...]] = {
    "org.name": ("name",),
    "org.parent": ("parent_id",),
    "org.status": ("open",),
    "budget": ("account", "item", "budgeted", "executed", "projects"),
    "task": (
        "title",
        "description",
        "status",
        "status_since",
        "number",
        "category",
        "responsible",
        "listed",
    ),
    "indicator": ("value", "printed"),
}
ROW_FIELDS = ("job_category", "grade", "authorized", "current", "women")
SUBJECT_TYPES = {"budget": "BudgetLine", "task": "Task", "indicator": "Indicator"}


@dataclass(frozen=True)
class Fact:
    kind: str
    subject_id: UUID
    owner_id: UUID
    value: dict[str, Any]


@dataclass(frozen=True)
class FieldChange:
    kind: str
    subject_id: UUID
    subject_type: str
    owner_id: UUID
    key: str
    field: str
    old: Any
    new: Any
    label: str
    positions: tuple[int, ...]
    valid_from: date | None = None
    """The valid date of the fact version compared, where one date is (a recording's changes:
    projections/read/learned.py); None where two dates are compared (OrgUnit.changes)."""


def flatten(kind: str, value: dict[str, Any] | None) -> dict[tuple[str, str], Any]:
    """A fact's comparable values, keyed by (series key or "", field)."""
    if value is None:
        return {}
    if kind == "staffing":
        flat = {(row["series_key"], f): row.get(f) for row in value["rows"] for f in ROW_FIELDS}
        flat[("", "women")] = value.get("women")
        flat[("", "note")] = value.get("note")
        return flat
    if kind == "indicator":
        point = f"{value['period']} {value['kind']}"
        return {(point, f): value.get(f) for f in FIELDS[kind]}
    return {("", f): value.get(f) for f in FIELDS.get(kind, ())}


def subject_of(fact: Fact) -> UUID:
    """The subject a change is reported for: an indicator's point belongs to its indicator."""
    return UUID(fact.value["indicator_id"]) if fact.kind == "indicator" else fact.subject_id


def label_of(fact: Fact, names: dict[UUID, str]) -> str:
    if fact.kind == "budget":
        return str(fact.value.get("item", ""))
    if fact.kind == "task":
        return str(fact.value.get("title", ""))
    if fact.kind == "indicator":
        return names.get(subject_of(fact), "")
    return names.get(fact.owner_id, str(fact.owner_id))


def changes_between(
    before: dict[tuple[str, UUID], Fact],
    after: dict[tuple[str, UUID], Fact],
    names: dict[UUID, str],
    positions: dict[tuple[str, UUID], tuple[int, ...]],
) -> list[FieldChange]:
    found: list[FieldChange] = []
    names = {**names, **indicator_names(before, after)}
    for key in sorted(before.keys() | after.keys(), key=lambda k: (k[0], str(k[1]))):
        old_fact, new_fact = before.get(key), after.get(key)
        fact = new_fact or old_fact
        assert fact is not None
        old = flatten(fact.kind, old_fact.value if old_fact else None)
        new = flatten(fact.kind, new_fact.value if new_fact else None)
        for series, field in sorted(old.keys() | new.keys()):
            if old.get((series, field)) == new.get((series, field)):
                continue
            found.append(
                FieldChange(
                    kind=fact.kind,
                    subject_id=subject_of(fact),
                    subject_type=SUBJECT_TYPES.get(fact.kind, "OrgUnit"),
                    owner_id=fact.owner_id,
                    key=series,
                    field=field,
                    old=old.get((series, field)),
                    new=new.get((series, field)),
                    label=label_of(fact, names),
                    positions=positions.get(key, ()),
                )
            )
    return found


def indicator_names(*facts: dict[tuple[str, UUID], Fact]) -> dict[UUID, str]:
    return {
        fact.subject_id: str(fact.value["name"])
        for in_force in facts
        for fact in in_force.values()
        if fact.kind == "indicator.name"
    }
