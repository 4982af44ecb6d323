"""The national rollup on the read model (asyncpg): every government's staffing totals at
(asOf, knownAt) from the rows the projector keeps (rm_rollup, projections/build/rollup.py), one
backward index probe a government, with its name in force; no unit of any tree is read."""

from __future__ import annotations

from datetime import date, datetime

from projections.read.units import IN_FORCE, KNOWN, Conn
from projections.views import GovernmentTotalsView, UnitView, by_name

ROLLUP = f"""
WITH RECURSIVE governments(id) AS (
    (SELECT government_id FROM rm_rollup ORDER BY government_id LIMIT 1)
    UNION ALL
    SELECT (SELECT r.government_id FROM rm_rollup r WHERE r.government_id > g.id
            ORDER BY r.government_id LIMIT 1)
    FROM governments g WHERE g.id IS NOT NULL
),
totals AS (
    SELECT g.id, t.* FROM governments g CROSS JOIN LATERAL (
        SELECT units, authorized, current, women, reference_date FROM rm_rollup
        WHERE government_id = g.id AND valid_from <= $1 AND {KNOWN}
        ORDER BY valid_from DESC LIMIT 1
    ) t
    WHERE g.id IS NOT NULL AND t.units > 0
)
SELECT u.id, u.name, u.parent_id, u.valid_from, t.units, t.authorized, t.current, t.women,
    t.reference_date
FROM ({IN_FORCE.format(units="(SELECT id FROM totals)", where="")}) u JOIN totals t USING (id)
"""
"""Every government that has had rows (a skip scan of the index, one probe each), the row in
force at ($1 asOf, $2 knownAt) of each; those that are governments then (units > 0), named."""


async def rollup(conn: Conn, as_of: date, known_at: datetime) -> list[GovernmentTotalsView]:
    """Each government in force at (as_of, known_at) with its totals then, by name, then id:
    the governments and figures of `governments { staffing }`, without its scan."""
    rows = await conn.fetch(ROLLUP, as_of, known_at)
    found = [
        GovernmentTotalsView(
            government=UnitView(row["id"], row["name"], row["parent_id"], row["valid_from"]),
            units=row["units"],
            authorized=row["authorized"],
            current=row["current"],
            women=row["women"],
            reference_date=row["reference_date"],
        )
        for row in rows
    ]
    return sorted(found, key=lambda totals: by_name(totals.government))
