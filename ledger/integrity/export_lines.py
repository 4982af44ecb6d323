"""The lines of an export read and checked (ledger/integrity/export_check.py joins the results):
each event against its digest (recomputed from the line's own fields), each claimed previous digest
against the digest of the line before, and (format 2) each leafIndex against its place and each
leafHash against the hash of its digest; the leaf hashes come back for the tree's root.

A part of a file is first checked a column at a time: every line parsed and its digest computed,
then positions, digests, links and leaves compared over the whole part at once. When all of it
holds (the common case) that is the answer; otherwise the part is read again line by line
(`Reading`), which finds the first line that breaks and says why."""

from __future__ import annotations

import hashlib
import io
import operator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from domain.proofs.chain import Break, canonical, record_digest
from ledger.integrity.tree import Frontier, subtrees

LINK_BROKEN = (
    "an event before it is missing, inserted or reordered: its previous digest is not the "
    "digest of the event before it"
)
LEAF_MISPLACED = "its leafIndex is not its place in the log"
LEAF_ALTERED = "its leafHash is not the hash of its digest"
PART_BYTES = 4 << 20
"""Bytes of an export checked by one worker at a time."""
HEX_DIGEST = 64
_sha = hashlib.sha256
_READ_ERRORS = (orjson.JSONDecodeError, KeyError, TypeError, ValueError)


@dataclass(frozen=True)
class FileCheck:
    """One file's own check: its events hold with the previous digest each claims."""

    name: str
    events: int
    first_previous: str | None
    last_digest: str | None
    first_position: int
    last_position: int
    broken: Break | None
    problem: str | None
    found: bool = False
    """Whether the expected digest is among this file's."""
    first_leaf: int | None = None
    leaves: bytes = b""
    """The leaf hashes of the events checked, 32 bytes each, in order (format 1: where they
    start in the tree is known only when the parts are joined)."""
    subtrees: list[tuple[int, bytes]] = field(default_factory=list)
    """The same leaves as perfect subtrees (format 2, from the first leaf's claimed index: see
    `ledger.tree.subtrees`)."""

    def fold(self, tree: Frontier) -> None:
        """Append this part's leaves to the tree (when they start where the tree ends; else the
        join finds them misplaced)."""
        if self.first_leaf is None:
            tree.fold(self.leaves)
        elif self.first_leaf == tree.size:
            for level, node in self.subtrees:
                tree.push(level, node)


@dataclass
class Reading:
    """Where the check of one file (or part of one) has got to."""

    name: str
    expected: str | None
    count: int = 0
    first_previous: str | None = None
    first_position: int = 0
    last: str | None = None
    last_position: int = 0
    found: bool = False
    leafed: bool = False
    """Whether each line carries leafIndex and leafHash (format 2)."""
    next_leaf: int | None = None
    first_leaf: int | None = None
    leaves: list[bytes] = field(default_factory=list)

    def result(self, broken: Break | None = None, problem: str | None = None) -> FileCheck:
        placed = self.first_leaf is not None and broken is None
        return FileCheck(
            self.name,
            self.count,
            self.first_previous,
            self.last,
            self.first_position,
            self.last_position,
            broken,
            problem,
            self.found,
            self.first_leaf,
            b"" if placed else b"".join(self.leaves),
            subtrees(self.first_leaf or 0, self.leaves) if placed else [],
        )

    def take(self, record: dict[str, Any]) -> Break | None:
        """Check one exported event, kept whole (a restore loads it next), and if it holds,
        advance past it."""
        stored, claimed = record["digest"], record["previousDigest"]
        position = record["position"]
        computed = record_digest(record, claimed)
        claims = (record["leafIndex"], record["leafHash"]) if self.leafed else None
        return self.follow(position, stored, claimed, computed) or self.take_leaf(
            position, bytes.fromhex(computed), claims
        )

    def take_line(self, raw: bytes) -> Break | None:
        """`take` for a line of an export, with the digest computed from the line's own
        fields: those not encoded are taken out, so that any other field changes the digest."""
        record = orjson.loads(raw)
        stored, claimed = record.pop("digest"), record.pop("previousDigest")
        claims = (record.pop("leafIndex"), record.pop("leafHash")) if self.leafed else None
        del record["actor"], record["reason"], record["source"]
        record["previous"] = claimed
        position = record["position"]
        digest = _sha(canonical(record)).digest()
        return self.follow(position, stored, claimed, digest.hex()) or self.take_leaf(
            position, digest, claims
        )

    def follow(self, position: Any, stored: str, claimed: Any, computed: str) -> Break | None:
        """The event in order, its digest as computed, its claim the digest before it: then
        the reading advances past it."""
        if not isinstance(position, int) or not isinstance(claimed, str):
            raise TypeError("position must be an integer and previousDigest a string")
        if self.last is not None and position <= self.last_position:
            return Break(position, f"out of order: position {position} after {self.last_position}")
        if computed != stored:
            return Break(position, "the event was altered: its digest does not match it")
        if self.last is not None and claimed != self.last:
            return Break(position, LINK_BROKEN)
        if self.count == 0:
            self.first_previous, self.first_position = claimed, position
        self.last, self.last_position, self.count = stored, position, self.count + 1
        self.found = self.found or stored == self.expected
        return None

    def take_leaf(
        self, position: int, digest: bytes, claims: tuple[Any, Any] | None
    ) -> Break | None:
        """The event's leaf hash (its digest holds), and its claimed leaf index and hash."""
        hashed = _sha(b"\x00" + digest).digest()
        if claims is not None:
            index, claimed = claims
            if type(index) is not int or not isinstance(claimed, str):
                raise TypeError("leafIndex must be an integer and leafHash a string")
            if index < 0 or (self.next_leaf is not None and index != self.next_leaf):
                return Break(position, LEAF_MISPLACED)
            if claimed != hashed.hex():
                return Break(position, LEAF_ALTERED)
            self.first_leaf = index if self.first_leaf is None else self.first_leaf
            self.next_leaf = index + 1
        self.leaves.append(hashed)
        return None


