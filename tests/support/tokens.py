"""API tokens made straight in the database, as `govledger token create` makes them."""

from __future__ import annotations

import asyncio

import asyncpg

from api.token_store import TOKENS_DDL, create_token
from ledger.settings import PgConfig


def make_tokens(config: PgConfig, *holders: tuple[str, str]) -> list[str]:
    """A token for each (name, role), in that order."""

    async def make() -> list[str]:
        conn = await asyncpg.connect(**config.asyncpg_kwargs())
        try:
            await conn.execute(TOKENS_DDL)
            return [await create_token(conn, name, role) for name, role in holders]
        finally:
            await conn.close()

    return asyncio.run(make())


def make_token(config: PgConfig, name: str = "editor-kim", role: str = "editor") -> str:
    [token] = make_tokens(config, (name, role))
    return token
