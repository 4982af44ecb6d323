"""How fresh the read model is, and the guarantee every read rests on: an answer for a knownAt
that has passed never changes afterwards.

The projector publishes a safe time S (projections/projector.py): every event recorded at or
before S is applied to the read model, and every event committed later is recorded after S.
A read for knownAt K answers for min(K, S) and says so; without K, for S. This process keeps
the latest S in memory (a SafeTimeBoard shared by the server's workers), learnt by LISTEN, with
a poll as the safety net that also reopens the listener after an outage: settling a read costs
no query.

A K between S and now is a moment about to become safe: the read waits for the projector's next
heartbeat rather than answer for an earlier moment than it asked. Unless the projector is halted
at an event (projections/halt.py): S cannot pass it then, so nothing waits for it; reads answer
for S, and a write answers at once that the read model has not caught up.

Reading a hot-standby replica (GOVLEDGER_READ_DATABASE_URL), S is the one the replica has
replayed: read from rm_meta on the replica only. A NOTIFY from the primary then only wakes the
process to poll the replica until it holds the notified position; its S is never taken, for the
replica may not hold what it says yet (a read settled against it would miss facts)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import asyncpg

from projections.listener import DB_ERRORS, Listener
from projections.safe_time import SafeTimeBoard
from projections.schema import PROJECTED_CHANNEL, PROJECTION_NAME

log = logging.getLogger(__name__)
POLL_SECONDS = 0.5
REPLICA_POLL_SECONDS = 0.15
"""How often S is read from a replica while it is behind a position the primary announced."""
CATCH_UP_SECONDS = 1.0
"""How long a read for a K just past waits for S to reach it (a few projector heartbeats)."""
CLOCK_SKEW = timedelta(seconds=1)


class Freshness:
    def __init__(
        self,
        pool: asyncpg.Pool,
        listener: Listener,
        board: SafeTimeBoard | None = None,
        wait_seconds: float = 5.0,
        *,
        replica: bool = False,
    ) -> None:
        self.pool = pool
        self.replica = replica
        self.poll_seconds = REPLICA_POLL_SECONDS if replica else POLL_SECONDS
        self._announced = 0
        """The highest position the primary announced (replica only)."""
        self._chase: asyncio.Task[None] | None = None
        self.board = board or SafeTimeBoard()
        self.wait_seconds = wait_seconds
        self._changed = asyncio.Event()
        self.halted_at: int | None = None
        """The log position the projector is halted at, as last read from rm_meta."""
        listener.on(PROJECTED_CHANNEL, self._notified)
        listener.every_check(self.refresh)

    @property
    def position(self) -> int:
        return self.board.read()[0]

    @property
    def safe_time(self) -> datetime | None:
        return self.board.read()[1]

    def _notified(self, payload: str) -> None:
        position, _, safe = payload.partition(" ")
        if self.replica:
            self._announced = max(self._announced, int(position))
            if self._chase is None or self._chase.done():
                self._chase = asyncio.get_running_loop().create_task(self._follow_replica())
            return
        self._advance(int(position), datetime.fromisoformat(safe) if safe else None)

    async def _follow_replica(self) -> None:
        """Poll the replica's rm_meta until it holds the announced position, for at most
        wait_seconds after the last announcement (the periodic check goes on past that)."""
        loop = asyncio.get_running_loop()
        announced, deadline = self._announced, loop.time() + self.wait_seconds
        while self.position < self._announced and self.halted_at is None:
            if self._announced != announced:
                announced, deadline = self._announced, loop.time() + self.wait_seconds
            if loop.time() > deadline:
                return
            with contextlib.suppress(*DB_ERRORS):
                await self.refresh()
            if self.position < self._announced:
                await asyncio.sleep(self.poll_seconds)

    async def close(self) -> None:
        """Stop following the replica."""
        if self._chase is not None:
            self._chase.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._chase
            self._chase = None

    def _advance(self, position: int, safe_time: datetime | None) -> None:
        if self.halted_at is not None and position >= self.halted_at:
            self.halted_at = None
        self.board.advance(position, safe_time)
        self._changed.set()
        self._changed = asyncio.Event()

    async def refresh(self) -> tuple[int, datetime | None]:
        row = await self.pool.fetchrow(
            "SELECT position, safe_time, halted_at FROM rm_meta WHERE name = $1", PROJECTION_NAME
        )
        if row is not None:
            self.halted_at = row["halted_at"]
            self._advance(row["position"], row["safe_time"])
        return self.board.read()

    def settled(self, known_at: datetime | None) -> datetime | None:
        """The moment to answer for, if it needs no wait: K when S has reached it, S without K
        or for a K in the future; None while K lies between S and now."""
        safe = self.safe_time
        if safe is None:
            return None
        if known_at is None or known_at <= safe:
            return known_at or safe
        if known_at > datetime.now(UTC) + CLOCK_SKEW:
            return safe
        return None

    async def settle(self, known_at: datetime | None) -> datetime:
        """The knownAt to answer for: the one asked, or S, unless the read model lags."""
        moment = self.settled(known_at)
        if moment is not None:
            return moment
        target = known_at or datetime.now(UTC)
        waited = self.halted_at is None and await self.wait_for_time(target, CATCH_UP_SECONDS)
        if not waited and self.safe_time is None:
            await self.refresh()
        safe = self.safe_time
        if safe is None:
            raise LookupError("the read model has not been built yet")
        return min(target, safe) if known_at else safe

    async def wait_for(self, position: int, timeout: float | None = None) -> bool:
        """Wait until the read model has applied the log up to position."""
        return await self._wait(lambda: self.position >= position, timeout)

    async def wait_for_time(self, moment: datetime, timeout: float | None = None) -> bool:
        """Wait until the safe time has reached moment."""

        def reached() -> bool:
            safe = self.safe_time
            return safe is not None and safe >= moment

        return await self._wait(reached, timeout)

    async def _wait(self, done: Callable[[], bool], timeout: float | None) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (self.wait_seconds if timeout is None else timeout)
        while not done():
            remaining = deadline - loop.time()
            if remaining <= 0 or self.halted_at is not None:
                return False
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), min(remaining, self.poll_seconds))
            except TimeoutError:
                with contextlib.suppress(*DB_ERRORS):
                    await self.refresh()
        return True
