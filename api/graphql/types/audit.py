"""What auditors ask of the log: the head of its hash chain (docs/hash-chain.md), to write down
outside the system, and whether the chain still leads to a digest written down earlier."""

from __future__ import annotations

import asyncio
from datetime import datetime

import strawberry
from strawberry.types import Info

from api.auth import Principal
from api.errors import BadInput, Unauthenticated
from api.graphql.context import ctx
from ledger.application import Ledger
from projections.read import digests

HEX = frozenset("0123456789abcdef")
_verifying = asyncio.Lock()
"""One live verification at a time per process: each reads the whole log."""


@strawberry.type(description="The head of the log's hash chain.")
class LedgerDigest:
    position: int = strawberry.field(description="The log position of the last chained event.")
    recorded_at: datetime
    digest: str = strawberry.field(
        description="SHA-256 (hex) of the last event's canonical encoding, which includes the digest before it."
    )


@strawberry.type(description="Whether the chain up to a position still leads to a digest.")
class LedgerVerification:
    valid: bool = strawberry.field(
        description="True when every event up to position holds and the chain reaches the digest there."
    )
    position: int | None = strawberry.field(
        description="The position checked up to: the one asked, or where the digest was recorded."
    )
    digest: str | None = strawberry.field(
        description="The digest the recomputed chain reaches at position."
    )
    broken_at: int | None = strawberry.field(
        description="The first position whose event does not hold, if any."
    )
    problem: str | None


def check_digest(value: str) -> str:
    digest = value.strip().lower()
    if len(digest) != 64 or not set(digest) <= HEX:
        raise BadInput("digest: a SHA-256 digest is 64 hexadecimal digits")
    return digest


def require_principal(principal: Principal | None) -> Principal:
    if principal is None:
        raise Unauthenticated("verifyLedger reads the whole log: it needs a bearer token")
    return principal


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="The head of the log's hash chain: record it outside the system to check the history later."
    )
    async def ledger_digest(self, info: Info) -> LedgerDigest | None:
        context = ctx(info)
        context.cacheable = False
        table = context.services.ledger.events_table
        head = await context.reads.run(lambda conn: digests.head(conn, table))
        if head is None:
            return None
        return LedgerDigest(
            position=head.position, recorded_at=head.recorded_at, digest=head.digest
        )

    @strawberry.field(
        description="Recompute the chain from the first event and say whether it still leads to digest (at position, or where that digest was recorded). Needs a bearer token."
    )
    async def verify_ledger(
        self, info: Info, digest: str, position: int | None = None
    ) -> LedgerVerification:
        context = ctx(info)
        context.cacheable = False
        require_principal(context.principal)
        wanted = check_digest(digest)
        ledger = context.services.ledger
        async with _verifying:
            return await asyncio.to_thread(_verify, ledger, wanted, position)


def _verify(ledger: Ledger, wanted: str, position: int | None) -> LedgerVerification:
    if position is None:
        position = ledger.position_of(wanted)
        if position is None:
            return LedgerVerification(
                valid=False,
                position=None,
                digest=None,
                broken_at=None,
                problem="no event of the log has this digest",
            )
    checked = ledger.verify_chain(position)
    if checked.broken is not None:
        broken = checked.broken
        return LedgerVerification(
            valid=False,
            position=position,
            digest=checked.digest,
            broken_at=broken.position,
            problem=broken.problem,
        )
    valid = checked.position == position and checked.digest == wanted
    problem = (
        None if valid else f"the chain reaches {checked.digest} at position {checked.position}"
    )
    return LedgerVerification(
        valid=valid, position=position, digest=checked.digest, broken_at=None, problem=problem
    )
