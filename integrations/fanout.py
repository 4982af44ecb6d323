"""Many subscribers, one reader: each API process reads each new page of the log once and
hands it to every subscriber (api/graphql/subscription.py), each with its own filter and
position.

The reader keeps the last `window` events it read. A subscriber whose position lies within
them joins at once: in one step with no await (so no page can come in between) it takes the
window's events after its position, then every page the reader reads. One further behind
catches up from the database on its own first, with its own filter, up to the reader's head,
and tries again; an event arrives once, since a follower takes only positions after its own.
Filters are evaluated in memory with the meaning queries.events gives them (rm_events keeps
each event's unit path as of recording: projections/read/stream.py).

Backpressure: a joined subscriber's queue holds `capacity` events. The reader never waits for
a subscriber: one whose queue is full is dropped (its queue freed) and ended with TooSlow. When
the reader fails (the database out of reach, say) every joined subscriber ends with the
reader's own error. The API answers both (SUBSCRIBER_TOO_SLOW, SERVICE_UNAVAILABLE) with the
cursor of the last event the subscriber was handed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator
from typing import TypeVar

import asyncpg

from ledger import outages
from ledger.settings import FanoutSettings
from projections.freshness import Freshness
from projections.listener import Listener
from projections.read import queries, stream
from projections.read.stream import Filter, Logged
from projections.views import EventView

log = logging.getLogger(__name__)
PAGE = 500
"""Events read at a time, by the reader and by a subscriber catching up (the API's largest
page)."""
T = TypeVar("T")
HALTED_SECONDS = 1.0
"""How often a reader looks again while projection is halted (waits return at once then)."""
RETRY_SECONDS = 1.0
WAIT_SECONDS = 1.0
"""The reader checks the read model's position this often without a NOTIFY (a safety net)."""


class TooSlow(Exception):
    """The subscriber did not read its events as fast as they came."""

    def __init__(self) -> None:
        super().__init__(
            "the subscriber fell too far behind; subscribe again with after: extensions.cursor"
        )


class Follower:
    """One subscriber: its filter, the last position handed to it, and its queue."""

    def __init__(self, filter: Filter, position: int, capacity: int) -> None:
        self.filter = filter
        self.position = position
        """The last log position taken (matched or not): the follower takes only later ones."""
        self.capacity = capacity
        self.queue: deque[EventView] = deque()
        self.ended: Exception | None = None
        self._ready = asyncio.Event()

    def offer(self, logged: Logged) -> bool:
        """Take an event after the follower's position; False when the queue is full."""
        if logged.position <= self.position:
            return True
        if self.filter.matches(logged):
            if len(self.queue) >= self.capacity:
                return False
            self.queue.append(logged.view)
            self._ready.set()
        self.position = logged.position
        return True

    def end(self, error: Exception) -> None:
        self.ended = error
        self.queue.clear()
        self._ready.set()

    async def next(self) -> EventView:
        while not self.queue:
            if self.ended is not None:
                raise self.ended
            self._ready.clear()
            await self._ready.wait()
        if self.ended is not None:
            raise self.ended
        return self.queue.popleft()


class Fanout:
    def __init__(
        self,
        pool: asyncpg.Pool,
        freshness: Freshness,
        listener: Listener | None,
        settings: FanoutSettings,
    ) -> None:
        self.pool = pool
        self.freshness = freshness
        self.listener = listener
        self.capacity = settings.buffer
        """Events a subscriber may have waiting before it is cut off."""
        self.recent: deque[Logged] = deque(maxlen=settings.window)
        self.head = 0
        """The position the reader has read up to."""
        self.floor = 0
        """Every event after floor and up to head is in recent."""
        self.followers: set[Follower] = set()
        self.page_reads = 0
        """Pages of the log the reader has read (whatever the number of subscribers)."""
        self.catch_up_reads = 0
        """Pages read by subscribers catching up on their own."""
        self.cut = 0
        """Subscribers ended for being too slow."""
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.head = self.floor = self.freshness.position
        self._task = asyncio.create_task(self._run(), name="fanout")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                if await self.freshness.wait_for(self.head + 1, WAIT_SECONDS):
                    while await self._read_page():
                        pass
                elif self.freshness.halted_at is not None:
                    await asyncio.sleep(HALTED_SECONDS)  # nothing new is applied meanwhile
                elif self.listener is not None and not self.listener.connected:
                    await self.freshness.refresh()  # is the database still there?
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if not outages.unreachable(error):  # answered as an internal error, hidden
                    log.exception("the fan-out's reader failed; retrying")
                self._end_all(error)
                await asyncio.sleep(RETRY_SECONDS)

    async def _read_page(self) -> bool:
        """Read the next page after head and hand it out; True when it was full."""
        async with self.pool.acquire() as conn:
            page = await stream.page_after(conn, self.head, PAGE)
        self.page_reads += 1
        for logged in page:
            self._publish(logged)
        return len(page) == PAGE

    def _publish(self, logged: Logged) -> None:
        if len(self.recent) == self.recent.maxlen:
            self.floor = self.recent[0].position
        self.recent.append(logged)
        self.head = logged.position
        for follower in list(self.followers):
            if not follower.offer(logged):
                self.followers.discard(follower)
                self.cut += 1
                follower.end(TooSlow())

    def _end_all(self, error: Exception) -> None:
        for follower in self.followers:
            follower.end(error)
        self.followers.clear()

    def join(self, follower: Follower) -> bool:
        """Join the shared stream if the window covers the follower's position (no await)."""
        if follower.position < self.floor:
            return False
        after = follower.position
        pending = sum(1 for e in self.recent if e.position > after and follower.filter.matches(e))
        if pending > follower.capacity:
            return False
        for logged in self.recent:
            follower.offer(logged)
        self.followers.add(follower)
        return True

    async def follow(self, filter: Filter, position: int) -> AsyncIterator[EventView]:
        """Every event after position that matches filter, in log order, then each new one."""
        follower = Follower(filter, position, self.capacity)
        try:
            while not self.join(follower):
                async for view in self._catch_up(follower):
                    yield view
            while True:
                yield await follower.next()
        finally:
            self.followers.discard(follower)

    async def _catch_up(self, follower: Follower) -> AsyncIterator[EventView]:
        """Read from the database, with the follower's filter, up to the reader's head."""
        upto, f = self.head, follower.filter
        while follower.position < upto:
            async with self.pool.acquire() as conn:
                page = await queries.events(
                    conn,
                    after=follower.position,
                    first=PAGE,
                    types=_list(f.types),
                    unit_ids=_list(f.unit_ids),
                    subject_ids=_list(f.subject_ids),
                    upto=upto,
                    recorded_after=f.recorded_after,
                    recorded_until=f.recorded_until,
                )
            self.catch_up_reads += 1
            for view in page.events:
                follower.position = view.position
                yield view
            if not page.has_next:
                follower.position = upto


def _list(values: frozenset[T] | None) -> list[T] | None:
    return None if values is None else sorted(values, key=str)
