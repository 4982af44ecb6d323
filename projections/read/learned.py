"""What the ledger learned in a window of transaction time (Query.learned, OrgUnit.learned): the
recordings made in (after, until], oldest first, each with what it changed.

A recording is one transaction of the log: the events one `Ledger.execute` (a mutation) or one
unit of work (a chunk of an import, ledger/work.py) recorded together. The recorder stamps the
events of a transaction with one recorded_at, taken under the log's exclusive lock and later
than every earlier transaction's (ledger/recorder.py); under that lock they also take the next
positions of the log. So a recording is the events that share a recorded_at, a run of
positions, and recordings follow each other in the same order by position as by time. (The
idempotency records cannot tell it: they name one command, and a unit of work records many
without keys.)

What a recording changed is what Event.changes computes for each of its events
(projections/read/event_changes.py), once per fact and valid date: the fact in force at that
date as known just before the recording's time T, against the one known at T. That change holds
for the valid time [the date, the fact's next valid date believed at T); a window of valid time
[valid_from, valid_to] keeps the changes whose valid time overlaps it, and the recordings that
keep one.

The window's transaction times are turned into positions by the index on recorded_at (a probe
at each end); the events are then read by position as the public log reads them
(queries.events), with its filters."""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent

from projections.facts import ALWAYS
from projections.read import event_changes, queries, staffing
from projections.read.changes import FieldChange, changes_between
from projections.read.event_changes import JUST_BEFORE, Key, Touched, Version
from projections.read.units import Conn
from projections.views import EventView

Decode = Callable[[StoredEvent], Aggregate.Event]
SCAN = 500
"""Events read by one statement."""
MAX_EVENTS = 2_000
"""A page ends with the recording that brings its events (examined) to this many: recordings
are never split, and a page reads a bounded part of the log whatever its size."""
SPAN = (
    "SELECT (SELECT position FROM rm_events WHERE recorded_at > $1 "
    "ORDER BY recorded_at, position LIMIT 1) AS first, "
    "(SELECT position FROM rm_events WHERE recorded_at <= $2 "
    "ORDER BY recorded_at DESC, position DESC LIMIT 1) AS last"
)
"""The first and last positions recorded in (after, until]: two probes of rm_events_recorded."""


@dataclass(frozen=True)
class Window:
    """(after, until] of transaction time; [valid_from, valid_to] of valid time, either end
    open when None."""

    after: datetime
    until: datetime
    valid_from: date | None = None
    valid_to: date | None = None

    @property
    def bounded(self) -> bool:
        """Whether the window restricts valid time."""
        return self.valid_from is not None or self.valid_to is not None

    def overlaps(self, start: date, end: date | None) -> bool:
        """Whether the valid time [start, end) meets [valid_from, valid_to]."""
        return (self.valid_to is None or start <= self.valid_to) and (
            self.valid_from is None or end is None or end > self.valid_from
        )


@dataclass(frozen=True)
class LearnedChange:
    """One value a recording changed, with the recording's events that touched its fact."""

    change: FieldChange
    events: list[EventView]


@dataclass(frozen=True)
class RecordingView:
    """One recording: its events (those the filters select), in log order, and its changes."""

    events: list[EventView]
    changes: list[LearnedChange]

    @property
    def recorded_at(self) -> datetime:
        return self.events[0].recorded_at

    @property
    def end(self) -> int:
        """The position of its last event: the cursor after it."""
        return self.events[-1].position

    @property
    def actor(self) -> str:
        return self.events[0].actor

    @property
    def reason(self) -> str | None:
        return _shared([e.reason for e in self.events])

    @property
    def source(self) -> str | None:
        return _shared([e.source for e in self.events])


@dataclass(frozen=True)
class RecordingPage:
    recordings: list[RecordingView]
    has_next: bool
    end: int
    """The position to resume after: the last recording examined (one a valid-time window left
    out included)."""


def _shared(values: Sequence[str | None]) -> str | None:
    """The value every event gives, or None where they differ."""
    return values[0] if len(set(values)) == 1 else None


@dataclass(frozen=True)
class Reading:
    """What a page needs besides its window: where the log's data is and how it is decoded."""

    events_table: str
    decode: Decode
    labels: staffing.Labels


async def learned(
    conn: Conn,
    window: Window,
    reading: Reading,
    *,
    after: int,
    first: int,
    **filters: Any,
) -> RecordingPage:
    """Up to `first` recordings of the window after position `after`, oldest first. `filters`
    are queries.events's (types, unit_ids, subject_ids, owner_id): a recording holds the events
    they select, and is listed when it holds one."""
    span = await conn.fetchrow(SPAN, window.after, window.until)
    if span is None or span["first"] is None or span["last"] is None:
        return RecordingPage([], False, after)
    start = max(after, span["first"] - 1)
    scan = Scan(conn, start, span["last"], window, filters)
    found: list[RecordingView] = []
    examined, end = 0, after
    while len(found) < first and examined < MAX_EVENTS:
        batch: list[list[EventView]] = []
        while len(found) + len(batch) < first and examined < MAX_EVENTS:
            group = await scan.next_group()
            if group is None:
                break
            batch.append(group)
            examined += len(group)
        if not batch:
            break
        made = await recordings(conn, batch, window, reading)
        found += [r for r in made if r.changes or not window.bounded]
        end = batch[-1][-1].position
    return RecordingPage(found, await scan.more(), end)


