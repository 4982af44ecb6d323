"""Reads ahead: what a query is about to ask field by field, read in one statement instead."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from projections.read import staffing
from projections.read.units import Conn
from projections.views import StaffingView, UnitView, roll_up_staffing


async def unit_with_own_staffing(
    conn: Conn, unit_id: UUID, as_of: date, known_at: datetime, labels: staffing.Labels
) -> tuple[UnitView, StaffingView | None] | None:
    """The unit in force at (as_of, known_at) and its own staffing then (without its
    descendants'); None when the unit is not in force."""
    view, table = await staffing.unit_and_table(conn, unit_id, as_of, known_at, labels)
    if view is None:
        return None
    return view, roll_up_staffing([table] if table else [])
