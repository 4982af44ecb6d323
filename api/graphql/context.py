"""What every resolver reaches: the services of the process, and per request the principal, the
request's loaders, and the time axes settled once against the safe time S of the moment the
request arrived. The context also notes what the answer depends on besides the document and
its variables (S, today's date), which decides how it may be cached (api/http/cache.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import asyncpg
from strawberry.types import Info

from api.auth import Principal, TokenCache
from api.errors import BadInput, Unavailable, unavailable
from api.graphql.loaders import Loaders, Reads
from domain.commands import Command
from domain.provenance import Provenance
from integrations.fanout import Fanout
from integrations.webhooks.store import WebhookStore
from ledger import outages
from ledger.application import Ledger, Outcome
from ledger.integrity.checkpoints import CheckpointNotes
from ledger.settings import ApiSettings
from projections.freshness import CLOCK_SKEW, Freshness
from projections.listener import Listener
from projections.read.staffing import Labels

SEOUL = timezone(timedelta(hours=9))
WRITE_UNAVAILABLE = (
    "the database is unreachable; send the mutation again shortly (with the same "
    "idempotencyKey, it is recorded once)"
)


def today() -> date:
    """Valid time defaults to today in Seoul, whose reports these are."""
    return datetime.now(SEOUL).date()


@dataclass
class Services:
    pool: asyncpg.Pool
    ledger: Ledger
    freshness: Freshness
    tokens: TokenCache
    labels: Labels
    listener: Listener
    fanout: Fanout
    """Hands each new page of the log to every subscription of the process."""
    webhook_store: WebhookStore
    settings: ApiSettings
    read_pool: asyncpg.Pool | None = None
    """A hot-standby replica's pool for reads, if one is set; `pool` (the primary) otherwise.
    `pool` keeps what writes or must see the primary: tokens, webhooks, health."""
    checkpoints: CheckpointNotes | None = None
    """The notes of the log's signed checkpoints (api/graphql/types/proofs.py); no note
    without a key."""

    @property
    def reads_pool(self) -> asyncpg.Pool:
        return self.read_pool or self.pool

    def decode(self, stored: Any) -> Any:
        return self.ledger.mapper.to_domain_event(stored)

    async def write(self, command: Command, provenance: Provenance, key: str | None) -> Outcome:
        """Carry out a command off the event loop; Unavailable while the database is out of
        reach (answered here, with the advice to resend, and counted apart by the mutations). A
        write with an idempotency key that got no connection from the writer's pool although
        the database answers (the pool still waiting out its reconnection delay after an
        outage) is tried once more on a connection opened at once: the key makes a second try
        safe whatever the first one did."""
        execute = self.ledger.execute
        try:
            try:
                return await asyncio.to_thread(execute, command, provenance, key)
            except Exception as error:
                if not (key and outages.never_connected(error) and await self.answers()):
                    raise
            self.ledger.reconnect()
            return await asyncio.to_thread(execute, command, provenance, key)
        except Exception as error:
            answer = unavailable(error, WRITE_UNAVAILABLE)
            if answer is None:
                raise
            raise answer from error

    async def answers(self) -> bool:
        """Whether the primary answers a query now."""
        try:
            await self.pool.fetchval("SELECT 1", timeout=2)
        except Exception as error:
            if outages.unreachable(error):
                return False
            raise
        return True


class Context:
    def __init__(self, services: Services, principal: Principal | None = None) -> None:
        self.services = services
        self.principal = principal
        self.position, self.safe_time = services.freshness.board.read()
        self.today = today()
        self.reads = Reads(services.reads_pool)
        """Every read of the request goes through it (the loaders too): one retry on a
        connection lost while it lay in the pool."""
        self.loaders = self.new_loaders()
        self.depends_on_now = False
        """The answer is for S (a read without knownAt, or of the current state)."""
        self.depends_on_today = False
        """The answer is for today's date (a read without asOf)."""
        self.cacheable = True
        """False once the answer depends on something no cache key names (a wait, a write)."""
        self._moments: dict[datetime | None, datetime] = {}

    def new_loaders(self) -> Loaders:
        """Loaders cache what they read: a long-lived operation (a subscription) takes new
        ones now and then."""
        services = self.services
        return Loaders(self.reads, services.labels, services.ledger.events_table)

    def as_of(self, asked: date | None) -> date:
        if asked is not None:
            return asked
        self.depends_on_today = True
        return self.today

    async def known_at(self, asked: datetime | None) -> datetime:
        """The knownAt to answer for: asked, once S has reached it; S without one."""
        if asked is not None and asked.tzinfo is None:
            raise BadInput(f"knownAt: {asked.isoformat()!r} needs a UTC offset")
        moment = self._moments.get(asked)
        if moment is None:
            moment = self._moments[asked] = self._settled(asked) or await self._wait(asked)
        return moment

    def _settled(self, asked: datetime | None) -> datetime | None:
        safe = self.safe_time
        if safe is None:
            return None
        if asked is not None and asked <= safe:
            return asked
        if asked is None or asked > datetime.now(UTC) + CLOCK_SKEW:
            self.depends_on_now = True
            return safe
        return None

    async def _wait(self, asked: datetime | None) -> datetime:
        """A knownAt just past (or no S yet): wait for the projector to reach it."""
        try:
            moment = await self.services.freshness.settle(asked)
        except LookupError as error:
            raise Unavailable(f"{error}; query again shortly") from None
        if asked is None or moment != asked:
            self.cacheable = False
        return moment

    async def after_write(self) -> datetime:
        """S as it stands after a mutation waited for it; reads without knownAt use it."""
        self.safe_time = self.services.freshness.safe_time
        self.cacheable = False
        self._moments.pop(None, None)
        return await self.known_at(None)

    def current(self) -> None:
        """Note that the answer shows the current state (versions, the log's head)."""
        self.depends_on_now = True

    async def version(self, subject_id: UUID) -> int:
        """A subject's current version, for expectedVersion."""
        self.current()
        return await self.loaders.version(subject_id)


def ctx(info: Info[Any, Any]) -> Context:
    context = info.context
    assert isinstance(context, Context)
    return context
