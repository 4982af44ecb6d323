"""What the ledger holds, as the matcher needs it to place a report's facts (reports/match.py):
the units by name and parent, and under each the labels that identify its facts (its staffing
series, budget lines, tasks and indicators), with the ids the ledger knows them by. Plain values
only: the read model's query fills them (the dates it asks about are the report's), the matcher
reads them. Names compare unspaced and NFC (domain.names.unspaced)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from domain.names import unspaced


@dataclass(frozen=True)
class HeldSeries:
    """A staffing series of a unit under one of its labels (a relabelled series appears once per
    label). last_seen: the latest reference date of a table with a row so labelled."""

    series_key: str
    category: str
    grade: str | None
    last_seen: date | None = None


@dataclass(frozen=True)
class HeldRow:
    """A row of a staffing table the ledger holds at one of the report's dates."""

    series_key: str
    authorized: int | None
    current: int
    women: int | None = None
    resolution: str | None = None


@dataclass(frozen=True)
class HeldTable:
    """The unit's staffing table at one of the report's dates: what a re-read is compared with."""

    reference_date: date
    rows: tuple[HeldRow, ...] = ()


@dataclass(frozen=True)
class HeldLine:
    """A budget line of one fiscal year (its id is budget_line_id(f"{line}:{fiscal_year}"))."""

    id: UUID
    fiscal_year: int
    account: str | None
    item: str


@dataclass(frozen=True)
class HeldTask:
    """A task with its state in force at the report's date (valid_from: that state's date)."""

    id: UUID
    kind: str
    title: str
    valid_from: date
    number: int | None = None
    description: str | None = None
    category: str | None = None
    listed: bool = True


@dataclass(frozen=True)
class HeldIndicator:
    id: UUID
    name: str
    group: str | None
    measure: str


@dataclass(frozen=True)
class HeldUnit:
    """A unit with its name and parent in force at the report's date; valid_from is the date
    from which they are (its registration date, unless renamed or moved since)."""

    id: UUID
    name: str
    parent_id: UUID | None
    valid_from: date
    series: tuple[HeldSeries, ...] = ()
    tables: tuple[HeldTable, ...] = ()
    lines: tuple[HeldLine, ...] = ()
    tasks: tuple[HeldTask, ...] = ()
    indicators: tuple[HeldIndicator, ...] = ()

    def table_on(self, day: date) -> HeldTable | None:
        return next((table for table in self.tables if table.reference_date == day), None)


@dataclass(frozen=True)
class Holdings:
    """The units the ledger holds (as known now; a unit registered after the report's date is
    included, so that the matcher can say so rather than register it twice), each with what it
    holds."""

    units: tuple[HeldUnit, ...] = ()
    _by_id: dict[UUID, HeldUnit] = field(init=False, repr=False, compare=False)
    _by_name: dict[str, tuple[HeldUnit, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name: dict[str, list[HeldUnit]] = {}
        for unit in self.units:
            by_name.setdefault(unspaced(unit.name), []).append(unit)
        object.__setattr__(self, "_by_id", {unit.id: unit for unit in self.units})
        object.__setattr__(self, "_by_name", {k: tuple(v) for k, v in by_name.items()})

    def unit(self, unit_id: UUID | None) -> HeldUnit | None:
        return None if unit_id is None else self._by_id.get(unit_id)

    def named(self, name: str) -> tuple[HeldUnit, ...]:
        """The units of that name (compared unspaced, NFC)."""
        return self._by_name.get(unspaced(name), ())

    def roots(self) -> tuple[HeldUnit, ...]:
        return tuple(unit for unit in self.units if unit.parent_id is None)

    def children(self, unit: HeldUnit) -> tuple[HeldUnit, ...]:
        return tuple(other for other in self.units if other.parent_id == unit.id)

    def ancestors(self, unit: HeldUnit) -> Iterator[HeldUnit]:
        """The units above unit, nearest first."""
        seen = {unit.id}
        parent = self.unit(unit.parent_id)
        while parent is not None and parent.id not in seen:
            seen.add(parent.id)
            yield parent
            parent = self.unit(parent.parent_id)

    def descendants(self, unit: HeldUnit) -> Iterator[HeldUnit]:
        """The units below unit, at any depth."""
        for other in self.units:
            if other.id != unit.id and any(a.id == unit.id for a in self.ancestors(other)):
                yield other

    def related(self, unit: HeldUnit) -> Iterator[HeldUnit]:
        """The units above unit, nearest first, then those below it."""
        yield from self.ancestors(unit)
        yield from self.descendants(unit)
