"""Org units on the read model (asyncpg): a unit, its children and its subtree in force at
(asOf, knownAt), each read touching the rows of the units it names, by index, however large
the tree and however long its history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from uuid import UUID

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from projections.views import Tree, UnitView, by_name

Conn = asyncpg.Connection | PoolConnectionProxy
"""A connection, or one lent by a pool."""

KNOWN = "recorded_from <= $2 AND (recorded_to IS NULL OR recorded_to > $2)"
"""The fact versions believed at knownAt ($2)."""


def _latest(kind: str, columns: str) -> str:
    """The fact of unit u.id in force at ($1 asOf, $2 knownAt): one backward index probe."""
    return (
        f"SELECT {columns} FROM rm_facts WHERE kind = '{kind}' AND subject_id = u.id "
        f"AND valid_from <= $1 AND {KNOWN} ORDER BY valid_from DESC LIMIT 1"
    )


IN_FORCE = f"""
SELECT u.id, s.valid_from, n.name, p.parent_id
FROM {{units}} AS u(id)
CROSS JOIN LATERAL ({_latest("org.status", "valid_from, value")}) s
CROSS JOIN LATERAL ({_latest("org.name", "value->>'name' AS name")}) n
CROSS JOIN LATERAL ({_latest("org.parent", "parent_id")}) p
WHERE (s.value->>'open')::boolean {{where}}
"""
"""Units in force, one row each, from a set of candidate ids."""

BY_ID = IN_FORCE.format(units="unnest($3::uuid[])", where="")
CHILDREN = IN_FORCE.format(
    units=(
        "(SELECT DISTINCT subject_id FROM rm_facts WHERE kind = 'org.parent' "
        "AND parent_id = ANY($3) AND valid_from <= $1 AND recorded_from <= $2)"
    ),
    where="AND p.parent_id = ANY($3)",
)
EVERY = IN_FORCE.format(
    units=(
        "(SELECT DISTINCT subject_id FROM rm_facts WHERE kind = 'org.status' "
        "AND valid_from <= $1 AND recorded_from <= $2)"
    ),
    where="",
)
ROOTS = IN_FORCE.format(
    units=(
        "(SELECT DISTINCT subject_id FROM rm_facts WHERE kind = 'org.parent' "
        "AND parent_id IS NULL AND valid_from <= $1 AND recorded_from <= $2)"
    ),
    where="AND p.parent_id IS NULL",
)
"""The roots in force: units whose place in force has no parent."""
SUBTREES = f"""
WITH RECURSIVE sub(root, id, name, parent_id, valid_from, depth) AS (
    SELECT id, id, name, parent_id, valid_from, 0 FROM ({BY_ID}) roots
    UNION
    SELECT sub.root, c.id, c.name, c.parent_id, c.valid_from, sub.depth + 1
    FROM sub CROSS JOIN LATERAL ({
    IN_FORCE.format(
        units=(
            "(SELECT DISTINCT subject_id FROM rm_facts WHERE kind = 'org.parent' "
            "AND parent_id = sub.id AND valid_from <= $1 AND recorded_from <= $2)"
        ),
        where="AND p.parent_id = sub.id",
    )
}) c
    WHERE sub.depth < 64
)
SELECT DISTINCT ON (root, id) root, id, name, parent_id, valid_from FROM sub
"""
"""Units and their descendants in force: one probe per unit of each subtree."""
LAST_RECORDED = """
SELECT DISTINCT ON (subject_id, kind) subject_id, kind, valid_from, value, parent_id FROM rm_facts
WHERE kind IN ('org.name', 'org.parent', 'org.status') AND subject_id = ANY($1)
    AND recorded_from <= $2 AND (recorded_to IS NULL OR recorded_to > $2)
ORDER BY subject_id, kind, valid_from DESC
"""


def _view(row: asyncpg.Record) -> UnitView:
    return UnitView(
        id=row["id"], name=row["name"], parent_id=row["parent_id"], valid_from=row["valid_from"]
    )


async def units(
    conn: Conn, unit_ids: Sequence[UUID], as_of: date, known_at: datetime
) -> dict[UUID, UnitView]:
    """The units among these ids that are in force at (as_of, known_at)."""
    rows = await conn.fetch(BY_ID, as_of, known_at, list(unit_ids))
    return {row["id"]: _view(row) for row in rows}


async def children(
    conn: Conn, parent_ids: Sequence[UUID], as_of: date, known_at: datetime
) -> dict[UUID, list[UnitView]]:
    """Each parent's children in force, by name, then id."""
    rows = await conn.fetch(CHILDREN, as_of, known_at, list(parent_ids))
    found: dict[UUID, list[UnitView]] = {parent: [] for parent in parent_ids}
    for view in sorted((_view(row) for row in rows), key=by_name):
        if view.parent_id is not None:
            found[view.parent_id].append(view)
    return found


async def subtrees(
    conn: Conn, roots: Sequence[UUID], as_of: date, known_at: datetime
) -> dict[UUID, Tree]:
    """Each unit with its descendants in force (an empty tree for a unit not in force)."""
    rows = await conn.fetch(SUBTREES, as_of, known_at, list(roots))
    found: dict[UUID, dict[UUID, UnitView]] = {root: {} for root in roots}
    for row in rows:
        found[row["root"]][row["id"]] = _view(row)
    return {root: Tree(views) for root, views in found.items()}


async def roots(conn: Conn, as_of: date, known_at: datetime) -> list[UnitView]:
    """The roots of the tree in force (each a government), by name, then id."""
    rows = await conn.fetch(ROOTS, as_of, known_at)
    return sorted((_view(row) for row in rows), key=by_name)


async def every_unit(conn: Conn, as_of: date, known_at: datetime) -> Tree:
    """Every unit in force: what a listing of the whole tree costs."""
    rows = await conn.fetch(EVERY, as_of, known_at)
    return Tree({row["id"]: _view(row) for row in rows})


async def last_recorded(
    conn: Conn, unit_ids: Sequence[UUID], known_at: datetime
) -> dict[UUID, UnitView]:
    """Units' latest names and places, whether or not in force (owners of old facts)."""
    facts: dict[UUID, dict[str, asyncpg.Record]] = {}
    for row in await conn.fetch(LAST_RECORDED, list(unit_ids), known_at):
        facts.setdefault(row["subject_id"], {})[row["kind"]] = row
    return {
        unit_id: UnitView(
            id=unit_id,
            name=unit["org.name"]["value"]["name"],
            parent_id=unit["org.parent"]["parent_id"],
            valid_from=unit["org.status"]["valid_from"],
        )
        for unit_id, unit in facts.items()
        if "org.name" in unit
    }
