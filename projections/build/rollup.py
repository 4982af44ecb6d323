"""The national rollup (rm_rollup): every government's staffing totals over valid time, each
version believed over an interval of transaction time as facts are, kept by the projector in the
transaction of the rows it derives from, so that `Query.rollup` reads one row a government
instead of scanning every unit of every tree.

What a row means. The totals of government G at (asOf d, knownAt k) are what
`governments { staffing }` answers then: over the units of G's tree in force at (d, k)
(projections/read/units.py, SUBTREES), each unit's latest staffing table on or before d
(projections/read/staffing.py), summed as views.roll_up_staffing sums them; with the count of
those units (`units`; 0 where G is not a government on d: not in force, or below another unit).
For each k, rm_rollup holds the dates at which that step function of d changes: a row where the
totals differ from the day before's. So a read at (d, k) is, for each government, the row with
the greatest valid_from <= d among those believed at k; and the rows believed at k depend only on
what the log held at k, not on how the projector cut it into batches: a rebuild writes the same
rows.

How it is kept. Each batch notes the units whose staffing table, place or status an event
changed (batch.UnitChange). Once the batch's rows are written, for each moment of the batch (an
event's recorded_at) and each government whose tree holds a changed unit at some date from the
change on (as the tree stands just before the batch's events at that moment, and after them),
the totals are recomputed as believed at that moment, at every date from the earliest change on
at which they may change (a date of a table, a place or a status of a unit ever in that tree, or
of a row already there); the rows that differ are closed at the moment and the new ones
inserted from it. The tree and the statuses are the projector's memory (rows.py); the tables
are rm_staffing's: those believed now and written before the batch (as the batch that last
recomputed their units left them in memory, else read by index), and those the batch wrote or
closed, from the batch.

A moment split between two batches (a transaction cut by a batch's end) is finished by the
second: for each government its own events at that moment may alter, the rows the first wrote
then are undone (deleted, and the versions they closed reopened) and the totals recomputed from
the earliest of their dates and its own changes. A government they cannot alter keeps what the
first wrote: nothing of the second's changes it, whether the tree between the two batches or
the one after places the units. So the rows are those one batch would have written.

A unit's name plays no part: a unit is in force where its status is open and it has a place,
and a unit's first name, place and status share the date of its registration."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple
from uuid import UUID

import psycopg

from projections.build.batch import Batch, TableTotals
from projections.build.tree import ParentTimelines
from projections.build.writer import TABLE_TOTALS
from projections.schema import PROJECTION_NAME

ROLLUP_KINDS = frozenset({"staffing", "org.parent", "org.status"})
"""The facts a government's totals depend on."""
MAX_DEPTH = 64
"""As deep as projections/read/units.py SUBTREES walks a tree."""
MICROSECOND = timedelta(microseconds=1)

