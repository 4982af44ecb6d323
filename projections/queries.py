"""Queries on the read model (asyncpg). Every read names a valid time (as_of) and a
transaction time (known_at); each costs what the facts of the units asked about cost, whatever
the length of the log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from projections.diff import Fact
from projections.views import (
    BudgetLineView,
    EventPage,
    EventView,
    StaffingView,
    TaskView,
    Tree,
    UnitView,
    roll_up_staffing,
)

Conn = asyncpg.Connection | PoolConnectionProxy
"""A connection, or one lent by a pool."""

ORG_KINDS = "kind IN ('org.name', 'org.parent', 'org.status')"
LATEST = (
    "SELECT subject_id, owner_id, valid_from, value FROM rm_facts "
    "WHERE kind = '{kind}' AND subject_id = s.id AND valid_from <= $1 "
    "AND recorded_from <= $2 AND (recorded_to IS NULL OR recorded_to > $2) "
    "ORDER BY valid_from DESC LIMIT 1"
)
"""The fact of subject s.id in force at ($1 asOf, $2 knownAt): one index probe, however long
the subject's history."""
KNOWN = "recorded_from <= $2 AND (recorded_to IS NULL OR recorded_to > $2)"


async def load_tree(conn: Conn, as_of: date, known_at: datetime) -> Tree:
    rows = await conn.fetch(
        "SELECT DISTINCT ON (subject_id, kind) subject_id, kind, valid_from, value "
        f"FROM rm_facts WHERE {ORG_KINDS} AND valid_from <= $1 AND {KNOWN} "
        "ORDER BY subject_id, kind, valid_from DESC",
        as_of,
        known_at,
    )
    attrs: dict[UUID, dict[str, Any]] = {}
    for row in rows:
        unit = attrs.setdefault(row["subject_id"], {})
        unit[row["kind"]] = row["value"]
        if row["kind"] == "org.status":
            unit["valid_from"] = row["valid_from"]
    units = {
        unit_id: UnitView(
            id=unit_id,
            name=a["org.name"]["name"],
            parent_id=UUID(a["org.parent"]["parent_id"]) if a["org.parent"]["parent_id"] else None,
            valid_from=a["valid_from"],
        )
        for unit_id, a in attrs.items()
        if a.get("org.status", {}).get("open")
    }
    return Tree(units)


async def staffing(
    conn: Conn, unit_ids: Sequence[UUID], as_of: date, known_at: datetime
) -> StaffingView | None:
    rows = await conn.fetch(
        "SELECT f.valid_from, f.value FROM unnest($3::uuid[]) AS s(id) "
        f"CROSS JOIN LATERAL ({LATEST.format(kind='staffing')}) f",
        as_of,
        known_at,
        list(unit_ids),
    )
    return roll_up_staffing([(row["valid_from"], row["value"]) for row in rows])


def _line(row: asyncpg.Record) -> BudgetLineView:
    value = row["value"]
    return BudgetLineView(
        id=row["subject_id"],
        owner_id=row["owner_id"],
        fiscal_year=value["fiscal_year"],
        reference_date=row["valid_from"],
        account=value["account"],
        item=value["item"],
        budgeted=value["budgeted"],
        executed=value["executed"],
        projects=value["projects"],
        note=value["note"],
        source=value["source"],
        as_printed=value["as_printed"],
    )


async def budget_lines(
    conn: Conn,
    owner_ids: Sequence[UUID],
    fiscal_year: int | None,
    as_of: date,
    known_at: datetime,
) -> list[BudgetLineView]:
    rows = await conn.fetch(
        "SELECT f.* FROM (SELECT subject_id AS id, owner_id, attrs, subject_type "
        "FROM rm_subjects) s "
        f"CROSS JOIN LATERAL ({LATEST.format(kind='budget')}) f "
        "WHERE s.owner_id = ANY($3) AND s.subject_type = 'BudgetLine' "
        "AND ($4::int IS NULL OR (s.attrs->>'fiscal_year')::int = $4)",
        as_of,
        known_at,
        list(owner_ids),
        fiscal_year,
    )
    return [_line(row) for row in rows]


async def budget_line(
    conn: Conn, line_id: UUID, as_of: date, known_at: datetime
) -> BudgetLineView | None:
    row = await conn.fetchrow(
        "SELECT subject_id, owner_id, valid_from, value FROM rm_facts "
        f"WHERE kind = 'budget' AND subject_id = $3 AND valid_from <= $1 AND {KNOWN} "
        "ORDER BY valid_from DESC LIMIT 1",
        as_of,
        known_at,
        line_id,
    )
    return _line(row) if row else None


def _task(subject_id: UUID, owner_id: UUID, history: list[asyncpg.Record]) -> TaskView:
    """The task's state in force, with the date its status holds since where a record says."""
    latest = history[-1]["value"]
    run = []
    for row in reversed(history):
        if row["value"]["status"] != latest["status"]:
            break
        run.append(row["value"])
    stated = [v["status_since"] for v in run if v.get("status_since")] if latest["status"] else []
    return TaskView(
        id=subject_id,
        owner_id=owner_id,
        kind=latest["kind"],
        valid_from=history[-1]["valid_from"],
        title=latest["title"],
        description=latest.get("description"),
        status=latest["status"],
        status_since=date.fromisoformat(min(stated)) if stated else None,
        number=latest["number"],
        category=latest["category"],
        responsible=latest["responsible"],
        listed=latest["listed"],
        milestones=latest.get("milestones") or [],
        source=latest.get("source"),
    )


