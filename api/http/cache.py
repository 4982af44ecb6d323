"""Answers kept in process memory (projections/freshness.py says why they are final).

Asked again with the same document, variables and token role, a query gives the same answer as
long as what it depended on stands. The first execution says what that is (the context notes
it): nothing else, for an answer whose every knownAt is at or before the safe time S (final:
kept until memory runs short); today's date, for an answer without asOf; `now`, for an answer
without knownAt or of the current state. `now` is the read model's position, with S where the
document shows a knownAt: a read without knownAt at S sees the events up to the position,
whatever S, so such answers live as long as the read model stays where it was (apart from
final ones, which they never push out). The cache keeps encoded bodies, bounded in bytes,
least recently used first out."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date

from prometheus_client import Counter, Gauge

HITS = Counter("govledger_answer_cache_hits", "Answers served from the process cache")
MISSES = Counter("govledger_answer_cache_misses", "Answers computed (not in the process cache)")
BYTES = Gauge("govledger_answer_cache_bytes", "Bytes of answers held in the process cache")

RequestKey = tuple[str, str | None, str, str | None]
"""(document, operation name, variables as canonical JSON, token role)."""


@dataclass(frozen=True)
class Depends:
    """What an answer depended on besides its request."""

    on_today: bool
    on_now: bool

    @property
    def final(self) -> bool:
        return not (self.on_today or self.on_now)


@dataclass(frozen=True)
class Lookup:
    key: bytes | None
    """The answer's key (a digest of the request and what the answer depended on), once the
    request's dependencies are known; None before its first run."""
    body: bytes | None
    depends: Depends | None

    @property
    def etag(self) -> str | None:
        return None if self.key is None else f'"{self.key.hex()}"'


def digest(*parts: object) -> bytes:
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).digest()


ENTRY_BYTES = 120
"""What a kept answer costs besides its body (its key, the dictionary's slot)."""


class AnswerCache:
    """Keys are digests, so that a kept answer costs its body and a little more, and a request
    remembered costs the same whatever its document and variables."""

    def __init__(self, max_bytes: int, max_requests: int = 100_000) -> None:
        self.max_bytes = max_bytes
        self.max_requests = max_requests
        self._shapes: OrderedDict[bytes, Depends] = OrderedDict()
        self._bodies: OrderedDict[bytes, bytes] = OrderedDict()
        self._size = 0
        self._current: dict[bytes, bytes] = {}
        self._current_at: Hashable | None = None
        self._current_size = 0

    @staticmethod
    def key(request: bytes, depends: Depends, now: Hashable | None, today: date) -> bytes:
        return digest(request, today if depends.on_today else None, now if depends.on_now else None)

    def lookup(self, request: RequestKey, now: Hashable | None, today: date) -> Lookup:
        asked = digest(*request)
        depends = self._shapes.get(asked)
        if depends is None or (depends.on_now and now is None):
            MISSES.inc()
            return Lookup(None, None, depends)
        key = self.key(asked, depends, now, today)
        if depends.on_now:
            body = self._current.get(key) if now == self._current_at else None
        else:
            body = self._bodies.get(key)
            if body is not None:
                self._bodies.move_to_end(key)
        (MISSES if body is None else HITS).inc()
        return Lookup(key, body, depends)

    def store(
        self,
        request: RequestKey,
        depends: Depends,
        now: Hashable | None,
        today: date,
        body: bytes,
    ) -> Lookup:
        asked = digest(*request)
        self._shapes[asked] = depends
        self._shapes.move_to_end(asked)
        while len(self._shapes) > self.max_requests:
            self._shapes.popitem(last=False)
        key = self.key(asked, depends, now, today)
        # A copy of its own size: an encoder may hand over a buffer several times the body.
        kept = bytes(memoryview(body))
        if depends.on_now:
            self._keep_current(key, now, kept)
        elif len(kept) + ENTRY_BYTES <= self.max_bytes // 8:
            old = self._bodies.pop(key, None)
            self._size += len(kept) - (len(old) if old is not None else -ENTRY_BYTES)
            self._bodies[key] = kept
            while self._size > self.max_bytes:
                _, evicted = self._bodies.popitem(last=False)
                self._size -= len(evicted) + ENTRY_BYTES
        BYTES.set(self._size + self._current_size)
        return Lookup(key, body, depends)

    def _keep_current(self, key: bytes, now: Hashable | None, body: bytes) -> None:
        if now != self._current_at:
            self._current, self._current_at, self._current_size = {}, now, 0
        cost = len(body) + ENTRY_BYTES
        if self._current_size + cost <= self.max_bytes // 4 and key not in self._current:
            self._current[key] = body
            self._current_size += cost
