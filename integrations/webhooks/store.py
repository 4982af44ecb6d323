"""Webhooks: where they are stored (docs/webhooks.md). The admin's operations (GraphQL, CLI) go
through a WebhookStore over a pool; the deliverer (delivery.py) marks its deliveries on the
session that holds its lock, with the functions below. Signing is signing.py.

A webhook's position is the log position up to which it has been served: every matching event
at or before it was delivered (or did not match). It moves only forward in the statement that
marks a delivery, guarded by the position it moved from, so that a replay (which sets it back)
wins over a delivery in flight."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit
from uuid import UUID, uuid4

import asyncpg

from projections.read.queries import Conn
from projections.schema import PROJECTION_NAME

MAX_NAME_CHARS = 200
MAX_URL_CHARS = 2000

WEBHOOKS_DDL = """
SELECT pg_advisory_xact_lock(7012);  -- processes that start together create it one at a time
CREATE TABLE IF NOT EXISTS webhooks (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    url text NOT NULL,
    secret text NOT NULL,
    types text[],
    org_unit_ids uuid[],
    position bigint NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    failures bigint NOT NULL DEFAULT 0,
    deliveries bigint NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    last_error text,
    last_delivered_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    removed_at timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS webhooks_live_name ON webhooks (name) WHERE removed_at IS NULL;
"""
LIVE = "removed_at IS NULL"
COLUMNS = (
    "id, name, url, types, org_unit_ids, position, attempts, failures, deliveries, "
    "next_attempt_at, last_error, last_delivered_at, created_at"
)


class WebhookError(ValueError):
    """A webhook command that cannot be carried out; the message says why, field names the
    input at fault."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class NameTaken(WebhookError):
    """A live webhook has this name already."""


class UnknownWebhook(WebhookError):
    """No live webhook has this name."""


@dataclass(frozen=True)
class Webhook:
    id: UUID
    name: str
    url: str
    types: list[str] | None
    org_unit_ids: list[UUID] | None
    position: int
    attempts: int
    failures: int
    deliveries: int
    next_attempt_at: datetime | None
    last_error: str | None
    last_delivered_at: datetime | None
    created_at: datetime
    head: int = 0
    """The read model's position when this row was read: lag is measured against it."""

    @property
    def lag(self) -> int:
        """Log positions between the webhook's position and the read model's head."""
        return max(0, self.head - self.position)


def check_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > MAX_NAME_CHARS or not cleaned.isprintable():
        raise WebhookError(f"name: 1 to {MAX_NAME_CHARS} printable characters", "name")
    return cleaned


def check_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > MAX_URL_CHARS:
        raise WebhookError(f"url: {url!r} is not an http(s) URL with a host", "url")
    return url.strip()


async def ensure_table(conn: Conn) -> None:
    """Create the table if it is not there: once, when a process or a command starts."""
    await conn.execute(WEBHOOKS_DDL)


async def log_head(conn: Conn, events_table: str) -> int:
    """The last position of the log (recorded, projected or not): a new webhook starts here."""
    head = await conn.fetchval(f'SELECT max(notification_id) FROM "{events_table}"')
    return int(head or 0)


async def projected_head(conn: Conn) -> int:
    head = await conn.fetchval("SELECT position FROM rm_meta WHERE name = $1", PROJECTION_NAME)
    return int(head or 0)


async def insert(
    conn: Conn,
    *,
    name: str,
    url: str,
    types: list[str] | None,
    org_unit_ids: list[UUID] | None,
    start: int,
) -> str:
    """Store a webhook that starts after log position start; its secret, shown only now."""
    name, url = check_name(name), check_url(url)
    secret = "whsec_" + secrets.token_urlsafe(32)
    statement = (
        "INSERT INTO webhooks (id, name, url, secret, types, org_unit_ids, position) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )
    try:
        await conn.execute(statement, uuid4(), name, url, secret, types, org_unit_ids, start)
    except asyncpg.UniqueViolationError:
        message = f"a webhook is named {name!r} already: remove it first"
        raise NameTaken(message, "name") from None
    return secret


async def listed(conn: Conn, name: str | None = None) -> list[Webhook]:
    """The live webhooks (or the one named), oldest first, each with the head for its lag."""
    head = await projected_head(conn)
    rows = await conn.fetch(
        f"SELECT {COLUMNS} FROM webhooks WHERE {LIVE} AND ($1::text IS NULL OR name = $1) "
        "ORDER BY created_at, name",
        name,
    )
    return [Webhook(**dict(row), head=head) for row in rows]


async def one(conn: Conn, name: str) -> Webhook:
    found = await listed(conn, name.strip())
    if not found:
        raise unknown(name)
    return found[0]


async def secret_of(conn: Conn, webhook_id: UUID) -> str | None:
    found: str | None = await conn.fetchval(
        f"SELECT secret FROM webhooks WHERE id = $1 AND {LIVE}", webhook_id
    )
    return found


async def mark_removed(conn: Conn, name: str) -> None:
    done = await conn.execute(
        f"UPDATE webhooks SET removed_at = now() WHERE name = $1 AND {LIVE}", name.strip()
    )
    if done.endswith(" 0"):
        raise unknown(name)


async def rewind(conn: Conn, name: str, position: int) -> None:
    """Deliver again from the event at position (inclusive), at once."""
    done = await conn.execute(
        "UPDATE webhooks SET position = $2, attempts = 0, next_attempt_at = NULL "
        f"WHERE name = $1 AND {LIVE}",
        name.strip(),
        max(0, position - 1),
    )
    if done.endswith(" 0"):
        raise unknown(name)


async def advance(conn: Conn, webhook_id: UUID, old: int, new: int, delivered: int) -> bool:
    """Mark delivered events and move the position from old to new, in one statement (one
    transaction); False when the position moved meanwhile (a replay), which then wins."""
    done = await conn.execute(
        "UPDATE webhooks SET position = $3, attempts = 0, next_attempt_at = NULL, "
        "last_error = NULL, deliveries = deliveries + $4, "
        "last_delivered_at = CASE WHEN $4 > 0 THEN now() ELSE last_delivered_at END "
        f"WHERE id = $1 AND position = $2 AND {LIVE}",
        webhook_id,
        old,
        new,
        delivered,
    )
    return str(done).endswith(" 1")


async def failed(conn: Conn, webhook_id: UUID, old: int, error: str, delay: float) -> None:
    """Note a failed attempt and when to try again; the position stays."""
    await conn.execute(
        "UPDATE webhooks SET attempts = attempts + 1, failures = failures + 1, "
        "last_error = $3, next_attempt_at = now() + make_interval(secs => $4) "
        f"WHERE id = $1 AND position = $2 AND {LIVE}",
        webhook_id,
        old,
        error[:500],
        delay,
    )


def unknown(name: str) -> UnknownWebhook:
    return UnknownWebhook(f"no webhook is named {name.strip()!r} (govledger webhook list)", "name")


class WebhookStore:
    """The admin's operations (GraphQL and the CLI), each one call on a pooled connection of the
    primary; the errors are WebhookErrors."""

    def __init__(self, pool: asyncpg.Pool, events_table: str) -> None:
        self.pool = pool
        self.events_table = events_table

    async def add(
        self,
        *,
        name: str,
        url: str,
        types: list[str] | None,
        org_unit_ids: list[UUID] | None,
    ) -> tuple[Webhook, str]:
        """A webhook for the events recorded from now on (after the log's head), and its
        secret, shown only now."""
        async with self.pool.acquire() as conn:
            start = await log_head(conn, self.events_table)
            secret = await insert(
                conn, name=name, url=url, types=types, org_unit_ids=org_unit_ids, start=start
            )
            return await one(conn, name), secret

    async def listed(self, name: str | None = None) -> list[Webhook]:
        async with self.pool.acquire() as conn:
            return await listed(conn, name)

    async def remove(self, name: str) -> None:
        async with self.pool.acquire() as conn:
            await mark_removed(conn, name)

    async def replay(self, name: str, position: int) -> Webhook:
        """Deliver again from the event at position (inclusive), at once."""
        async with self.pool.acquire() as conn:
            await rewind(conn, name, position)
            return await one(conn, name)
