"""Every event the projector applies must follow the hash chain (docs/hash-chain.md): an event
altered in the log, or one after a removed event, halts projection instead of reaching
readers."""

from __future__ import annotations

import orjson

from domain.proofs.chain import ChainedEvent, digest
from projections.build.log import Entry


class ChainBroken(Exception):
    """An event whose digest does not follow the chain: altered, or after a removed one."""


def follows(previous: str, entry: Entry) -> str:
    """The event's digest, checked against the chain before it."""
    if entry.digest is None:
        raise ChainBroken(f"hash chain: event {entry.position} has no digest")
    event = ChainedEvent(
        entry.position,
        entry.recorded_at,
        entry.originator_id,
        entry.originator_version,
        entry.topic,
        orjson.loads(entry.state),
    )
    found = bytes(entry.digest).hex()
    if digest(event, previous) != found:
        raise ChainBroken(
            f"hash chain broken at position {entry.position}: the event was altered, or an "
            "event just before it was removed; run `govledger verify`"
        )
    return found