TABLES = f"""
SELECT f.unit_id, f.valid_from, f.recorded_from, f.recorded_to, {TABLE_TOTALS}
FROM unnest(%(units)s::uuid[], %(floors)s::date[]) AS u(id, floor) CROSS JOIN LATERAL (
    (SELECT * FROM rm_staffing WHERE unit_id = u.id AND recorded_to IS NULL
        AND position < %(position)s AND valid_from <= u.floor ORDER BY valid_from DESC LIMIT 1)
    UNION ALL
    (SELECT * FROM rm_staffing WHERE unit_id = u.id AND recorded_to IS NULL
        AND position < %(position)s AND valid_from > u.floor)
) f
"""
"""The tables believed now that earlier batches wrote, of each unit from its floor on: the one in
force at the floor and every later one (by the index of believed versions)."""
ROWS = """
SELECT r.government_id, r.valid_from, r.units, r.authorized, r.current, r.women,
    r.reference_date
FROM unnest(%(governments)s::uuid[], %(floors)s::date[]) AS g(id, floor) CROSS JOIN LATERAL (
    (SELECT * FROM rm_rollup WHERE government_id = g.id AND recorded_to IS NULL
        AND valid_from < g.floor ORDER BY valid_from DESC LIMIT 1)
    UNION ALL
    (SELECT * FROM rm_rollup WHERE government_id = g.id AND recorded_to IS NULL
        AND valid_from >= g.floor)
) r
"""
"""The rows believed now of each government: the last before its floor, and every later one."""
CLOSE = """
UPDATE rm_rollup r SET recorded_to = u.t
FROM unnest(%s::uuid[], %s::date[], %s::timestamptz[]) AS u(government_id, valid_from, t)
WHERE r.government_id = u.government_id AND r.valid_from = u.valid_from
    AND r.recorded_to IS NULL
"""
COPY = (
    "COPY rm_rollup (government_id, valid_from, recorded_from, recorded_to, units, authorized, "
    "current, women, reference_date) FROM STDIN"
)
UNDO = (
    """DELETE FROM rm_rollup WHERE recorded_from = %(moment)s
    AND government_id = ANY(%(governments)s) RETURNING government_id, valid_from""",
    """UPDATE rm_rollup SET recorded_to = NULL WHERE recorded_to = %(moment)s
    AND government_id = ANY(%(governments)s) RETURNING government_id, valid_from""",
)
"""Undo what an earlier batch wrote for these governments at a moment this batch continues:
the versions it wrote deleted, then those it closed believed again (in this order, which the
index of believed versions needs)."""
KEPT_MOST = 100_000
"""Units whose tables are kept between batches (the nation has some 42,500; a unit keeps its
tables from the one in force at its last floor on, a few)."""
MEMO_MOST = 200_000
"""The governments of units over time (Roots) are remembered across batches up to this many."""


@dataclass
class StatusLink:
    valid_from: date
    open: bool
    recorded_from: datetime
    recorded_to: datetime | None = None

    def known_at(self, moment: datetime) -> bool:
        return self.recorded_from <= moment and (
            self.recorded_to is None or self.recorded_to > moment
        )


class Statuses:
    """Each unit's status (open or closed) over both time axes, as tree.ParentTimelines holds
    its places."""

    def __init__(self) -> None:
        self._links: dict[UUID, list[StatusLink]] = {}

    def add(self, unit_id: UUID, link: StatusLink) -> None:
        links = self._links.setdefault(unit_id, [])
        for old in links:
            if old.valid_from == link.valid_from and old.recorded_to is None:
                old.recorded_to = link.recorded_from
        links.append(link)
        if len(links) > 1 and links[-2].valid_from > link.valid_from:
            links.sort(key=lambda each: each.valid_from)

    def links(self, unit_id: UUID) -> list[StatusLink]:
        return self._links.get(unit_id, [])

    def open_on(self, unit_id: UUID, on: date, known_at: datetime) -> bool:
        for link in reversed(self._links.get(unit_id, ())):
            if link.valid_from <= on and link.known_at(known_at):
                return link.open
        return False


def unit_statuses(conn: psycopg.Connection[Any]) -> Statuses:
    """The units' statuses as the read model holds them, in recorded order."""
    statuses = Statuses()
    rows = conn.execute(
        "SELECT subject_id, valid_from, (value->>'open')::boolean, recorded_from, recorded_to "
        "FROM rm_facts WHERE kind = 'org.status' ORDER BY position"
    )
    for unit, valid_from, is_open, recorded_from, recorded_to in rows.fetchall():
        link = StatusLink(valid_from, is_open, recorded_from)
        statuses.add(unit, link)
        link.recorded_to = recorded_to
    return statuses


class Totals(NamedTuple):
    """A government's figures at a date: its units in force, and their tables summed
    (authorized and women None unless every table gives them; None with no table)."""

    units: int
    authorized: int | None
    current: int
    women: int | None
    reference_date: date | None


NOT_A_GOVERNMENT = Totals(0, None, 0, None, None)


