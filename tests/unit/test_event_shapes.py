"""Stored events outlive the code: an event class whose fields change must say so with a new
class_version and an upcaster (eventsourcing's `upcast_v1_v2`), so that every data dir keeps
working. This test holds the shapes as released; it fails on a change that forgot either."""

from __future__ import annotations

import dataclasses

from projections.facts import ENVELOPE, PUBLIC_TYPES

RELEASED: dict[str, tuple[int, tuple[str, ...]]] = {
    "OrgUnitRegistered": (1, ("actor", "reason", "source", "name", "parent_id", "valid_from")),
    "OrgUnitRenamed": (1, ("actor", "reason", "source", "name", "valid_from")),
    "OrgUnitMoved": (1, ("actor", "reason", "source", "parent_id", "valid_from")),
    "OrgUnitClosed": (1, ("actor", "reason", "source", "valid_from")),
    "StaffingRecorded": (
        1,
        ("actor", "reason", "source", "reference_date", "rows", "women", "note"),
    ),
    "StaffingRetracted": (1, ("actor", "reason", "source", "reference_date")),
    "BudgetLineOpened": (1, ("actor", "reason", "source", "owner_id", "fiscal_year")),
    "BudgetRecorded": (
        1,
        (
            "actor",
            "reason",
            "source",
            "reference_date",
            "account",
            "item",
            "budgeted",
            "executed",
            "projects",
            "note",
            "as_printed",
        ),
    ),
    "BudgetRecordRetracted": (1, ("actor", "reason", "source", "reference_date")),
    "TaskOpened": (1, ("actor", "reason", "source", "owner_id", "kind")),
    "TaskRecorded": (
        2,
        (
            "actor",
            "reason",
            "source",
            "valid_from",
            "title",
            "description",
            "status",
            "status_since",
            "number",
            "category",
            "responsible",
            "listed",
            "milestones",
        ),
    ),
    "TaskRecordRetracted": (1, ("actor", "reason", "source", "valid_from")),
    "IndicatorOpened": (1, ("actor", "reason", "source", "owner_id", "name", "group", "measure")),
    "IndicatorValueRecorded": (
        1,
        ("actor", "reason", "source", "period", "kind", "value", "reference_date", "printed"),
    ),
    "IndicatorValueRetracted": (
        1,
        ("actor", "reason", "source", "period", "kind", "reference_date"),
    ),
}


def shape(cls: type) -> tuple[int, tuple[str, ...]]:
    fields = tuple(f.name for f in dataclasses.fields(cls) if f.name not in ENVELOPE)
    return getattr(cls, "class_version", 1), fields


def test_every_event_class_keeps_its_released_shape_or_declares_a_new_version() -> None:
    current = {name: shape(cls) for cls, name in PUBLIC_TYPES.items()}
    assert current.keys() == RELEASED.keys(), "an event class was added or removed: list it here"
    for name, (version, fields) in current.items():
        released_version, released_fields = RELEASED[name]
        if fields != released_fields:
            assert version > released_version, (
                f"{name} changed its fields without a new class_version and upcaster"
            )


def test_a_new_version_has_an_upcaster_from_each_older_one() -> None:
    for cls in PUBLIC_TYPES:
        version = getattr(cls, "class_version", 1)
        missing = [n for n in range(1, version) if not hasattr(cls, f"upcast_v{n}_v{n + 1}")]
        assert not missing, f"{cls.__qualname__} lacks upcast_v{missing[0]}_v{missing[0] + 1}"
