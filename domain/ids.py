"""Deterministic ids for facts that arrive with a stable key (the importer's data files)."""

from __future__ import annotations

from uuid import UUID, uuid5

from domain.names import unspaced

NAMESPACE = UUID("6f1d3c2a-8b0e-5a7c-9d41-2e5b7f0a9c13")


def unit_id(key: str) -> UUID:
    return uuid5(NAMESPACE, f"unit:{key}")


def budget_line_id(key: str) -> UUID:
    return uuid5(NAMESPACE, f"budget-line:{key}")


def task_id(key: str) -> UUID:
    return uuid5(NAMESPACE, f"task:{key}")


def indicator_id(key: str) -> UUID:
    return uuid5(NAMESPACE, f"indicator:{key}")


def unit_indicator_id(org_unit_id: UUID, group: str | None, name: str) -> UUID:
    """A new indicator's id when neither a key nor an id is given: it follows from what
    identifies it, so a second create of the same indicator records on the first one."""
    return uuid5(NAMESPACE, f"indicator:{org_unit_id}:{unspaced(group or '')}:{unspaced(name)}")
