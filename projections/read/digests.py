"""Reads of the hash chain beside the log (ledger/integrity/chain.py writes it): the head, and each
event's digest with the digest before it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from projections.read.queries import Conn


@dataclass(frozen=True)
class DigestView:
    position: int
    recorded_at: datetime
    digest: str


async def head(conn: Conn, events_table: str) -> DigestView | None:
    row = await conn.fetchrow(
        f'SELECT c.notification_id, e.recorded_at, c.digest FROM "{events_table}_chain" c '
        f'JOIN "{events_table}" e USING (notification_id) '
        "ORDER BY c.notification_id DESC LIMIT 1"
    )
    if row is None:
        return None
    return DigestView(row["notification_id"], row["recorded_at"], bytes(row["digest"]).hex())


async def digests(
    conn: Conn, events_table: str, positions: Sequence[int]
) -> dict[int, tuple[str | None, str | None]]:
    """Each position's digest and the digest of the event before it (None where unchained)."""
    rows = await conn.fetch(
        f'SELECT p.position, c.digest, (SELECT b.digest FROM "{events_table}_chain" b '
        "WHERE b.notification_id < p.position ORDER BY b.notification_id DESC LIMIT 1) AS before "
        f'FROM unnest($1::bigint[]) AS p(position) LEFT JOIN "{events_table}_chain" c '
        "ON c.notification_id = p.position",
        list(positions),
    )
    return {row["position"]: (_hex(row["digest"]), _hex(row["before"])) for row in rows}


def _hex(value: bytes | None) -> str | None:
    return None if value is None else bytes(value).hex()
