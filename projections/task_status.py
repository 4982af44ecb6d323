"""Since when a task's status holds: a task's records each state its status, and may state the
date it holds since; that date belongs to the status, not to the record, so it is the earliest
one stated by the latest records that keep the same status (a record that restates the status
does not move it). Pure: the read side applies it to a task's history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from itertools import takewhile
from typing import Any


def status_since(history: Sequence[Mapping[str, Any]]) -> date | None:
    """The date the current status holds since, from the task's records in valid-date order
    (their values as the read model keeps them); None when no record of the current status
    states one, or the task has no status."""
    status = history[-1]["status"]
    if not status:
        return None
    run = takewhile(lambda record: record["status"] == status, reversed(history))
    stated = [record["status_since"] for record in run if record.get("status_since")]
    return date.fromisoformat(min(stated)) if stated else None
