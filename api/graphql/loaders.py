"""The request's DataLoaders: every list a query walks (children, subtrees, staffing, budgets,
tasks, indicators, histories, owners, versions, event data) loads with one statement per level
of the query, whatever the number of units it covers.

A key is (*group, subject): the group says how the subjects are read (asOf and knownAt, a fiscal
year, a page), the subject what is read (a unit, or the units of a subtree). One batch may hold
several groups; each is read with one statement."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Hashable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypeVar, cast
from uuid import UUID

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from strawberry.dataloader import DataLoader

from ledger import outages
from projections import facts as changes
from projections.read import digests, event_changes, indicators, proofs, queries, staffing, units
from projections.read.changes import FieldChange
from projections.read.indicators import IndicatorView
from projections.read.queries import Conn
from projections.staffing_views import StaffingTable, StaffingView, roll_up_staffing
from projections.views import BudgetLineView, EventPage, TaskView, Tree, UnitView

G = TypeVar("G", bound=tuple[Any, ...])
R = TypeVar("R")
Decode = Callable[[Any], Any]
Units = tuple[UUID, ...]


def grouped(keys: Sequence[tuple[Any, ...]]) -> dict[tuple[Any, ...], list[Any]]:
    """The keys' subjects (last element) by group (the elements before), each subject once."""
    groups: dict[tuple[Any, ...], dict[Any, None]] = {}
    for key in keys:
        groups.setdefault(key[:-1], {})[key[-1]] = None
    return {group: list(subjects) for group, subjects in groups.items()}


def flat(groups: Sequence[Units]) -> list[UUID]:
    return list(dict.fromkeys(unit for group in groups for unit in group))


def sum_tables(tables: Mapping[UUID, StaffingTable], ids: Units) -> StaffingView | None:
    """The staffing of these units: their tables in force summed, in the order of the ids."""
    return roll_up_staffing([tables[unit] for unit in ids if unit in tables])


def settled(pending: Awaitable[R]) -> R | Awaitable[R]:
    """A load's value when the loader holds it already (primed, or read by an earlier
    batch), so that a resolver can answer without a turn of the event loop; else the load.
    A load that failed stays a load, to raise where it is awaited."""
    if (
        isinstance(pending, asyncio.Future)
        and pending.done()
        and not pending.cancelled()
        and pending.exception() is None
    ):
        return cast(R, pending.result())
    return pending