class Scan:
    """The window's events in log order, a statement of SCAN events at a time, handed out a
    recording (the events of one recorded_at) at a time."""

    def __init__(
        self, conn: Conn, start: int, last: int, window: Window, filters: dict[str, Any]
    ) -> None:
        self.conn, self.position, self.last = conn, start, last
        self.args = {"known_at": window.until, "recorded_after": window.after, **filters}
        self.buffer: deque[EventView] = deque()
        self.done = False

    async def _fill(self) -> None:
        if self.buffer or self.done:
            return
        page = await queries.events(
            self.conn, after=self.position, first=SCAN, upto=self.last, **self.args
        )
        self.buffer.extend(page.events)
        if page.events:
            self.position = page.events[-1].position
        self.done = not page.has_next

    async def next_group(self) -> list[EventView] | None:
        await self._fill()
        if not self.buffer:
            return None
        group = [self.buffer.popleft()]
        while True:
            await self._fill()
            if not self.buffer or self.buffer[0].recorded_at != group[0].recorded_at:
                return group
            group.append(self.buffer.popleft())

    async def more(self) -> bool:
        await self._fill()
        return bool(self.buffer)


async def recordings(
    conn: Conn, groups: list[list[EventView]], window: Window, reading: Reading
) -> list[RecordingView]:
    """Each group of events as a recording with its changes: the events' data, the versions of
    the facts they touched and of the names that label them, read once for all the groups (a
    few statements, whatever their number)."""
    positions = [view.position for group in groups for view in group]
    stored = await queries.stored_events(conn, reading.events_table, positions)
    touched = {
        view.position: event_changes.touched(
            view.position, view.recorded_at, reading.decode(stored[view.position])
        )
        for group in groups
        for view in group
    }
    keys = list(dict.fromkeys(key for t in touched.values() for key, _ in t.facts))
    known = await event_changes.versions(conn, keys, reading.labels)
    names = await event_changes.versions(conn, event_changes.name_keys(known), reading.labels)
    return [
        RecordingView(group, changes_of(group, touched, known, names, window)) for group in groups
    ]


def changes_of(
    group: list[EventView],
    touched: dict[int, Touched],
    known: dict[Key, list[Version]],
    names: dict[Key, list[Version]],
    window: Window,
) -> list[LearnedChange]:
    """What one recording changed: per fact and valid date it touched, in the order of kind,
    subject and valid date (then key and field, as changes_between gives them)."""
    facts: dict[tuple[Key, date], list[EventView]] = {}
    for view in group:
        for key, as_of in touched[view.position].facts:
            facts.setdefault((key, as_of), []).append(view)
    moment = group[0].recorded_at
    found: list[LearnedChange] = []
    for (key, as_of), views in sorted(facts.items(), key=lambda item: fact_order(*item[0])):
        versions = known.get(key, [])
        if not window.overlaps(as_of, next_valid(versions, as_of, moment)):
            continue
        shown = None if as_of == ALWAYS else as_of
        for change in fact_changes(key, as_of, moment, versions, names, views):
            found.append(LearnedChange(dataclasses.replace(change, valid_from=shown), views))
    return found


def fact_order(key: Key, as_of: date) -> tuple[str, str, date]:
    return (key[0], str(key[1]), as_of)


def next_valid(versions: Sequence[Version], as_of: date, moment: datetime) -> date | None:
    """The fact's next valid date after as_of believed at moment: where the change stops."""
    later = [v.valid_from for v in versions if v.valid_from > as_of and v.believed(moment)]
    return min(later, default=None)


def fact_changes(
    key: Key,
    as_of: date,
    moment: datetime,
    versions: Sequence[Version],
    names: dict[Key, list[Version]],
    views: list[EventView],
) -> list[FieldChange]:
    """The fields of one fact whose value in force at as_of the recording at moment changed."""
    before = event_changes.fact_at(key, versions, as_of, moment - JUST_BEFORE)
    after = event_changes.fact_at(key, versions, as_of, moment)
    labels: dict[UUID, str] = {}
    for label_key in event_changes.label_keys(key, versions):
        name = event_changes.name_of(names.get(label_key, []), as_of, moment)
        if name is not None:
            labels[label_key[1]] = name
    positions = {key: tuple(view.position for view in views)}
    return changes_between(
        {key: before} if before else {}, {key: after} if after else {}, labels, positions
    )
