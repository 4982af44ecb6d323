"""Reads ahead: what a query is about to ask field by field, read in one statement instead."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from projections.read import staffing
from projections.read.units import Conn
from projections.staffing_views import StaffingTable, StaffingView, roll_up_staffing
from projections.views import Tree, UnitView


async def unit_with_own_staffing(
    conn: Conn, unit_id: UUID, as_of: date, known_at: datetime, labels: staffing.Labels
) -> tuple[UnitView, StaffingView | None] | None:
    """The unit in force at (as_of, known_at) and its own staffing then (without its
    descendants'); None when the unit is not in force."""
    view, table = await staffing.unit_and_table(conn, unit_id, as_of, known_at, labels)
    if view is None:
        return None
    return view, roll_up_staffing([table] if table else [])


async def tables_of_tree(
    conn: Conn, tree: Tree, as_of: date, known_at: datetime, labels: staffing.Labels
) -> dict[UUID, StaffingTable]:
    """The table in force of each unit of a tree that has one: what every unit's staffing in a
    listing of the tree sums, read once for the whole page."""
    found = await staffing.tables(conn, list(tree.units), as_of, known_at, labels)
    return {table.unit_id: table for table in found}