async def tasks(
    conn: Conn,
    *,
    as_of: date,
    known_at: datetime,
    owner_ids: Sequence[UUID] | None = None,
    task_id: UUID | None = None,
) -> list[TaskView]:
    rows = await conn.fetch(
        "SELECT subject_id, owner_id, valid_from, value FROM rm_facts "
        f"WHERE kind = 'task' AND valid_from <= $1 AND {KNOWN} "
        "AND ($3::uuid[] IS NULL OR owner_id = ANY($3)) AND ($4::uuid IS NULL OR subject_id = $4) "
        "ORDER BY subject_id, valid_from",
        as_of,
        known_at,
        _list(owner_ids),
        task_id,
    )
    histories: dict[UUID, list[asyncpg.Record]] = {}
    for row in rows:
        histories.setdefault(row["subject_id"], []).append(row)
    found = [_task(sid, h[-1]["owner_id"], h) for sid, h in histories.items()]
    return sorted(found, key=lambda t: (t.kind, t.number or 0, t.title))


async def versions(conn: Conn, subject_ids: Sequence[UUID]) -> dict[UUID, int]:
    rows = await conn.fetch(
        "SELECT subject_id, version FROM rm_subjects WHERE subject_id = ANY($1)",
        list(subject_ids),
    )
    return {row["subject_id"]: row["version"] for row in rows}


def _event(row: asyncpg.Record) -> EventView:
    return EventView(
        position=row["position"],
        type=row["type"],
        subject_id=row["subject_id"],
        subject_type=row["subject_type"],
        subject_version=row["subject_version"],
        valid_from=row["valid_from"],
        recorded_at=row["recorded_at"],
        actor=row["actor"],
        reason=row["reason"],
        source=row["source"],
        data=row["data"],
    )


async def events(
    conn: Conn,
    *,
    after: int,
    first: int,
    types: Sequence[str] | None = None,
    unit_ids: Sequence[UUID] | None = None,
    subject_ids: Sequence[UUID] | None = None,
    owner_id: UUID | None = None,
    known_at: datetime | None = None,
    upto: int | None = None,
) -> EventPage:
    """A page of the log after a position (keyset), in recorded order."""
    rows = await conn.fetch(
        "SELECT * FROM rm_events WHERE position > $1 "
        "AND ($3::text[] IS NULL OR type = ANY($3)) "
        "AND ($4::uuid[] IS NULL OR unit_path && $4) "
        "AND ($5::uuid[] IS NULL OR subject_id = ANY($5)) "
        "AND ($6::uuid IS NULL OR owner_id = $6) "
        "AND ($7::timestamptz IS NULL OR recorded_at <= $7) "
        "AND ($8::bigint IS NULL OR position <= $8) "
        "ORDER BY position LIMIT $2",
        after,
        first + 1,
        _list(types),
        _list(unit_ids),
        _list(subject_ids),
        owner_id,
        known_at,
        upto,
    )
    return EventPage([_event(row) for row in rows[:first]], has_next=len(rows) > first)


async def events_at(conn: Conn, positions: Sequence[int]) -> list[EventView]:
    rows = await conn.fetch(
        "SELECT * FROM rm_events WHERE position = ANY($1) ORDER BY position", list(positions)
    )
    return [_event(row) for row in rows]


def _list(values: Sequence[Any] | None) -> list[Any] | None:
    return None if values is None else list(values)


async def unit_as_last_recorded(conn: Conn, unit_id: UUID, known_at: datetime) -> UnitView | None:
    """A unit's latest name and place, whether or not it is in force (an owner of old facts)."""
    rows = await conn.fetch(
        "SELECT DISTINCT ON (kind) kind, valid_from, value FROM rm_facts "
        f"WHERE {ORG_KINDS} AND subject_id = $1 AND {KNOWN} "
        "ORDER BY kind, valid_from DESC",
        unit_id,
        known_at,
    )
    facts = {row["kind"]: row for row in rows}
    if "org.name" not in facts:
        return None
    parent = facts["org.parent"]["value"]["parent_id"]
    return UnitView(
        id=unit_id,
        name=facts["org.name"]["value"]["name"],
        parent_id=UUID(parent) if parent else None,
        valid_from=facts["org.status"]["valid_from"],
    )


async def facts_in_force(
    conn: Conn, owner_ids: Sequence[UUID], as_of: date, known_at: datetime
) -> dict[tuple[str, UUID], Fact]:
    """Every fact owned by these units that is in force at (as_of, known_at); a task's
    status_since is the one a read shows (kept across records of the same status)."""
    rows = await conn.fetch(
        "SELECT DISTINCT ON (kind, subject_id) kind, subject_id, owner_id, value FROM rm_facts "
        f"WHERE owner_id = ANY($3) AND valid_from <= $1 AND {KNOWN} "
        "ORDER BY kind, subject_id, valid_from DESC",
        as_of,
        known_at,
        list(owner_ids),
    )
    found = {
        (row["kind"], row["subject_id"]): Fact(
            row["kind"], row["subject_id"], row["owner_id"], row["value"]
        )
        for row in rows
    }
    for task in await tasks(conn, as_of=as_of, known_at=known_at, owner_ids=owner_ids):
        since = task.status_since.isoformat() if task.status_since else None
        found[("task", task.id)].value["status_since"] = since
    return found


async def positions_between(
    conn: Conn, owner_ids: Sequence[UUID], start: date, end: date, known_at: datetime
) -> dict[tuple[str, UUID], tuple[int, ...]]:
    """The log positions that recorded the facts taking effect after start and up to end."""
    rows = await conn.fetch(
        "SELECT kind, subject_id, array_agg(position ORDER BY position) AS positions "
        f"FROM rm_facts WHERE owner_id = ANY($3) AND valid_from > $1 AND valid_from <= $4 "
        f"AND {KNOWN} GROUP BY kind, subject_id",
        start,
        known_at,
        list(owner_ids),
        end,
    )
    return {(row["kind"], row["subject_id"]): tuple(row["positions"]) for row in rows}
