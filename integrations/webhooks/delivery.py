"""The webhook deliverer: one per database, elected by an advisory lock (the other processes'
deliverers stand by and take over when its session ends). For each webhook it reads the next
page of matching events with the reader the composition root hands it (api/runtime.py: the API's
`events` query, so that a body is the event as the API shows it, with every field Event has),
POSTs them one at a time in log order, signed (signing.py), and stores the new position in the
statement that marks each delivery. A receiver that fails or times out is retried with
exponential backoff, and the webhook waits on that event: nothing after it is sent first."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
from prometheus_client import Counter, Gauge

from integrations.webhooks import signing
from integrations.webhooks import store as webhooks
from integrations.webhooks.store import Webhook
from ledger.settings import WebhookSettings
from projections.freshness import Freshness

log = logging.getLogger(__name__)
LOCK_KEY = 0x60F1ED6F
"""The deliverer's advisory lock (the projector's is 0x60F1ED6E)."""
PAGE = 5
"""Events read per webhook per round: a few, since Event fields may be costly (changes)."""

POSITION = Gauge("govledger_webhook_position", "Log position delivered up to", ["webhook"])
LAG = Gauge("govledger_webhook_lag", "Log positions not yet delivered", ["webhook"])
DELIVERED = Counter("govledger_webhook_deliveries", "Events delivered", ["webhook"])
FAILURES = Counter("govledger_webhook_failures", "Failed delivery attempts", ["webhook"])


class DeliveryFailed(Exception):
    """An attempt that did not end in a 2xx answer; the message is the webhook's last error."""


@dataclass(frozen=True)
class Rendered:
    """One event as its body is POSTed, with its log position and cursor."""

    position: int
    cursor: str
    body: bytes


@dataclass(frozen=True)
class Page:
    events: list[Rendered]
    more: bool
    """More events match after the page."""


ReadEvents = Callable[[Webhook, int], Awaitable[Page]]
"""Up to n events after the webhook's position that match its filters, in log order, rendered;
DeliveryFailed when they cannot be read."""


def backoff(settings: WebhookSettings, failures: int) -> float:
    """The wait after the n-th failure in a row: the first wait, doubling, at most the longest."""
    first, longest = settings.backoff, settings.backoff_max
    return float(min(longest, first * 2 ** max(0, min(failures - 1, 40))))


class Deliverer:
    def __init__(
        self,
        read_events: ReadEvents,
        freshness: Freshness,
        connect: dict[str, Any],
        settings: WebhookSettings,
    ) -> None:
        self.read_events = read_events
        self.freshness = freshness
        self.connect_kwargs = connect
        self.settings = settings
        self.active = False
        """This process holds the lock and delivers."""
        self._task: asyncio.Task[None] | None = None
        self._conn_lock = asyncio.Lock()
        self._reported: set[str] = set()
        self._stopping = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="webhook-deliverer")

    async def stop(self) -> None:
        """Let the delivery in flight finish and be marked (so that a stop sends nothing
        twice), for at most the timeout of one POST; then cancel."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), self.settings.timeout + 1)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                conn = await asyncpg.connect(**self.connect_kwargs, timeout=5)
                try:
                    if await conn.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY):
                        self.active = True
                        await self._serve(conn)
                finally:
                    self.active = False
                    conn.terminate()  # ends the session, and with it the lock
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                log.info("webhook deliverer: %s; trying again", error)
            await self._pause(self.settings.standby)

    async def _pause(self, seconds: float, *, seen: int | None = None) -> None:
        """Sleep for seconds, or until a stop, or (with seen) the read model moves past it."""
        waits: list[asyncio.Future[bool]] = [asyncio.ensure_future(self._stopping.wait())]
        if seen is not None and self.freshness.halted_at is None:
            waits.append(asyncio.ensure_future(self.freshness.wait_for(seen + 1)))
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()

    async def _serve(self, conn: asyncpg.Connection) -> None:
        async with httpx.AsyncClient(
            timeout=self.settings.timeout, follow_redirects=False
        ) as client:
            while not self._stopping.is_set():
                seen = self.freshness.position
                async with self._conn_lock:
                    hooks = await webhooks.listed(conn)
                now = datetime.now(UTC)
                due = [h for h in hooks if h.next_attempt_at is None or h.next_attempt_at <= now]
                more = await asyncio.gather(*(self._round(conn, client, h) for h in due))
                report(hooks, self._reported)
                if not any(more):
                    await self._wait(hooks, seen)

    async def _wait(self, hooks: list[Webhook], seen: int) -> None:
        """Until the read model moves past seen, a retry is due, or the poll interval ends."""
        timeout = self.settings.poll
        now = datetime.now(UTC)
        for hook in hooks:
            if hook.next_attempt_at is not None:
                timeout = min(timeout, max(0.0, (hook.next_attempt_at - now).total_seconds()))
        await self._pause(timeout, seen=seen)

    async def _round(
        self, conn: asyncpg.Connection, client: httpx.AsyncClient, hook: Webhook
    ) -> bool:
        """Deliver the next page of a webhook; True when more is waiting right now."""
        async with self._conn_lock:
            head = await webhooks.projected_head(conn)
            secret = await webhooks.secret_of(conn, hook.id)
        if secret is None:  # removed meanwhile
            return False
        position, attempt = hook.position, hook.attempts + 1
        try:
            page = await self.read_events(hook, PAGE)
            for event in page.events:
                if self._stopping.is_set():
                    return False
                await self._post(client, hook, secret, event, attempt)
                attempt = 1
                DELIVERED.labels(hook.name).inc()
                async with self._conn_lock:
                    if not await webhooks.advance(conn, hook.id, position, event.position, 1):
                        return False  # replayed meanwhile: start again from there
                position = event.position
                gauge(hook.name, position, head)
        except DeliveryFailed as error:
            FAILURES.labels(hook.name).inc()
            delay = backoff(self.settings, attempt)  # failures in a row
            async with self._conn_lock:
                await webhooks.failed(conn, hook.id, position, str(error), delay)
            return False
        if not page.more and head > position:  # nothing else matched up to head: skip past it
            async with self._conn_lock:
                if await webhooks.advance(conn, hook.id, position, head, 0):
                    gauge(hook.name, head, head)
        return page.more

    async def _post(
        self,
        client: httpx.AsyncClient,
        hook: Webhook,
        secret: str,
        event: Rendered,
        attempt: int,
    ) -> None:
        headers = signing.headers(secret, event.body, event.cursor, hook.name, attempt)
        try:
            response = await client.post(hook.url, content=event.body, headers=headers)
        except httpx.TimeoutException:
            raise DeliveryFailed(f"no answer within {self.settings.timeout:g} s") from None
        except httpx.HTTPError as error:
            raise DeliveryFailed(f"{type(error).__name__}: {error}") from None
        if not 200 <= response.status_code < 300:
            raise DeliveryFailed(f"HTTP {response.status_code} from {hook.url}")


def report(hooks: list[Webhook], reported: set[str]) -> None:
    """Each webhook's position and lag in /metrics; a removed one's series go away."""
    names = {hook.name for hook in hooks}
    for gone in reported - names:
        for metric in (POSITION, LAG, DELIVERED, FAILURES):
            with contextlib.suppress(KeyError):
                metric.remove(gone)
    reported.clear()
    reported.update(names)
    for hook in hooks:
        gauge(hook.name, hook.position, hook.head)


def gauge(name: str, position: int, head: int) -> None:
    POSITION.labels(name).set(position)
    LAG.labels(name).set(max(0, head - position))
