"""What the ledger holds, by label, for the matcher of a work report (reports/match.py): every
unit with its name and parent at the report's date (a unit registered later too, with its first
name and parent, so that an older report finds it rather than registering it again), and under
the units the report names (with those above and below them) their staffing series and tables,
budget lines, tasks and indicators. Everything as known at known_at."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg

from domain.names import unspaced
from projections.read.units import KNOWN, Conn
from reports.holdings import (
    HeldIndicator,
    HeldLine,
    HeldRow,
    HeldSeries,
    HeldTable,
    HeldTask,
    HeldUnit,
    Holdings,
)

UNIT_FACTS = (
    "SELECT kind, subject_id, valid_from, value FROM rm_facts "
    f"WHERE kind IN ('org.name', 'org.parent') AND {KNOWN} AND $1::date IS NOT NULL "
    "ORDER BY subject_id, kind, valid_from"
)
STAFFING = (
    "SELECT s.unit_id, s.valid_from, s.labels, s.authorized, s.current, s.women, s.resolutions "
    f"FROM rm_staffing s WHERE s.unit_id = ANY($3) AND {KNOWN} AND $1::date IS NOT NULL "
    "ORDER BY s.unit_id, s.valid_from"
)
LABELS = "SELECT id, series_key, job_category, grade FROM rm_labels WHERE id = ANY($1)"
FACTS = (
    "SELECT kind, subject_id, owner_id, valid_from, value FROM rm_facts "
    f"WHERE kind IN ('budget', 'task', 'indicator.name') AND owner_id = ANY($3) AND {KNOWN} "
    "AND $1::date IS NOT NULL ORDER BY subject_id, valid_from"
)


async def holdings(
    conn: Conn, dates: Sequence[date], known_at: datetime, names: Iterable[str]
) -> Holdings:
    """The holdings for a report of these reference dates (its latest is the date units and
    tasks are taken at) naming these units."""
    on = max(dates)
    timelines = await _unit_timelines(conn, on, known_at)
    bare = {unit_id: _unit(unit_id, facts, on) for unit_id, facts in timelines.items()}
    involved = _involved(bare, {unspaced(name) for name in names})
    staffing = await _staffing(conn, on, known_at, involved, set(dates))
    owned = await _owned(conn, on, known_at, involved)
    units = [
        _with_facts(bare[unit_id], staffing.get(unit_id, ((), ())), owned.get(unit_id, {}))
        if unit_id in involved
        else bare[unit_id]
        for unit_id in sorted(bare)
    ]
    return Holdings(tuple(units))


async def _unit_timelines(
    conn: Conn, on: date, known_at: datetime
) -> dict[UUID, dict[str, list[tuple[date, Any]]]]:
    found: dict[UUID, dict[str, list[tuple[date, Any]]]] = defaultdict(lambda: defaultdict(list))
    for row in await conn.fetch(UNIT_FACTS, on, known_at):
        value = row["value"]
        held = value["name"] if row["kind"] == "org.name" else value["parent_id"]
        found[row["subject_id"]][row["kind"]].append((row["valid_from"], held))
    return found


def _at(dated: list[tuple[date, Any]], on: date) -> Any:
    """The value in force on a date, else the first one recorded (a unit registered later)."""
    before = [value for day, value in dated if day <= on]
    return before[-1] if before else dated[0][1]


def _unit(unit_id: UUID, facts: dict[str, list[tuple[date, Any]]], on: date) -> HeldUnit:
    names, parents = facts["org.name"], facts.get("org.parent", [])
    parent = _at(parents, on) if parents else None
    return HeldUnit(
        id=unit_id,
        name=_at(names, on),
        parent_id=UUID(parent) if parent else None,
        valid_from=names[0][0],
    )


def _involved(units: dict[UUID, HeldUnit], names: set[str]) -> set[UUID]:
    """The units the report names, with every unit above and below them."""
    named = {u.id for u in units.values() if unspaced(u.name) in names}
    found = set(named)
    for unit in units.values():
        chain, parent = [unit.id], unit.parent_id
        while parent is not None and parent in units and parent not in chain:
            chain.append(parent)
            parent = units[parent].parent_id
        if named & set(chain):
            found.update(chain)
    return found


Staffing = tuple[tuple[HeldSeries, ...], tuple[HeldTable, ...]]


async def _staffing(
    conn: Conn, on: date, known_at: datetime, units: set[UUID], dates: set[date]
) -> dict[UUID, Staffing]:
    rows = await conn.fetch(STAFFING, on, known_at, list(units))
    labels = {
        row["id"]: (row["series_key"], row["job_category"], row["grade"])
        for row in await conn.fetch(LABELS, list({i for row in rows for i in row["labels"]}))
    }
    by_unit: dict[UUID, list[asyncpg.Record]] = defaultdict(list)
    for row in rows:
        by_unit[row["unit_id"]].append(row)
    return {unit: _series_and_tables(found, labels, dates) for unit, found in by_unit.items()}


def _series_and_tables(
    rows: list[asyncpg.Record], labels: dict[int, tuple[str, str, str | None]], dates: set[date]
) -> Staffing:
    seen: dict[tuple[str, str, str | None], date] = {}
    tables = []
    for row in rows:
        for label in row["labels"]:
            seen[labels[label]] = row["valid_from"]
        if row["valid_from"] in dates:
            tables.append(HeldTable(row["valid_from"], _rows(row, labels)))
    series = tuple(HeldSeries(key, cat, grade, day) for (key, cat, grade), day in seen.items())
    return series, tuple(tables)


def _rows(
    row: asyncpg.Record, labels: dict[int, tuple[str, str, str | None]]
) -> tuple[HeldRow, ...]:
    count = len(row["labels"])
    women = row["women"] or [None] * count
    notes = row["resolutions"] or [None] * count
    return tuple(
        HeldRow(labels[label][0], authorized, current, woman, note)
        for label, authorized, current, woman, note in zip(
            row["labels"], row["authorized"], row["current"], women, notes, strict=True
        )
    )


async def _owned(
    conn: Conn, on: date, known_at: datetime, units: set[UUID]
) -> dict[UUID, dict[str, list[Any]]]:
    histories: dict[UUID, list[asyncpg.Record]] = defaultdict(list)
    for row in await conn.fetch(FACTS, on, known_at, list(units)):
        histories[row["subject_id"]].append(row)
    owned: dict[UUID, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for subject, history in histories.items():
        kind, owner = history[-1]["kind"], history[-1]["owner_id"]
        owned[owner][kind].append(_held(kind, subject, history, on))
    return owned


def _held(kind: str, subject: UUID, history: list[asyncpg.Record], on: date) -> Any:
    """A line or an indicator as last recorded; a task as in force on the report's date (its
    first state, for a task first recorded after it)."""
    latest = history[-1]["value"]
    if kind == "budget":
        return HeldLine(subject, latest["fiscal_year"], latest["account"], latest["item"])
    if kind == "indicator.name":
        return HeldIndicator(subject, latest["name"], latest["group"], latest["measure"])
    in_force = [row for row in history if row["valid_from"] <= on] or history[:1]
    state, valid_from = in_force[-1]["value"], in_force[-1]["valid_from"]
    return HeldTask(
        id=subject,
        kind=state["kind"],
        title=state["title"],
        valid_from=valid_from,
        number=state["number"],
        description=state.get("description"),
        category=state["category"],
        listed=state["listed"],
    )


def _with_facts(unit: HeldUnit, staffing: Staffing, owned: dict[str, list[Any]]) -> HeldUnit:
    series, tables = staffing
    return HeldUnit(
        id=unit.id,
        name=unit.name,
        parent_id=unit.parent_id,
        valid_from=unit.valid_from,
        series=series,
        tables=tables,
        lines=tuple(owned.get("budget", ())),
        tasks=tuple(owned.get("task", ())),
        indicators=tuple(owned.get("indicator.name", ())),
    )
