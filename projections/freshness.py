"""How fresh the read model is, and the guarantee every read rests on: an answer for a knownAt
that has passed never changes afterwards.

Events are stamped with their transaction time under the log's table lock, so time follows
commit order. A read for knownAt K needs every event recorded at or before K applied. If K is
before the projector's watermark (the time of the last event it applied), that is so already.
Otherwise a SHARE lock on the log waits out any writer mid-commit and reads the head position
and the clock T: every event stamped at or before T is then committed at or below the head.
Once the projector reaches the head, the answer for min(K, T) is final; should the projector
lag, the answer is given for its watermark instead, and says so in knownAt."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

import asyncpg

from projections.schema import PROJECTED_CHANNEL, PROJECTION_NAME

log = logging.getLogger(__name__)
POLL_SECONDS = 0.5


class Freshness:
    def __init__(self, pool: asyncpg.Pool, events_table: str, wait_seconds: float = 5.0) -> None:
        self.pool = pool
        self.events_table = events_table
        self.wait_seconds = wait_seconds
        self.position = 0
        self._changed = asyncio.Event()
        self._listener: asyncpg.Connection | None = None

    async def start(self, connect_kwargs: dict[str, Any]) -> None:
        self._listener = await asyncpg.connect(**connect_kwargs)
        await self._listener.add_listener(PROJECTED_CHANNEL, self._notified)  # type: ignore[arg-type]
        await self.refresh()

    async def stop(self) -> None:
        if self._listener is not None:
            await self._listener.close()
            self._listener = None

    def _notified(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        self.position = max(self.position, int(payload))
        self._changed.set()
        self._changed = asyncio.Event()

    async def refresh(self) -> tuple[int, datetime | None]:
        row = await self.pool.fetchrow(
            "SELECT position, watermark FROM rm_meta WHERE name = $1", PROJECTION_NAME
        )
        position, watermark = (row["position"], row["watermark"]) if row else (0, None)
        self.position = max(self.position, position)
        return position, watermark

    async def wait_for(self, position: int, timeout: float | None = None) -> bool:
        """Wait until the read model has applied the log up to position."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (self.wait_seconds if timeout is None else timeout)
        while self.position < position:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), min(remaining, POLL_SECONDS))
            except TimeoutError:
                await self.refresh()
        return True

    async def barrier(self) -> tuple[int, datetime]:
        """The log's head and a time T such that every event stamped at or before T is
        committed at or below the head."""
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(f'LOCK TABLE "{self.events_table}" IN SHARE MODE')
            row = await conn.fetchrow(
                f"SELECT clock_timestamp() AS t, max(notification_id) AS head "
                f'FROM "{self.events_table}"'
            )
        assert row is not None
        return int(row["head"] or 0), row["t"]

    async def settle(self, known_at: datetime | None) -> datetime:
        """The knownAt to answer for: the one asked, or now, unless the read model lags."""
        position, watermark = await self.refresh()
        if known_at is not None and watermark is not None and known_at <= watermark:
            return known_at
        head, moment = await self.barrier()
        if position < head and not await self.wait_for(head):
            log.warning("read model lags the log (%s < %s)", self.position, head)
            _, watermark = await self.refresh()
            fallback = watermark or moment
            return min(known_at, fallback) if known_at else fallback
        return min(known_at, moment) if known_at else moment
