"""Queries on the read model (asyncpg): budget lines, tasks, versions, the public log and the
facts changes() compares. Every read names a valid time (as_of) and a transaction time
(known_at); each costs what the facts of the subjects asked about cost, whatever the length of
the log. Units are read in projections/units.py, staffing in projections/staffing.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg
from eventsourcing.persistence import StoredEvent

from projections.read import staffing
from projections.read.changes import Fact
from projections.read.units import KNOWN, Conn
from projections.task_status import status_since
from projections.views import BudgetLineView, EventPage, EventView, TaskView

__all__ = ["KNOWN", "Conn"]

LATEST = (
    "SELECT subject_id, owner_id, valid_from, value FROM rm_facts "
    "WHERE kind = '{kind}' AND subject_id = s.id AND valid_from <= $1 "
    f"AND {KNOWN} ORDER BY valid_from DESC LIMIT 1"
)
"""The fact of subject s.id in force at ($1 asOf, $2 knownAt): one index probe, however long
the subject's history."""


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
    return TaskView(
        id=subject_id,
        owner_id=owner_id,
        kind=latest["kind"],
        valid_from=history[-1]["valid_from"],
        title=latest["title"],
        description=latest.get("description"),
        status=latest["status"],
        status_since=status_since([row["value"] for row in history]),
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
    return sorted(found, key=lambda t: (t.kind, t.number or 0, t.title, str(t.id)))


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
    recorded_after: datetime | None = None,
    recorded_until: datetime | None = None,
) -> EventPage:
    """A page of the log after a position (keyset), in recorded order. Only the filters given
    are in the statement, so that each combination is planned for itself. recorded_after and
    recorded_until bound the transaction time to (after, until], as EventFilter says."""
    until = min((t for t in (known_at, recorded_until) if t is not None), default=None)
    filters = {
        "type = ANY({})": _list(types),
        "unit_path && {}": _list(unit_ids),
        "subject_id = ANY({})": _list(subject_ids),
        "owner_id = {}": owner_id,
        "recorded_at <= {}": until,
        "position <= {}": upto,
        "recorded_at > {}": recorded_after,
    }
    given = [(condition, value) for condition, value in filters.items() if value is not None]
    where = "".join(f" AND {c.format(f'${n}')}" for n, (c, _) in enumerate(given, start=3))
    rows = await conn.fetch(
        f"SELECT * FROM rm_events WHERE position > $1{where} ORDER BY position LIMIT $2",
        after,
        first + 1,
        *(value for _, value in given),
    )
    return EventPage([_event(row) for row in rows[:first]], has_next=len(rows) > first)


async def histories(
    conn: Conn, owner_ids: Sequence[UUID], *, known_at: datetime, after: int, first: int
) -> dict[UUID, EventPage]:
    """A page of each unit's history (events about it or anything it owns) after a position,
    recorded by known_at."""
    rows = await conn.fetch(
        "SELECT o.id AS owner, e.* FROM unnest($1::uuid[]) AS o(id) CROSS JOIN LATERAL ("
        "SELECT * FROM rm_events WHERE owner_id = o.id AND position > $2 AND recorded_at <= $3 "
        "ORDER BY position LIMIT $4) e",
        list(owner_ids),
        after,
        known_at,
        first + 1,
    )
    found: dict[UUID, list[EventView]] = {owner: [] for owner in owner_ids}
    for row in rows:
        found[row["owner"]].append(_event(row))
    return {
        owner: EventPage(views[:first], has_next=len(views) > first)
        for owner, views in found.items()
    }


async def events_at(conn: Conn, positions: Sequence[int]) -> list[EventView]:
    rows = await conn.fetch(
        "SELECT * FROM rm_events WHERE position = ANY($1) ORDER BY position", list(positions)
    )
    return [_event(row) for row in rows]


def _list(values: Sequence[Any] | None) -> list[Any] | None:
    return None if values is None else list(values)


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
    tables = await staffing.tables_by_owner(conn, owner_ids, as_of, known_at)
    for (kind, unit), value in tables.items():
        found[(kind, unit)] = Fact(kind, unit, unit, value)
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
    found = {(row["kind"], row["subject_id"]): tuple(row["positions"]) for row in rows}
    found.update(await staffing.positions_between(conn, owner_ids, start, end, known_at))
    return found


async def stored_events(
    conn: Conn, events_table: str, positions: Sequence[int]
) -> dict[int, StoredEvent]:
    """The log's own records of these positions, for the event data the public log shows."""
    rows = await conn.fetch(
        "SELECT notification_id, originator_id, originator_version, topic, state "
        f'FROM "{events_table}" WHERE notification_id = ANY($1)',
        list(positions),
    )
    return {
        row["notification_id"]: StoredEvent(
            row["originator_id"], row["originator_version"], row["topic"], bytes(row["state"])
        )
        for row in rows
    }


async def change_dates(conn: Conn, owner_ids: Sequence[UUID], known_at: datetime) -> list[date]:
    """The valid dates, oldest first, at which a fact owned by these units takes effect (a
    name, a place, a staffing table, a budget line, a task, an indicator's point), among the
    fact versions believed at known_at: the dates at which what a read shows can change. Facts
    that hold at every date (an indicator's name, at projections.facts.ALWAYS, date.min,
    which asyncpg would send as -infinity) change nothing over time."""
    rows = await conn.fetch(
        f"SELECT valid_from FROM rm_facts WHERE owner_id = ANY($1) AND {KNOWN} "
        "AND valid_from > DATE '0001-01-01' "
        f"UNION SELECT valid_from FROM rm_staffing WHERE unit_id = ANY($1) AND {KNOWN} "
        "ORDER BY valid_from",
        list(owner_ids),
        known_at,
    )
    return [row["valid_from"] for row in rows]
