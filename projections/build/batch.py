"""One batch of the projector's work: the rows its events add, with corrections inside the
batch resolved in memory, so that the database sees one UPDATE and one COPY per table."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple
from uuid import UUID


class FactKey(NamedTuple):
    """One fact, whose versions follow each other in transaction time."""

    kind: str
    subject_id: UUID
    valid_from: date


@dataclass
class Subject:
    subject_type: str
    owner_id: UUID
    version: int
    attrs: dict[str, Any]
    government_id: UUID | None = None
    """The government of its first event (None until that event is built)."""


@dataclass
class FactRow:
    kind: str
    subject_id: UUID
    valid_from: date
    owner_id: UUID
    value: dict[str, Any]
    recorded_from: datetime
    position: int
    recorded_to: datetime | None = None
    government_id: UUID | None = None
    """Set once the event that puts it has placed its owner in the tree."""

    @property
    def key(self) -> FactKey:
        return FactKey(self.kind, self.subject_id, self.valid_from)


@dataclass(frozen=True)
class EventRow:
    """The public log's row of one event (rm_events)."""

    position: int
    type: str
    subject_id: UUID
    subject_type: str
    subject_version: int
    valid_from: date | None
    recorded_at: datetime
    actor: str
    reason: str | None
    source: str | None
    owner_id: UUID
    unit_path: list[UUID]
    government_id: UUID


class UnitChange(NamedTuple):
    """A unit's staffing table, place or status changed at `moment`, from `valid_from` on: what
    the rollup (rollup.py) recomputes from."""

    moment: datetime
    unit_id: UUID
    valid_from: date


class TableTotals(NamedTuple):
    """One version of a unit's staffing table, summed as Staffing sums it (authorized and women
    None unless every line, or the unit, gives them)."""

    unit_id: UUID
    valid_from: date
    recorded_from: datetime
    recorded_to: datetime | None
    authorized: int | None
    current: int
    women: int | None


@dataclass
class Batch:
    """The rows one batch of events adds, resolving corrections within the batch in memory."""

    facts: list[FactRow] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)
    close_believed: dict[FactKey, datetime] = field(default_factory=dict)
    touched: set[UUID] = field(default_factory=set)
    units_changed: list[UnitChange] = field(default_factory=list)
    closed_tables: list[TableTotals] = field(default_factory=list)
    """The staffing tables, written by earlier batches, that this one closed (as the UPDATE
    that closed them returned them)."""
    first_position: int = 0
    first_moment: datetime | None = None
    last_moment: datetime | None = None
    tree_version: int = 0
    """The version of the org tree (tree.ParentTimelines) before the batch's events."""
    _open: dict[FactKey, FactRow] = field(default_factory=dict)

    def change(
        self, key: FactKey, moment: datetime, row: FactRow | None, believed: bool = True
    ) -> None:
        """Record a new version of a fact (row), or none (a retraction); a version believed
        until now ends at moment: in memory if this batch wrote it, else in the database
        (`believed` says whether the database may hold one)."""
        if key in self._open:
            self._open.pop(key).recorded_to = moment
        elif believed and key not in self.close_believed:
            self.close_believed[key] = moment
        if row is not None:
            self.facts.append(row)
            self._open[key] = row
