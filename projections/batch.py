"""One batch of the projector's work: the rows its events add, with corrections inside the
batch resolved in memory, so that the database sees one UPDATE and two COPYs per batch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID


@dataclass
class Subject:
    subject_type: str
    owner_id: UUID
    version: int
    attrs: dict[str, Any]


@dataclass
class FactRow:
    kind: str
    subject_id: UUID
    valid_from: Any
    owner_id: UUID
    value: dict[str, Any]
    recorded_from: datetime
    position: int
    recorded_to: datetime | None = None

    @property
    def key(self) -> tuple[str, UUID, Any]:
        return (self.kind, self.subject_id, self.valid_from)


class Batch:
    """The rows one batch of events adds, resolving corrections within the batch in memory."""

    def __init__(self) -> None:
        self.facts: list[FactRow] = []
        self.events: list[tuple[Any, ...]] = []
        self.close_believed: dict[tuple[str, UUID, Any], datetime] = {}
        self._open: dict[tuple[str, UUID, Any], FactRow] = {}

    def change(self, key: tuple[str, UUID, Any], moment: datetime, row: FactRow | None) -> None:
        if key in self._open:
            self._open.pop(key).recorded_to = moment
        elif key not in self.close_believed:
            self.close_believed[key] = moment
        if row is not None:
            self.facts.append(row)
            self._open[key] = row
