"""What every resolver reaches: the services of the process and a per-request reader that
settles the time axes once and caches the tree it reads."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import asyncpg
from strawberry.types import Info

from api.auth import Principal
from api.errors import BadInput
from ledger.application import Ledger
from projections import queries
from projections.freshness import Freshness
from projections.views import Tree

SEOUL = timezone(timedelta(hours=9))


def today() -> date:
    """Valid time defaults to today in Seoul, whose reports these are."""
    return datetime.now(SEOUL).date()


@dataclass
class Services:
    pool: asyncpg.Pool
    ledger: Ledger
    freshness: Freshness


@dataclass
class Context:
    services: Services
    principal: Principal | None = None
    _moments: dict[datetime | None, datetime] = field(default_factory=dict)
    _trees: dict[tuple[date, datetime], asyncio.Future[Tree]] = field(default_factory=dict)

    @property
    def pool(self) -> asyncpg.Pool:
        return self.services.pool

    async def known_at(self, asked: datetime | None) -> datetime:
        if asked is not None and asked.tzinfo is None:
            raise BadInput(f"knownAt: {asked.isoformat()!r} needs a UTC offset")
        if asked not in self._moments:
            self._moments[asked] = await self.services.freshness.settle(asked)
        return self._moments[asked]

    async def version(self, subject_id: UUID) -> int:
        """A subject's current version, for expectedVersion."""
        async with self.pool.acquire() as conn:
            return (await queries.versions(conn, [subject_id])).get(subject_id, 0)

    async def tree(self, as_of: date, known_at: datetime) -> Tree:
        key = (as_of, known_at)
        if key not in self._trees:
            self._trees[key] = asyncio.ensure_future(self._load_tree(as_of, known_at))
        return await self._trees[key]

    async def _load_tree(self, as_of: date, known_at: datetime) -> Tree:
        async with self.pool.acquire() as conn:
            return await queries.load_tree(conn, as_of, known_at)


def ctx(info: Info[Any, Any]) -> Context:
    context = info.context
    assert isinstance(context, Context)
    return context