def table_totals(value: dict[str, Any]) -> tuple[int | None, int, int | None]:
    """A staffing fact's (authorized, current, women), as writer.TABLE_TOTALS sums its row."""
    authorized: int | None = 0
    current = 0
    lines: int | None = 0
    for row in value["rows"]:
        current += row["current"]
        if authorized is not None:
            figure = row["authorized"]
            authorized = None if figure is None else authorized + figure
        if lines is not None:
            women = row.get("women")
            lines = None if women is None else lines + women
    unit = value.get("women")
    return authorized, current, lines if unit is None else unit


def summed(units: int, tables: Iterable[TableTotals]) -> Totals:
    authorized: int | None = 0
    women: int | None = 0
    current = 0
    latest: date | None = None
    for table in tables:
        current += table.current
        authorized = (
            None
            if authorized is None or table.authorized is None
            else (authorized + table.authorized)
        )
        women = None if women is None or table.women is None else women + table.women
        if latest is None or table.valid_from > latest:
            latest = table.valid_from
    if latest is None:
        return Totals(units, None, 0, None, None)
    return Totals(units, authorized, current, women, latest)


Kept = dict[UUID, tuple[date, list[TableTotals]]]
"""Units' tables believed now, by date, from a floor on (the one in force then, and every
later one): what a batch leaves for the next, which reads only the units it lacks."""


class Versions:
    """One unit's tables as the batch sees them: those believed throughout it (by date), and
    those it wrote or closed, believed over part of it."""

    def __init__(self) -> None:
        self.fixed: list[TableTotals] = []
        self.moving: list[TableTotals] = []

    def at(self, moment: datetime | None) -> tuple[list[date], list[TableTotals]]:
        """The tables believed at the moment (None: now), by date: their dates, and
        themselves."""
        known = [
            t
            for t in self.moving
            if (moment is None and t.recorded_to is None)
            or (
                moment is not None
                and t.recorded_from <= moment
                and (t.recorded_to is None or t.recorded_to > moment)
            )
        ]
        tables = sorted([*self.fixed, *known], key=lambda t: t.valid_from) if known else self.fixed
        return [t.valid_from for t in tables], tables


@dataclass
class Row:
    """A version of rm_rollup as this batch sees it."""

    government_id: UUID
    valid_from: date
    totals: Totals
    recorded_from: datetime | None = None
    """None: written by an earlier batch (closed by UPDATE); else this batch inserts it."""
    recorded_to: datetime | None = None


Span = tuple[date, date | None, UUID]
"""From a date, until a date (None: on), a unit's government."""


class Roots:
    """The governments a unit belongs to over valid time, in a version of the org tree
    (tree.ParentTimelines.version), remembered: a version never changes."""

    def __init__(self, tree: ParentTimelines) -> None:
        self.tree = tree
        self.memo: dict[tuple[UUID, int], list[Span]] = {}

    def over(self, unit: UUID, since: date, version: int) -> set[UUID]:
        """Every government the unit is below at some date from `since` on."""
        return {root for _, end, root in self.spans(unit, version) if end is None or end > since}

    def spans(self, unit: UUID, version: int) -> list[Span]:
        found = self.memo.get((unit, version))
        if found is None:
            found, _ = self.within(unit, version, date.min, None, ())
        return found

    def within(
        self, unit: UUID, version: int, low: date, high: date | None, path: tuple[UUID, ...]
    ) -> tuple[list[Span], bool]:
        """The unit's spans from low until high, below the units of the path (each placing the
        next on every date of the window); and whether a cycle cut them short: a unit found
        again on the path is its own ancestor on those dates, below no government, as the
        tree scan has it. Only what no cycle cut is remembered."""
        if unit in path:
            return [], True
        whole = self.memo.get((unit, version))
        if whole is not None:
            return clipped(whole, low, high), False
        links = [link for link in self.tree.links(unit) if link.known_in(version)]
        spans: list[Span] = []
        cut = False
        for n, link in enumerate(links):
            start = max(link.valid_from, low)
            end = earliest(links[n + 1].valid_from if n + 1 < len(links) else None, high)
            if end is not None and start >= end:
                continue
            if link.parent_id is None:
                spans.append((start, end, unit))
                continue
            above, above_cut = self.within(link.parent_id, version, start, end, (*path, unit))
            spans.extend(above)
            cut = cut or above_cut
        if not cut and low == date.min and high is None:
            self.memo[(unit, version)] = spans
        return spans, cut