class Reads:
    """The read pool as resolvers and loaders use it: a read that meets a connection the server
    closed while it lay in the pool (after a restart) is tried once more on another; a database
    out of reach is answered by api/errors.py."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def run(self, read: Callable[[PoolConnectionProxy], Awaitable[R]]) -> R:
        """Read on a pooled connection; once more on another when the first was lost."""
        try:
            async with self.pool.acquire() as conn:
                return await read(conn)
        except Exception as error:
            if not outages.unreachable(error):
                raise
        async with self.pool.acquire() as conn:
            return await read(conn)


class Loaders:
    """Made per request; each loader made on first use."""

    def __init__(self, reads: Reads, labels: staffing.Labels, events_table: str) -> None:
        self.reads = reads
        self.labels = labels
        self.events_table = events_table
        self._made: dict[str, DataLoader[Any, Any]] = {}

    def close(self) -> None:
        """Let go of what the loaders read. A loader's batch function is a method of this
        object, so each loader and this object hold each other, and with them every value
        read: a cycle that only the cyclic collector would free, in a full pass over
        everything the requests since the last one left behind (the p99's pauses). Without
        it, the request's values go as soon as the answer is made."""
        for loader in self._made.values():
            loader.clear_all()
        self._made.clear()

    def _loader(
        self, name: str, batch: Callable[[list[Any]], Awaitable[list[Any]]]
    ) -> DataLoader[Any, Any]:
        loader = self._made.get(name)
        if loader is None:
            loader = self._made[name] = DataLoader(batch)
        return loader

    def _load(
        self, name: str, batch: Callable[[list[Any]], Awaitable[list[Any]]], key: Hashable
    ) -> Awaitable[Any]:
        return self._loader(name, batch).load(key)

    async def _per_group(
        self,
        keys: Sequence[tuple[Any, ...]],
        read: Callable[[Conn, tuple[Any, ...], list[Any]], Awaitable[R]],
    ) -> dict[tuple[Any, ...], R]:
        async def per_group(conn: Conn) -> dict[tuple[Any, ...], R]:
            return {
                group: await read(conn, group, subjects)
                for group, subjects in grouped(keys).items()
            }

        return await self.reads.run(per_group)

    # -- units ---------------------------------------------------------------------------

    def unit(self, as_of: date, known_at: datetime, unit_id: UUID) -> Awaitable[UnitView | None]:
        return self._load("unit", self._units, (as_of, known_at, unit_id))

    async def _units(self, keys: list[tuple[date, datetime, UUID]]) -> list[UnitView | None]:
        found = await self._per_group(keys, lambda c, g, ids: units.units(c, ids, *g))
        return [found[(a, k)].get(u) for a, k, u in keys]

    def children(self, as_of: date, known_at: datetime, unit_id: UUID) -> Awaitable[list[UnitView]]:
        return self._load("children", self._children, (as_of, known_at, unit_id))

    async def _children(self, keys: list[tuple[date, datetime, UUID]]) -> list[list[UnitView]]:
        found = await self._per_group(keys, lambda c, g, ids: units.children(c, ids, *g))
        return [found[(a, k)][u] for a, k, u in keys]

    def subtree(self, as_of: date, known_at: datetime, unit_id: UUID) -> Awaitable[Units]:
        """The unit and its descendants in force, depth-first by name."""
        return self._load("subtree", self._subtrees, (as_of, known_at, unit_id))

    async def _subtrees(self, keys: list[tuple[date, datetime, UUID]]) -> list[Units]:
        found: dict[tuple[Any, ...], dict[UUID, Tree]] = await self._per_group(
            keys, lambda c, g, roots: units.subtrees(c, roots, *g)
        )
        return [tuple(found[(a, k)][u].subtree(u)) for a, k, u in keys]

    def prime_tree(
        self,
        as_of: date,
        known_at: datetime,
        tree: Tree,
        tables: Mapping[UUID, StaffingTable] | None = None,
        sums: Collection[bool] = (),
    ) -> None:
        """Give the unit and subtree loaders what one read of a tree holds already: each unit
        in it and each unit's subtree, as their own reads would find them (the same relations
        in force at the same moment), so that a tree's page asks for neither again. Given the
        tree's tables too (read_ahead.tables_of_tree), the staffing loader gets each unit's
        staffing as the page asks it: with its descendants' (True in sums), its own (False)."""
        unit, subtree = self._loader("unit", self._units), self._loader("subtree", self._subtrees)
        summed = self._loader("staffing", self._staffing)
        for unit_id, view in tree.units.items():
            ids = tuple(tree.subtree(unit_id))
            unit.prime((as_of, known_at, unit_id), view)
            subtree.prime((as_of, known_at, unit_id), ids)
            if tables is not None:
                for key in {ids if descendants else (unit_id,) for descendants in sums}:
                    summed.prime((as_of, known_at, key), sum_tables(tables, key))

    def last_recorded(self, known_at: datetime, unit_id: UUID) -> Awaitable[UnitView | None]:
        return self._load("last", self._last_recorded, (known_at, unit_id))

    async def _last_recorded(self, keys: list[tuple[datetime, UUID]]) -> list[UnitView | None]:
        found = await self._per_group(keys, lambda c, g, ids: units.last_recorded(c, ids, *g))
        return [found[(k,)].get(u) for k, u in keys]

    # -- what units hold -----------------------------------------------------------------

    def staffing(
        self, as_of: date, known_at: datetime, unit_ids: Units
    ) -> Awaitable[StaffingView | None]:
        """The tables in force of these units, summed (a unit alone, or a subtree)."""
        return self._load("staffing", self._staffing, (as_of, known_at, unit_ids))

    async def _staffing(
        self, keys: list[tuple[date, datetime, Units]]
    ) -> list[StaffingView | None]:
        async def read(
            conn: Conn, group: tuple[Any, ...], sets: list[Units]
        ) -> dict[UUID, StaffingTable]:
            found = await staffing.tables(conn, flat(sets), group[0], group[1], self.labels)
            return {table.unit_id: table for table in found}

        tables = await self._per_group(keys, read)
        return [sum_tables(tables[(a, k)], ids) for a, k, ids in keys]

    def prime_staffing(
        self, as_of: date, known_at: datetime, unit_ids: Units, view: StaffingView | None
    ) -> None:
        """Give the loader an answer read beforehand (with the unit, in one statement)."""
        self._loader("staffing", self._staffing).prime((as_of, known_at, unit_ids), view)

    def budget_lines(
        self, as_of: date, known_at: datetime, fiscal_year: int, owners: Units
    ) -> Awaitable[list[BudgetLineView]]:
        return self._load("budget", self._budget_lines, (as_of, known_at, fiscal_year, owners))

    async def _budget_lines(
        self, keys: list[tuple[date, datetime, int, Units]]
    ) -> list[list[BudgetLineView]]:
        found = await self._per_group(
            keys, lambda c, g, sets: queries.budget_lines(c, flat(sets), g[2], g[0], g[1])
        )
        return [
            [line for line in found[(a, k, y)] if line.owner_id in owners]
            for a, k, y, owners in keys
        ]

    def tasks(self, as_of: date, known_at: datetime, owner: UUID) -> Awaitable[list[TaskView]]:
        return self._load("tasks", self._tasks, (as_of, known_at, owner))

    async def _tasks(self, keys: list[tuple[date, datetime, UUID]]) -> list[list[TaskView]]:
        found = await self._per_group(
            keys, lambda c, g, ids: queries.tasks(c, as_of=g[0], known_at=g[1], owner_ids=ids)
        )
        return [[t for t in found[(a, k)] if t.owner_id == u] for a, k, u in keys]

    def indicators(
        self, as_of: date, known_at: datetime, owners: Units
    ) -> Awaitable[list[IndicatorView]]:
        return self._load("indicators", self._indicators, (as_of, known_at, owners))

    async def _indicators(
        self, keys: list[tuple[date, datetime, Units]]
    ) -> list[list[IndicatorView]]:
        found = await self._per_group(
            keys, lambda c, g, sets: indicators.indicators_of(c, flat(sets), *g)
        )
        return [[i for i in found[(a, k)] if i.owner_id in owners] for a, k, owners in keys]

    def history(
        self, known_at: datetime, after: int, first: int, owner: UUID
    ) -> Awaitable[EventPage]:
        return self._load("history", self._histories, (known_at, after, first, owner))

    async def _histories(self, keys: list[tuple[datetime, int, int, UUID]]) -> list[EventPage]:
        found = await self._per_group(
            keys,
            lambda c, g, owners: queries.histories(
                c, owners, known_at=g[0], after=g[1], first=g[2]
            ),
        )
        return [found[(k, a, f)][o] for k, a, f, o in keys]

    # -- the current state ---------------------------------------------------------------

    def version(self, subject_id: UUID) -> Awaitable[int]:
        return self._load("version", self._versions, subject_id)

    async def _versions(self, keys: list[UUID]) -> list[int]:
        found = await self.reads.run(lambda conn: queries.versions(conn, keys))
        return [found.get(key, 0) for key in keys]

    def event_data(self, position: int, decode: Decode) -> Awaitable[dict[str, Any]]:
        return self._load("data", lambda keys: self._event_data(keys, decode), position)

    async def _event_data(self, keys: list[int], decode: Decode) -> list[dict[str, Any]]:
        stored = await self.reads.run(
            lambda conn: queries.stored_events(conn, self.events_table, keys)
        )
        return [changes.event_data(decode(stored[position])) for position in keys]

    def digests(self, position: int) -> Awaitable[tuple[str | None, str | None]]:
        """An event's digest in the hash chain, and the digest before it."""
        return self._load("digests", self._digests, position)

    async def _digests(self, keys: list[int]) -> list[tuple[str | None, str | None]]:
        found = await self.reads.run(lambda conn: digests.digests(conn, self.events_table, keys))
        return [found.get(position, (None, None)) for position in keys]

    def event_changes(
        self, position: int, recorded_at: datetime, decode: Decode
    ) -> Awaitable[list[FieldChange]]:
        """What the event at position changed (projections/event_changes.py): a page of
        events reads its events and the versions of the facts they touched once."""
        batch = lambda keys: self._event_changes(keys, decode)  # noqa: E731
        return self._load("event_changes", batch, (position, recorded_at))

    async def _event_changes(
        self, keys: list[tuple[int, datetime]], decode: Decode
    ) -> list[list[FieldChange]]:
        async def read(conn: Conn) -> list[list[FieldChange]]:
            stored = await queries.stored_events(conn, self.events_table, [p for p, _ in keys])
            events = [event_changes.touched(p, t, decode(stored[p])) for p, t in keys]
            return await event_changes.page_changes(conn, events, self.labels)

        return await self.reads.run(read)

    def leaf(self, position: int) -> Awaitable[proofs.Leaf | None]:
        """An event's leaf in the log's Merkle tree: its index and hash."""
        return self._load("leaves", self._leaves, position)

    async def _leaves(self, keys: list[int]) -> list[proofs.Leaf | None]:
        found = await self.reads.run(lambda conn: proofs.leaves(conn, self.events_table, keys))
        return [found.get(position) for position in keys]
