"""Where bearer tokens are kept: the api_tokens table, each token stored as its SHA-256 hash
with a name (the actor of what it records) and a role. Revoking a token NOTIFYs every process
(api/auth.py forgets it). The table is made when a process or a command starts (ensure_table)."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import asyncpg

from projections.read.queries import Conn

ROLES = ("reader", "editor", "admin")
REVOKED_CHANNEL = "govledger_token_revoked"
LIVE_NAME = "SELECT 1 FROM api_tokens WHERE name = $1 AND revoked_at IS NULL"

TOKENS_DDL = """
SELECT pg_advisory_xact_lock(7011);  -- one statement string is one transaction: processes that
                                     -- start together create the table one after the other
CREATE TABLE IF NOT EXISTS api_tokens (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    role text NOT NULL CHECK (role IN ('reader', 'editor', 'admin')),
    token_hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
DO $$ BEGIN  -- a name is the actor of what its token records: one live token per name
    CREATE UNIQUE INDEX IF NOT EXISTS api_tokens_live_name ON api_tokens (name)
        WHERE revoked_at IS NULL;
EXCEPTION WHEN unique_violation THEN
    RAISE WARNING 'two live tokens share a name: revoke one (govledger token revoke NAME)';
END $$
"""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def ensure_table(conn: Conn) -> None:
    await conn.execute(TOKENS_DDL)


async def create_token(conn: Conn, name: str, role: str) -> str:
    """A new token for a name that holds no live one; only its hash is kept."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if not name.strip():
        raise ValueError("name must not be empty")
    token = "glt_" + secrets.token_urlsafe(32)
    if await conn.fetchval(LIVE_NAME, name.strip()):
        raise name_taken(name)
    try:
        await conn.execute(
            "INSERT INTO api_tokens (name, role, token_hash) VALUES ($1, $2, $3)",
            name.strip(),
            role,
            hash_token(token),
        )
    except asyncpg.UniqueViolationError:
        raise name_taken(name) from None
    return token


def name_taken(name: str) -> ValueError:
    return ValueError(
        f"a live token is named {name.strip()!r} already: revoke it first "
        "(govledger token revoke NAME) or choose another name"
    )


async def list_tokens(conn: Conn) -> list[dict[str, Any]]:
    """Every token's name, role, creation and revocation, oldest first; never its hash."""
    rows = await conn.fetch(
        "SELECT name, role, created_at, revoked_at FROM api_tokens ORDER BY created_at, id"
    )
    return [dict(row) for row in rows]


async def holder_of(conn: Conn, token_hash: str) -> tuple[str, str] | None:
    """The name and role of a live token, by its hash; None for one unknown or revoked."""
    row = await conn.fetchrow(
        "SELECT name, role FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
        token_hash,
    )
    return None if row is None else (row["name"], row["role"])


async def revoke_tokens(conn: Conn, name: str) -> int:
    """Revoke every live token of a name; every process forgets them at once."""
    async with conn.transaction():  # the notifications leave with the commit
        rows = await conn.fetch(
            "UPDATE api_tokens SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL "
            "RETURNING token_hash",
            name,
        )
        for row in rows:
            await conn.execute("SELECT pg_notify($1, $2)", REVOKED_CHANNEL, row["token_hash"])
    return len(rows)
