"""Bearer tokens: stored hashed, each with a name (the actor of what it records) and a role.
A process keeps the principals of the tokens it has seen, so that checking a token costs no
query; revoking one NOTIFYs every process to forget it at once."""

from __future__ import annotations

import hashlib
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import asyncpg

from api.errors import Forbidden, Unauthenticated, Unavailable
from ledger import outages
from projections.listener import Listener
from projections.read.queries import Conn

ROLES = ("reader", "editor", "admin")
REVOKED_CHANNEL = "govledger_token_revoked"
CACHED_TOKENS = 10_000
WRITERS = ("editor", "admin")
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


@dataclass(frozen=True)
class Principal:
    name: str
    role: str

    @property
    def can_write(self) -> bool:
        return self.role in WRITERS


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(conn: Conn, name: str, role: str) -> str:
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


def parse_authorization(authorization: str | None) -> str | None:
    """The hash of the bearer token of an Authorization header; None without one."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Authorization must be 'Bearer <token>'")
    if not token.isascii():  # a header of other bytes (HTTP reads headers as Latin-1)
        raise Unauthenticated("Authorization: a bearer token is ASCII (glt_...); this one is not")
    return hash_token(token.strip())


async def find_principal(conn: Conn, token_hash: str) -> Principal | None:
    row = await conn.fetchrow(
        "SELECT name, role FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
        token_hash,
    )
    return None if row is None else Principal(row["name"], row["role"])


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


class TokenCache:
    """The principals of tokens this process has seen, by hash. Forgets a token when it is
    revoked (NOTIFY), and everything when the LISTEN connection was lost (a revocation may have
    gone unheard). Unknown tokens are not remembered: each costs a query, and is refused."""

    def __init__(self, pool: asyncpg.Pool, listener: Listener) -> None:
        self.pool = pool
        self._known: OrderedDict[str, Principal] = OrderedDict()
        self._revocations = 0
        listener.on(REVOKED_CHANNEL, self.forget, reopened=self.forget_all)
        self.listener = listener

    def forget(self, token_hash: str) -> None:
        self._revocations += 1
        self._known.pop(token_hash, None)

    def forget_all(self) -> None:
        self._revocations += 1
        self._known.clear()

    async def authenticate(self, authorization: str | None) -> Principal | None:
        """The principal of an Authorization header; None without one; a bad one is refused."""
        token_hash = parse_authorization(authorization)
        if token_hash is None:
            return None
        principal = self._known.get(token_hash)
        if principal is None or not self.listener.connected:
            revocations = self._revocations
            try:
                async with self.pool.acquire() as conn:
                    principal = await find_principal(conn, token_hash)
            except Exception as error:
                if outages.unreachable(error):
                    message = f"the bearer token cannot be checked: {outages.MESSAGE}"
                    raise Unavailable(message) from error
                raise
            if principal is None:
                raise Unauthenticated("the bearer token is unknown or revoked")
            if revocations == self._revocations:  # none heard while the query ran
                self._remember(token_hash, principal)
        return principal

    def _remember(self, token_hash: str, principal: Principal) -> None:
        self._known[token_hash] = principal
        self._known.move_to_end(token_hash)
        while len(self._known) > CACHED_TOKENS:
            self._known.popitem(last=False)


def require_writer(principal: Principal | None) -> Principal:
    if principal is None:
        raise Unauthenticated("mutations need a bearer token of role editor or admin")
    if not principal.can_write:
        raise Forbidden(
            f"token {principal.name!r} has role {principal.role}; mutations need editor or admin"
        )
    return principal


def require_admin(principal: Principal | None) -> Principal:
    if principal is None:
        raise Unauthenticated("this needs a bearer token of role admin")
    if principal.role != "admin":
        raise Forbidden(f"token {principal.name!r} has role {principal.role}; this needs admin")
    return principal
