"""Staffing on the read model (asyncpg): each unit's table in force at (asOf, knownAt), one
backward index probe per unit, its lines labelled from the interned labels."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg

from projections.read import units
from projections.read.units import KNOWN, Conn
from projections.staffing_views import (
    Label,
    StaffingTable,
    StaffingView,
    TableColumns,
    roll_up_staffing,
)
from projections.views import UnitView

TABLES = f"""
SELECT u.id AS unit_id, f.* FROM unnest($3::uuid[]) AS u(id) CROSS JOIN LATERAL (
    SELECT valid_from, labels, authorized, current, women, resolutions, unit_women, note, source
    FROM rm_staffing WHERE unit_id = u.id AND valid_from <= $1 AND {KNOWN}
    ORDER BY valid_from DESC LIMIT 1
) f
"""


UNIT_AND_TABLE = f"""
SELECT u.id, u.name, u.parent_id, u.valid_from AS unit_from, u.id AS unit_id, f.*
FROM ({units.BY_ID}) u LEFT JOIN LATERAL (
    SELECT valid_from, labels, authorized, current, women, resolutions, unit_women, note, source
    FROM rm_staffing WHERE unit_id = u.id AND valid_from <= $1 AND {KNOWN}
    ORDER BY valid_from DESC LIMIT 1
) f ON true
"""
"""A unit in force with its own table in force, in one statement (what a client reading one
unit's staffing asks for)."""


class Labels:
    """The (series key, job category, grade) of each label id. Ids are given out in the order
    the log first shows each label and never change, so a process keeps what it has read."""

    def __init__(self) -> None:
        self.known: dict[int, Label] = {}

    async def resolve(self, conn: Conn, ids: Iterable[int]) -> dict[int, Label]:
        missing = {i for i in ids if i not in self.known}
        if missing:
            rows = await conn.fetch(
                "SELECT id, series_key, job_category, grade FROM rm_labels WHERE id = ANY($1)",
                list(missing),
            )
            for row in rows:
                self.known[row["id"]] = (row["series_key"], row["job_category"], row["grade"])
        return self.known


def _table(row: asyncpg.Record, labels: dict[int, Label]) -> StaffingTable:
    columns = TableColumns(
        label_ids=row["labels"],
        labels=labels,
        authorized=row["authorized"],
        current=row["current"],
        women=row["women"],
        resolutions=row["resolutions"],
    )
    return StaffingTable(
        unit_id=row["unit_id"],
        reference_date=row["valid_from"],
        lines=columns,
        women=row["unit_women"],
        note=row["note"],
        source=row["source"],
    )


async def tables(
    conn: Conn,
    unit_ids: Sequence[UUID],
    as_of: date,
    known_at: datetime,
    labels: Labels | None = None,
) -> list[StaffingTable]:
    """The table in force of each of these units that has one, in the order of the ids."""
    rows = await conn.fetch(TABLES, as_of, known_at, list(unit_ids))
    names = await (labels or Labels()).resolve(conn, {i for row in rows for i in row["labels"]})
    return [_table(row, names) for row in rows]


async def unit_and_table(
    conn: Conn, unit_id: UUID, as_of: date, known_at: datetime, labels: Labels | None = None
) -> tuple[UnitView | None, StaffingTable | None]:
    """The unit in force at (as_of, known_at), and its own staffing table in force then."""
    row = await conn.fetchrow(UNIT_AND_TABLE, as_of, known_at, [unit_id])
    if row is None:
        return None, None
    unit = UnitView(row["id"], row["name"], row["parent_id"], row["unit_from"])
    if row["labels"] is None:
        return unit, None
    names = await (labels or Labels()).resolve(conn, row["labels"])
    return unit, _table(row, names)


async def staffing(
    conn: Conn,
    unit_ids: Sequence[UUID],
    as_of: date,
    known_at: datetime,
    labels: Labels | None = None,
) -> StaffingView | None:
    """The units' tables in force, summed by series."""
    return roll_up_staffing(await tables(conn, unit_ids, as_of, known_at, labels))


async def tables_by_owner(
    conn: Conn, owner_ids: Sequence[UUID], as_of: date, known_at: datetime
) -> dict[tuple[str, UUID], dict[str, Any]]:
    """The tables in force, as changes() compares facts: keyed ("staffing", unit)."""
    found = await tables(conn, owner_ids, as_of, known_at)
    return {("staffing", table.unit_id): table.value() for table in found}


async def positions_between(
    conn: Conn, owner_ids: Sequence[UUID], start: date, end: date, known_at: datetime
) -> dict[tuple[str, UUID], tuple[int, ...]]:
    """The log positions that recorded the tables taking effect after start and up to end."""
    rows = await conn.fetch(
        "SELECT unit_id, array_agg(position ORDER BY position) AS positions FROM rm_staffing "
        f"WHERE unit_id = ANY($3) AND valid_from > $1 AND valid_from <= $4 AND {KNOWN} "
        "GROUP BY unit_id",
        start,
        known_at,
        list(owner_ids),
        end,
    )
    return {("staffing", row["unit_id"]): tuple(row["positions"]) for row in rows}
