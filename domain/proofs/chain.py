"""The hash chain over the log: each event's digest is SHA-256 over a canonical encoding of the
event and the digest of the event before it (docs/hash-chain.md gives the encoding with a worked
example). Pure functions, shared by the recorder (which stamps digests under the log's lock), the
projector (which checks them as it applies events), and `govledger verify` (which checks an
export from its files alone)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

import orjson

GENESIS = "0" * 64
"""The previous digest of the first event."""


@dataclass(frozen=True)
class ChainedEvent:
    """What a digest covers: an event as the log holds it."""

    position: int
    recorded_at: datetime
    subject: UUID
    version: int
    type: str
    data: Any
    """The event's stored state, decoded from its JSON (actor, reason and source included)."""


@lru_cache(maxsize=256)
def recorded_text(moment: datetime) -> str:
    """A recorded time as the encoding writes it: UTC, microseconds, `Z`."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def canonical(value: Any) -> bytes:
    """JSON with keys sorted by code point, no insignificant whitespace, non-ASCII as UTF-8:
    what `json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)` writes
    for the values events hold (objects, arrays, strings, integers, booleans and null)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def encoding(event: ChainedEvent, previous: str) -> bytes:
    return _encoding(
        event.data,
        event.position,
        previous,
        recorded_text(event.recorded_at),
        str(event.subject),
        event.type,
        event.version,
    )


def _encoding(
    data: Any, position: int, previous: str, recorded: str, subject: str, type: str, version: int
) -> bytes:
    return canonical(
        {
            "data": data,
            "position": position,
            "previous": previous,
            "recordedAt": recorded,
            "subject": subject,
            "type": type,
            "version": version,
        }
    )


def digest(event: ChainedEvent, previous: str) -> str:
    return hashlib.sha256(encoding(event, previous)).hexdigest()


def chain_recorded(
    events: Iterable[tuple[int, UUID, int, str, Any]], recorded_at: datetime, previous: str
) -> list[str]:
    """`chain` for events recorded together (one transaction, one recorded time), each given
    as (position, subject, version, type, data): the digests `chain` gives for them as
    ChainedEvents, without making one each."""
    recorded = recorded_text(recorded_at)
    digests = []
    for position, subject, version, type, data in events:
        encoded = _encoding(data, position, previous, recorded, str(subject), type, version)
        previous = hashlib.sha256(encoded).hexdigest()
        digests.append(previous)
    return digests


def record_digest(record: dict[str, Any], previous: str) -> str:
    """The digest of an exported event (ledger/integrity/export.py), from its fields as written: its
    recorded time and subject are already in their encoded form."""
    fields = {name: record[name] for name in EXPORTED}
    fields["previous"] = previous
    return hashlib.sha256(canonical(fields)).hexdigest()


EXPORTED = ("data", "position", "recordedAt", "subject", "type", "version")


def chain(events: Iterable[ChainedEvent], previous: str = GENESIS) -> Iterator[str]:
    """The digest of each event in turn, starting after `previous`."""
    for event in events:
        previous = digest(event, previous)
        yield previous


@dataclass(frozen=True)
class Break:
    """Where a chain stops holding, and why."""

    position: int
    problem: str


@dataclass(frozen=True)
class Checked:
    """The outcome of a check: the first break (None when the chain holds), and the last
    position and digest the chain reached before it."""

    broken: Break | None
    position: int
    digest: str


def check(
    events: Iterable[tuple[ChainedEvent, str | None, str | None]],
    previous: str = GENESIS,
    after: int = 0,
) -> Checked:
    """Check events in log order, each with its stored digest and, where known (an export), the
    previous digest it claims."""
    position = after
    for event, stored, claimed in events:
        problem = _problem(event, stored, claimed, previous, position)
        if problem:
            return Checked(Break(event.position, problem), position, previous)
        position, previous = event.position, str(stored)
    return Checked(None, position, previous)


def _problem(
    event: ChainedEvent, stored: str | None, claimed: str | None, previous: str, position: int
) -> str | None:
    if event.position <= position:
        return f"out of order: position {event.position} comes after {position}"
    if stored is None:
        return "the event has no digest"
    if digest(event, previous) == stored:
        return None
    if claimed is not None and claimed != previous and digest(event, claimed) == stored:
        return (
            "the chain before this event changed: an event before it is missing, inserted, "
            "reordered or altered"
        )
    return "the event was altered (or an event just before it was removed)"
