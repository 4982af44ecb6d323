"""Bearer tokens: stored hashed, each with a name (the actor of what it records) and a role."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from api.errors import Forbidden, Unauthenticated
from projections.queries import Conn

ROLES = ("reader", "editor", "admin")
WRITERS = ("editor", "admin")

TOKENS_DDL = """
CREATE TABLE IF NOT EXISTS api_tokens (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    role text NOT NULL CHECK (role IN ('reader', 'editor', 'admin')),
    token_hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
)
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
    await conn.execute(
        "INSERT INTO api_tokens (name, role, token_hash) VALUES ($1, $2, $3)",
        name.strip(),
        role,
        hash_token(token),
    )
    return token


async def authenticate(conn: Conn, authorization: str | None) -> Principal | None:
    """The principal of an Authorization header; None without one; a bad one is refused."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Authorization must be 'Bearer <token>'")
    row = await conn.fetchrow(
        "SELECT name, role FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
        hash_token(token.strip()),
    )
    if row is None:
        raise Unauthenticated("the bearer token is unknown or revoked")
    return Principal(row["name"], row["role"])


def require_writer(principal: Principal | None) -> Principal:
    if principal is None:
        raise Unauthenticated("mutations need a bearer token of role editor or admin")
    if not principal.can_write:
        raise Forbidden(
            f"token {principal.name!r} has role {principal.role}; mutations need editor or admin"
        )
    return principal
