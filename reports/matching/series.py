"""Staffing tables: each row's series, matched among the unit's held series by category and
grade, else by a relabelling (the same category, grades whose numbers overlap: 2~3급 and
2급상당, 8~9급 and 8·9급), else new. A row read with the same figures as the ledger's row of its
series at the same date keeps the ledger's resolution: a re-read is not a correction."""

from __future__ import annotations

import re
from typing import Any

from domain.names import unspaced
from domain.staffing import derive_series_key
from reports.draft import NEW, Match
from reports.holdings import HeldRow, HeldSeries, HeldTable
from reports.matching.context import Context, UnitRef
from reports.matching.keys import new_key, unique
from reports.model import StaffingFact, StaffingRowFact

_RANGE = re.compile(r"(\d+)\s*[~∼〜～]\s*(\d+)")
_NUMBER = re.compile(r"\d+")


def match_staffing(context: Context) -> None:
    for fact in context.reading.facts():
        if isinstance(fact, StaffingFact):
            _table(context, fact)


def grade_numbers(grade: str | None) -> frozenset[int]:
    """The grades a label spans: 2~3급 is {2, 3}, 8·9급 {8, 9}, 2급상당 {2}, 6급이하 {6}."""
    if not grade:
        return frozenset()
    found = _RANGE.search(grade)
    if found is not None:
        return frozenset(range(int(found[1]), int(found[2]) + 1))
    return frozenset(int(number) for number in _NUMBER.findall(grade))


def _table(context: Context, fact: StaffingFact) -> None:
    unit = context.unit(fact.unit)
    held = unit.held.series if unit.held else ()
    table = unit.held.table_on(fact.reference_date) if unit.held else None
    keys = _series_keys(context, fact, unit, held)
    entry: dict[str, Any] = {"unit": unit.key, "reference_date": fact.reference_date.isoformat(),
                             "source_line": fact.source.line}
    if fact.women is not None:
        entry["women"] = fact.women
    if fact.note is not None:
        entry["note"] = fact.note
    entry["rows"] = [_row(row, key, table) for row, key in zip(fact.rows, keys, strict=True)]
    entry.update(context.section("staffing", fact.table))
    context.entries("staffing").append(entry)


def _series_keys(context: Context, fact: StaffingFact, unit: UnitRef,
                 held: tuple[HeldSeries, ...]) -> list[str]:
    """Each row's series key: the same label first, then a relabelling, then a new key; a held
    series serves one row of the table."""
    found: list[tuple[str, str] | None] = [_same(row, held) for row in fact.rows]
    claimed = {match[0] for match in found if match is not None}
    for index, row in enumerate(fact.rows):
        if found[index] is None:
            found[index] = _relabelled(row, fact, held, claimed)
    taken: set[str] = set(claimed)
    keys: list[str] = []
    for row, match in zip(fact.rows, found, strict=True):
        label = f"{row.category} {row.grade or ''}".strip() + f" of {unit.name}"
        if match is None:
            key = unique(new_key("series", derive_series_key(row.category, row.grade)), taken)
            context.matched(Match("series", label, key, NEW, None, fact.source))
        else:
            key, why = match
            context.matched(Match("series", label, key, why, key, fact.source))
        keys.append(key)
    return keys


def _same(row: StaffingRowFact, held: tuple[HeldSeries, ...]) -> tuple[str, str] | None:
    for series in held:
        if unspaced(series.category) == unspaced(row.category) and _grade(series.grade) == \
                _grade(row.grade):
            return series.series_key, "same category and grade"
    return None


def _grade(grade: str | None) -> str:
    return unspaced(grade or "")


def _relabelled(row: StaffingRowFact, fact: StaffingFact, held: tuple[HeldSeries, ...],
                claimed: set[str]) -> tuple[str, str] | None:
    numbers = grade_numbers(row.grade)
    candidates = [
        series for series in held
        if series.series_key not in claimed and unspaced(series.category) == unspaced(row.category)
        and numbers & grade_numbers(series.grade)
    ]
    if len({series.series_key for series in candidates}) != 1:
        return None
    series = candidates[0]
    claimed.add(series.series_key)
    shared = sorted(numbers & grade_numbers(series.grade))
    grades = " and ".join(str(number) for number in shared)
    then = f" ({series.last_seen.year})" if series.last_seen else ""
    why = (f"relabelled: {row.grade} ({fact.reference_date.year}) and {series.grade}{then} "
           f"share grade{'s' if len(shared) > 1 else ''} {grades}")
    return series.series_key, why


def _row(row: StaffingRowFact, key: str, table: HeldTable | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"series": key, "category": row.category}
    if row.grade is not None:
        entry["grade"] = row.grade
    if row.authorized is not None:
        entry["authorized"] = row.authorized
    entry["current"] = row.current
    if row.women is not None:
        entry["women"] = row.women
    resolution = _resolution(row, key, table)
    if resolution is not None:
        entry["resolution"] = resolution
    return entry


def _resolution(row: StaffingRowFact, key: str, table: HeldTable | None) -> str | None:
    """The ledger's resolution where it holds this row with the same figures, else the
    reader's."""
    held: HeldRow | None = None
    if table is not None:
        held = next((r for r in table.rows if r.series_key == key), None)
    same = held is not None and (held.authorized, held.current, held.women) == (
        row.authorized, row.current, row.women)
    return held.resolution if same and held is not None else row.resolution