def earliest(first: date | None, second: date | None) -> date | None:
    """The earlier of two ends (None: no end)."""
    if first is None:
        return second
    return first if second is None else min(first, second)


def clipped(spans: list[Span], low: date, high: date | None) -> list[Span]:
    found: list[Span] = []
    for start, end, root in spans:
        start, end = max(start, low), earliest(end, high)
        if end is None or start < end:
            found.append((start, end, root))
    return found


class Rollup:
    """Keeps rm_rollup (see the module's text); remembers the moment the batch before ended on,
    which the next batch may continue, and the governments of units over time."""

    def __init__(self) -> None:
        self.last_moment: datetime | None = None
        self.roots: Roots | None = None
        self.kept: Kept = {}
        """Units' tables as the batches that recomputed them left them (KEPT_MOST units)."""

    def forget(self) -> None:
        self.last_moment = None
        self.roots = None
        self.kept = {}

    def maintain(
        self,
        conn: psycopg.Connection[Any],
        batch: Batch,
        tree: ParentTimelines,
        statuses: Statuses,
    ) -> None:
        continued = self.continues(conn, batch)
        self.last_moment = batch.last_moment
        if not batch.units_changed:
            return
        if self.roots is None or self.roots.tree is not tree or len(self.roots.memo) > MEMO_MOST:
            self.roots = Roots(tree)
        moments = affected(self.roots, batch)
        first = batch.first_moment
        if continued and first in moments:
            governments = moments[first]
            for statement in UNDO:
                undone = conn.execute(
                    statement, {"moment": first, "governments": list(governments)}
                )
                for government, day in undone.fetchall():
                    governments[government] = min(governments[government], day)
        kept, self.kept = self.kept, {}  # until the batch is written
        recomputed = Recompute(conn, batch, tree, statuses, moments, kept).run()
        if len(kept) + len(recomputed) > KEPT_MOST:
            kept = {}
        kept.update(recomputed)
        for unit in {t.unit_id for t in batch.closed_tables} | {
            f.subject_id for f in batch.facts if f.kind == "staffing"
        }:
            if unit not in recomputed:
                kept.pop(unit, None)  # changed, and not recomputed: read it anew
        self.kept = kept

    def continues(self, conn: psycopg.Connection[Any], batch: Batch) -> bool:
        """Whether the batch starts at the moment the batch before ended on (as this process
        saw it, or rm_meta's watermark says)."""
        previous = self.last_moment
        if previous is None:
            row = conn.execute(
                "SELECT watermark FROM rm_meta WHERE name = %s", (PROJECTION_NAME,)
            ).fetchone()
            previous = row[0] if row else None
        return previous is not None and previous == batch.first_moment


def affected(roots: Roots, batch: Batch) -> dict[datetime, dict[UUID, date]]:
    """By moment: each government the batch's changes then may alter, with the earliest date
    they may. A unit's governments are those of the tree just before the batch's events at the
    moment and just after them (a move takes units from one and gives them to another)."""
    tree = roots.tree
    earliest: dict[tuple[datetime, UUID], date] = {}
    for change in batch.units_changed:
        key, day = (change.moment, change.unit_id), change.valid_from
        earliest[key] = min(earliest.get(key, day), day)
    moments: dict[datetime, dict[UUID, date]] = {}
    for (moment, unit), day in earliest.items():
        found = moments.setdefault(moment, {})
        before = max(tree.version_at(moment - MICROSECOND), batch.tree_version)
        for version in {before, tree.version_at(moment)}:
            for government in roots.over(unit, day, version):
                found[government] = min(found.get(government, day), day)
    return moments


