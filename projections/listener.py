"""One LISTEN connection per process, shared by everything that follows a channel, reopened
after a database outage (retried with backoff). Notifications sent while it was lost are gone,
so each follower says what to do when it comes back (re-read what it follows); a periodic tick
is the safety net for anything missed otherwise."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

log = logging.getLogger(__name__)
DB_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, asyncio.TimeoutError)
FIRST_RETRY = 0.2
MAX_PAUSE = 2.0


class Listener:
    def __init__(self, connect_kwargs: dict[str, Any], check_seconds: float = 1.0) -> None:
        self.connect_kwargs = connect_kwargs
        self.check_seconds = check_seconds
        self._channels: dict[str, Callable[[str], None]] = {}
        self._ticks: list[Callable[[], Awaitable[Any]]] = []
        self._reopened: list[Callable[[], None]] = []
        self._conn: asyncpg.Connection | None = None
        self._watch: asyncio.Task[None] | None = None
        self.lost = False

    def on(
        self,
        channel: str,
        callback: Callable[[str], None],
        reopened: Callable[[], None] | None = None,
    ) -> None:
        """Call callback with each payload on channel; reopened after an outage, in which
        notifications may have been missed."""
        self._channels[channel] = callback
        if reopened is not None:
            self._reopened.append(reopened)

    def after_outage(self, reopened: Callable[[], None]) -> None:
        """Call reopened when the connection is open again after it was lost."""
        self._reopened.append(reopened)

    def every_check(self, tick: Callable[[], Awaitable[Any]]) -> None:
        """Run tick at every check, and at once after the connection comes back."""
        self._ticks.append(tick)

    async def start(self) -> None:
        await self._connect()
        self._watch = asyncio.create_task(self._watchdog(), name="listener-watchdog")

    async def stop(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
            self._watch = None
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()
            self._conn = None

    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    async def _connect(self) -> None:
        conn = await asyncpg.connect(**self.connect_kwargs, timeout=5)
        for channel, callback in self._channels.items():
            await conn.add_listener(channel, self._deliver(callback))
        self._conn = conn

    @staticmethod
    def _deliver(callback: Callable[[str], None]) -> Any:
        def deliver(_conn: Any, _pid: int, _channel: str, payload: str) -> None:
            callback(payload)

        return deliver

    async def _watchdog(self) -> None:
        failures = 0
        while True:
            await asyncio.sleep(self.pause(failures))
            try:
                await self._check()
                failures = 0
            except DB_ERRORS as error:
                if not failures:
                    log.warning("database unreachable: %s", error)
                failures += 1

    def pause(self, failures: int) -> float:
        """check_seconds while the database answers; after a failure, a first retry soon (a
        restart is over in a moment), then doubling up to MAX_PAUSE, with jitter so that
        processes do not retry in step."""
        if not failures:
            return self.check_seconds
        return min(FIRST_RETRY * 2.0 ** min(failures - 1, 8), MAX_PAUSE) * random.uniform(0.8, 1.2)

    async def _check(self) -> None:
        if not self.connected:
            self.lost = True
            await self._connect()
            log.warning("LISTEN connection reopened")
            self.lost = False
            for reopened in self._reopened:
                try:
                    reopened()
                except Exception:  # one follower's failure must not stop the watchdog
                    log.exception("after the LISTEN connection reopened")
        for tick in self._ticks:
            await tick()
