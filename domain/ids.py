"""Deterministic ids for facts that arrive with a stable key (the importer's data files)."""

from __future__ import annotations

from uuid import UUID, uuid5

NAMESPACE = UUID("6f1d3c2a-8b0e-5a7c-9d41-2e5b7f0a9c13")


def unit_id(key: str) -> UUID:
    return uuid5(NAMESPACE, f"unit:{key}")


def budget_line_id(key: str) -> UUID:
    return uuid5(NAMESPACE, f"budget-line:{key}")


def task_id(key: str) -> UUID:
    return uuid5(NAMESPACE, f"task:{key}")
