"""OrgUnit.changes: what differs in a unit's subtree between two dates, and the events that made
the difference. The subtree is the union of the unit's descendants in force at either date, so
that a unit opened or closed between them is compared too; the comparison itself is
projections.read.changes'."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from projections.read import queries, units
from projections.read.changes import FieldChange, changes_between
from projections.read.units import Conn
from projections.views import EventView


@dataclass(frozen=True)
class UnitChange:
    """One value that differs between the dates, with the events that recorded the facts
    taking effect between them."""

    change: FieldChange
    events: list[EventView]


async def unit_changes(
    conn: Conn, unit_id: UUID, start: date, end: date, known_at: datetime
) -> list[UnitChange]:
    """Every field of the subtree's facts whose value at start differs from its value at end,
    both as known at known_at."""
    trees = [
        (await units.subtrees(conn, [unit_id], day, known_at))[unit_id] for day in (start, end)
    ]
    owners = list(dict.fromkeys(trees[0].subtree(unit_id) + trees[1].subtree(unit_id)))
    names = {u.id: u.name for tree in trees for u in tree.units.values()}
    before = await queries.facts_in_force(conn, owners, start, known_at)
    after = await queries.facts_in_force(conn, owners, end, known_at)
    positions = await queries.positions_between(conn, owners, start, end, known_at)
    found = changes_between(before, after, names, positions)
    wanted = sorted({p for change in found for p in change.positions})
    views = {view.position: view for view in await queries.events_at(conn, wanted)}
    return [
        UnitChange(change, [views[p] for p in change.positions if p in views]) for change in found
    ]