class Recompute:
    """One batch's recomputation of the governments it may alter, moment by moment."""

    def __init__(
        self,
        conn: psycopg.Connection[Any],
        batch: Batch,
        tree: ParentTimelines,
        statuses: Statuses,
        moments: dict[datetime, dict[UUID, date]],
        kept: Kept,
    ) -> None:
        self.conn, self.batch, self.tree, self.statuses = conn, batch, tree, statuses
        self.moments = moments
        self.kept = kept
        floors: dict[UUID, date] = {}
        for governments in moments.values():
            for government, day in governments.items():
                floors[government] = min(floors.get(government, day), day)
        self.ever = {government: self.ever_in(government) for government in floors}
        unit_floors: dict[UUID, date] = {}
        for government, units in self.ever.items():
            for unit in units:
                day = floors[government]
                unit_floors[unit] = min(unit_floors.get(unit, day), day)
        self.floors = unit_floors
        self.tables = self.load_tables(unit_floors)
        self.rows = self.load_rows(floors)
        self.closes: list[Row] = []
        self.inserts: list[Row] = []

    def ever_in(self, government: UUID) -> list[UUID]:
        """Every unit that has been below the government at any date, in any version."""
        found = {government: None}
        stack = [government]
        while stack:
            for child in self.tree.ever_children(stack.pop()):
                if child not in found:
                    found[child] = None
                    stack.append(child)
        return list(found)

    def load_tables(self, floors: dict[UUID, date]) -> dict[UUID, Versions]:
        """Each unit's tables from its floor on: those the batch before left believed (kept,
        or read), less those this batch closed, and those this batch wrote or closed."""
        tables: dict[UUID, Versions] = {unit: Versions() for unit in floors}
        closed = {(t.unit_id, t.valid_from) for t in self.batch.closed_tables}
        unread: dict[UUID, date] = {}
        for unit, floor in floors.items():
            kept = self.kept.get(unit)
            if (
                kept is None
                or kept[0] > floor
                or (kept[1] and (unit, kept[1][0].valid_from) in closed)
            ):
                unread[unit] = floor  # (closing the first kept, the batch needs the one before)
            else:
                versions = kept[1]
                if closed:
                    versions = [t for t in versions if (unit, t.valid_from) not in closed]
                tables[unit].fixed = versions
        if unread:
            found = self.conn.execute(
                TABLES,
                {
                    "units": list(unread),
                    "floors": list(unread.values()),
                    "position": self.batch.first_position,
                },
            ).fetchall()
            for row in found:
                tables[row[0]].fixed.append(TableTotals(*row))
            for unit in unread:
                tables[unit].fixed.sort(key=lambda t: t.valid_from)
        for table in self.batch.closed_tables:
            if table.unit_id in tables:
                tables[table.unit_id].moving.append(table)
        for fact in self.batch.facts:
            if fact.kind == "staffing" and fact.subject_id in tables:
                totals = TableTotals(
                    fact.subject_id,
                    fact.valid_from,
                    fact.recorded_from,
                    fact.recorded_to,
                    *table_totals(fact.value),
                )
                tables[fact.subject_id].moving.append(totals)
        return tables

    def load_rows(self, floors: dict[UUID, date]) -> dict[UUID, dict[date, Row]]:
        rows: dict[UUID, dict[date, Row]] = {government: {} for government in floors}
        found = self.conn.execute(
            ROWS, {"governments": list(floors), "floors": list(floors.values())}
        ).fetchall()
        for government, valid_from, *totals in found:
            rows[government][valid_from] = Row(government, valid_from, Totals(*totals))
        return rows

    def run(self) -> Kept:
        """Recompute and write; return each unit's tables believed once the batch is applied
        (from its floor on), for the next batch."""
        for moment in sorted(self.moments):
            for government, day in self.moments[moment].items():
                self.recompute(government, day, moment)
        self.write()
        kept: Kept = {}
        for unit, floor in self.floors.items():
            dates, tables = self.tables[unit].at(None)
            kept[unit] = (floor, tables[max(0, bisect.bisect_right(dates, floor) - 1) :])
        return kept

    def recompute(self, government: UUID, since: date, moment: datetime) -> None:
        """The government's rows from `since` on, as believed at the moment."""
        current = self.rows[government]
        earlier = [day for day in current if day < since]
        previous = current[max(earlier)].totals if earlier else NOT_A_GOVERNMENT
        units = self.ever[government]
        tree_dates = sorted(
            {link.valid_from for u in units for link in self.tree.links(u) if link.known_at(moment)}
            | {
                link.valid_from
                for u in units
                for link in self.statuses.links(u)
                if link.known_at(moment)
            }
        )
        tables = {unit: self.tables[unit].at(moment) for unit in units}
        candidates = {since, *(day for day in current if day > since)}
        candidates.update(day for day in tree_dates if day > since)
        for dates, _ in tables.values():
            candidates.update(dates[bisect.bisect_right(dates, since) :])
        wanted: dict[date, Totals] = {}
        members: list[UUID] | None = None
        epoch = -1
        for day in sorted(candidates):
            at = bisect.bisect_right(tree_dates, day)
            if at != epoch:
                members, epoch = self.members(government, day, moment), at
            totals = self.totals(members, tables, day)
            if totals != previous:
                wanted[day] = totals
            previous = totals
        for day in sorted({*wanted, *(d for d in current if d >= since)}):
            old, new = current.get(day), wanted.get(day)
            if old is not None and new is not None and old.totals == new:
                continue
            if old is not None:
                del current[day]
                if old.recorded_from is None:
                    old.recorded_to = moment
                    self.closes.append(old)
                else:
                    old.recorded_to = moment
            if new is not None:
                row = current[day] = Row(government, day, new, moment)
                self.inserts.append(row)

    def members(self, government: UUID, day: date, moment: datetime) -> list[UUID] | None:
        """The government and its descendants in force on the day, as believed at the moment;
        None when it is not a government then (not in force, or below another unit)."""
        tree, statuses = self.tree, self.statuses
        link = tree.link(government, day, moment)
        if link is None or link.parent_id is not None:
            return None
        if not statuses.open_on(government, day, moment):
            return None
        found, level, seen = [government], [government], {government}
        for _ in range(MAX_DEPTH):
            below = []
            for parent in level:
                for child in tree.ever_children(parent):
                    if child in seen:
                        continue
                    place = tree.link(child, day, moment)
                    if (
                        place is not None
                        and place.parent_id == parent
                        and statuses.open_on(child, day, moment)
                    ):
                        seen.add(child)
                        below.append(child)
            if not below:
                break
            found.extend(below)
            level = below
        return found

    @staticmethod
    def totals(
        members: list[UUID] | None,
        tables: dict[UUID, tuple[list[date], list[TableTotals]]],
        day: date,
    ) -> Totals:
        if members is None:
            return NOT_A_GOVERNMENT
        in_force = []
        for unit in members:
            dates, versions = tables[unit]
            at = bisect.bisect_right(dates, day)
            if at:
                in_force.append(versions[at - 1])
        return summed(len(members), in_force)

    def write(self) -> None:
        with self.conn.cursor() as cur:
            if self.closes:
                cur.execute(
                    CLOSE,
                    (
                        [row.government_id for row in self.closes],
                        [row.valid_from for row in self.closes],
                        [row.recorded_to for row in self.closes],
                    ),
                )
            if self.inserts:
                with cur.copy(COPY) as copy:
                    for row in self.inserts:
                        copy.write_row(
                            (
                                row.government_id,
                                row.valid_from,
                                row.recorded_from,
                                row.recorded_to,
                                *row.totals,
                            )
                        )