def check_file(path: Path, expected: str | None = None, leafed: bool = False) -> FileCheck:
    """Each event's digest against its fields and its claimed previous digest, and each claim
    against the digest of the line before."""
    return check_part(Part(path, 0, path.stat().st_size), expected, leafed)


@dataclass(frozen=True)
class Part:
    """The lines of a file that start within [start, end): no chain state crosses parts, so
    parts are checked in parallel and joined in order by `verify_export`."""

    path: Path
    start: int
    end: int


def check_part(part: Part, expected: str | None = None, leafed: bool = False) -> FileCheck:
    lines = _lines(part)
    return _at_once(part.path.name, lines, expected, leafed) or _line_by_line(
        part.path.name, lines, expected, leafed
    )


def _line_by_line(name: str, lines: list[bytes], expected: str | None, leafed: bool) -> FileCheck:
    reading = Reading(name, expected, leafed=leafed)
    for raw in lines:
        try:
            broken = reading.take_line(raw)
        except _READ_ERRORS as error:
            after = reading.last_position
            problem = f"{name}: the line after position {after} is not an event: {error}"
            return reading.result(Break(after + 1, problem), problem)
        if broken:
            return reading.result(broken)
    return reading.result()


@dataclass
class _Columns:
    """A part's lines as columns, each event's digest computed."""

    positions: list[Any] = field(default_factory=list)
    stored: list[Any] = field(default_factory=list)
    claimed: list[Any] = field(default_factory=list)
    digests: list[bytes] = field(default_factory=list)
    indexes: list[Any] = field(default_factory=list)
    leaf_claims: list[Any] = field(default_factory=list)

    def take(self, raw: bytes, leafed: bool) -> None:
        """A line's fields, and its digest from the fields the encoding covers (as
        `Reading.take_line`)."""
        record = orjson.loads(raw)
        self.stored.append(record.pop("digest"))
        claimed = record.pop("previousDigest")
        self.claimed.append(claimed)
        if leafed:
            self.indexes.append(record.pop("leafIndex"))
            self.leaf_claims.append(record.pop("leafHash"))
        del record["actor"], record["reason"], record["source"]
        record["previous"] = claimed
        self.positions.append(record["position"])
        self.digests.append(_sha(canonical(record)).digest())

    def hold(self, leaves: list[bytes], leafed: bool) -> bool:
        """Whether every line holds: positions increasing, digests as computed, each claim the
        digest before it, and (leafed) leaves in place with their hashes."""
        positions, stored = self.positions, self.stored
        if not (_all(int, positions) and _hex(stored) and _all(str, self.claimed)):
            return False
        if not all(map(operator.lt, positions, positions[1:])):
            return False
        if "".join(stored) != b"".join(self.digests).hex() or self.claimed[1:] != stored[:-1]:
            return False
        return not leafed or self.leaves_hold(leaves)

    def leaves_hold(self, leaves: list[bytes]) -> bool:
        indexes = self.indexes
        if not _all(int, indexes) or indexes[0] < 0:
            return False
        if indexes != list(range(indexes[0], indexes[0] + len(indexes))):
            return False
        return _hex(self.leaf_claims) and "".join(self.leaf_claims) == b"".join(leaves).hex()


def _all(kind: type, values: list[Any]) -> bool:
    return set(map(type, values)) == {kind}


def _hex(values: list[Any]) -> bool:
    """Whether each value is a string of 64 characters (so that joined strings compare as their
    parts do)."""
    return _all(str, values) and set(map(len, values)) == {HEX_DIGEST}


def _at_once(name: str, lines: list[bytes], expected: str | None, leafed: bool) -> FileCheck | None:
    """The part's check a column at a time; None when a line does not hold, or is not an
    event."""
    columns = _Columns()
    try:
        for raw in lines:
            columns.take(raw, leafed)
    except _READ_ERRORS:
        return None
    if not lines:
        return None
    leaves = [_sha(b"\x00" + digest).digest() for digest in columns.digests]
    if not columns.hold(leaves, leafed):
        return None
    first_leaf = columns.indexes[0] if leafed else None
    return FileCheck(
        name,
        len(lines),
        columns.claimed[0],
        columns.stored[-1],
        columns.positions[0],
        columns.positions[-1],
        None,
        None,
        expected in columns.stored,
        first_leaf,
        b"" if leafed else b"".join(leaves),
        subtrees(first_leaf, leaves) if first_leaf is not None else [],
    )


def _lines(part: Part) -> list[bytes]:
    """The part's lines, read at once."""
    with part.path.open("rb") as source:
        if part.start:  # the line under way at start belongs to the part before
            source.seek(part.start - 1)
            source.readline()
        at = source.tell()
        if at >= part.end:
            return []
        chunk = source.read(part.end - at)
        if not chunk.endswith(b"\n"):
            chunk += source.readline()
    return list(io.BytesIO(chunk))  # split at each newline, as a file's lines (and faster)


def parts(paths: list[Path], size: int = PART_BYTES) -> list[Part]:
    found = []
    for path in paths:
        length = path.stat().st_size
        found += [Part(path, at, min(at + size, length)) for at in range(0, length, size)]
    return found
