"""Indicators on the read model (asyncpg): each point (period, kind) as of its latest reference
date on or before asOf, as known at knownAt."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

import asyncpg

from projections.read.queries import KNOWN, Conn


@dataclass(frozen=True)
class IndicatorPointView:
    period: str
    kind: str
    value: int
    reference_date: date
    printed: str | None
    source: str | None


@dataclass(frozen=True)
class IndicatorView:
    id: UUID
    owner_id: UUID
    name: str
    group: str | None
    measure: str
    points: list[IndicatorPointView]


POINTS = (
    "SELECT DISTINCT ON (subject_id) owner_id, valid_from, value FROM rm_facts "
    f"WHERE kind = 'indicator' AND owner_id = ANY($3) AND valid_from <= $1 AND {KNOWN} "
    "AND ($4::text IS NULL OR value->>'indicator_id' = $4) "
    "ORDER BY subject_id, valid_from DESC"
)
"""The point in force of every (indicator, period, kind) of these units: one per subject."""
NAMES = (
    "SELECT DISTINCT ON (subject_id) subject_id, value FROM rm_facts "
    f"WHERE kind = 'indicator.name' AND subject_id = ANY($3) AND valid_from <= $1 AND {KNOWN} "
    "ORDER BY subject_id, valid_from DESC"
)


def _point(row: asyncpg.Record) -> IndicatorPointView:
    value = row["value"]
    return IndicatorPointView(
        period=value["period"],
        kind=value["kind"],
        value=value["value"],
        reference_date=row["valid_from"],
        printed=value["printed"],
        source=value["source"],
    )


async def _read(
    conn: Conn,
    owner_ids: Sequence[UUID],
    indicator_id: UUID | None,
    as_of: date,
    known_at: datetime,
) -> list[IndicatorView]:
    wanted = None if indicator_id is None else str(indicator_id)
    rows = await conn.fetch(POINTS, as_of, known_at, list(owner_ids), wanted)
    points: dict[UUID, list[asyncpg.Record]] = {}
    for row in rows:
        points.setdefault(UUID(row["value"]["indicator_id"]), []).append(row)
    names = await conn.fetch(NAMES, as_of, known_at, list(points))
    found = [
        IndicatorView(
            id=row["subject_id"],
            owner_id=points[row["subject_id"]][0]["owner_id"],
            name=row["value"]["name"],
            group=row["value"]["group"],
            measure=row["value"]["measure"],
            points=sorted(
                (_point(p) for p in points[row["subject_id"]]), key=lambda p: (p.period, p.kind)
            ),
        )
        for row in names
    ]
    return sorted(found, key=lambda i: (i.group or "", i.name, str(i.id)))


async def indicators_of(
    conn: Conn, unit_ids: Sequence[UUID], as_of: date, known_at: datetime
) -> list[IndicatorView]:
    """The indicators of these units with a point in force at (as_of, known_at)."""
    return await _read(conn, unit_ids, None, as_of, known_at)


async def indicator(
    conn: Conn, indicator_id: UUID, as_of: date, known_at: datetime
) -> IndicatorView | None:
    owner = await conn.fetchval(
        "SELECT owner_id FROM rm_subjects WHERE subject_id = $1 AND subject_type = 'Indicator'",
        indicator_id,
    )
    if owner is None:
        return None
    found = await _read(conn, [owner], indicator_id, as_of, known_at)
    return found[0] if found else None
