"""The ledger taken away and brought back: `export` writes the whole log as JSON Lines with a
manifest, `verify_export` checks the files alone (no database) against their chain, and
`restore` loads an export into an empty ledger keeping every position, recorded time and digest.

Each line holds one event (docs/hash-chain.md): position, recordedAt, subject, version, type,
actor, reason, source (copied out of data for reading), data (the event as stored), digest and
previousDigest. The manifest holds the counts, each file's SHA-256 and the head of the chain."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import orjson
import psycopg

from domain.chain import GENESIS, Break, ChainedEvent, canonical, record_digest, recorded_text
from ledger.chain_store import ChainStore, snapshot

FORMAT = "govledger-export/1"
MANIFEST = "manifest.json"
EVENTS_PER_FILE = 10_000
LINK_BROKEN = (
    "an event before it is missing, inserted or reordered: its previous digest is not the "
    "digest of the event before it"
)
PART_BYTES = 4 << 20
"""Bytes of an export checked by one worker at a time."""
Progress = Callable[[int, int], None]


class ExportError(Exception):
    """An export that cannot be written, read or restored as asked."""


@dataclass(frozen=True)
class Verified:
    events: int
    head: str
    broken: Break | None
    file_problems: list[str]

    @property
    def ok(self) -> bool:
        return self.broken is None and not self.file_problems


def line(event: ChainedEvent, stored: str, previous: str) -> bytes:
    data = event.data if isinstance(event.data, dict) else {}
    return orjson.dumps(
        {
            "position": event.position,
            "recordedAt": recorded_text(event.recorded_at),
            "subject": str(event.subject),
            "version": event.version,
            "type": event.type,
            "actor": data.get("actor"),
            "reason": data.get("reason"),
            "source": data.get("source"),
            "data": event.data,
            "digest": stored,
            "previousDigest": previous,
        }
    )


def stored_line(row: Sequence[Any], previous: str) -> tuple[bytes, str]:
    """A log row (position, recorded_at, subject, version, topic, state, digest) as a line, its
    state written as stored (it is JSON already), and its digest."""
    position, recorded_at, subject, version, topic, state, stored = row
    if stored is None:
        raise ExportError(f"event {position} has no digest: run `govledger verify`")
    digest = bytes(stored).hex()
    data = orjson.loads(state)
    body = orjson.dumps(
        {
            "position": position,
            "recordedAt": recorded_text(recorded_at),
            "subject": str(subject),
            "version": version,
            "type": topic,
            "actor": data.get("actor"),
            "reason": data.get("reason"),
            "source": data.get("source"),
            "data": orjson.Fragment(bytes(state)),
            "digest": digest,
            "previousDigest": previous,
        }
    )
    return body, digest


def export(
    conn: psycopg.Connection[Any], store: ChainStore, directory: Path, progress: Progress | None
) -> dict[str, Any]:
    """Write the log up to its head now, in one snapshot of the database."""
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        raise ExportError(f"{directory} is not empty: export into a new directory")
    with snapshot(conn):
        head = store.head(conn)
        if head is None:
            raise ExportError("the ledger holds no chained event to export")
        files: list[dict[str, Any]] = []
        count, previous = 0, GENESIS
        rows = store.raw_rows(conn, 0, head.position)
        while True:
            name = f"events-{len(files) + 1:05d}.jsonl"
            written, previous = _write_file(directory / name, rows, previous)
            if not written:
                break
            count += written
            files.append({"name": name, "events": written, "sha256": _sha256(directory / name)})
            if progress:
                progress(count, head.position)
    manifest = {
        "format": FORMAT,
        "exportedAt": recorded_text(datetime.now(UTC)),
        "events": count,
        "head": {
            "position": head.position,
            "recordedAt": recorded_text(head.recorded_at),
            "digest": head.digest,
        },
        "files": files,
    }
    (directory / MANIFEST).write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    return manifest


def _write_file(path: Path, rows: Iterator[Sequence[Any]], previous: str) -> tuple[int, str]:
    written = 0
    with path.open("wb") as out:
        for row in rows:
            body, previous = stored_line(row, previous)
            out.write(body + b"\n")
            written += 1
            if written == EVENTS_PER_FILE:
                break
    if not written:
        path.unlink()
    return written, previous


def _sha256(path: Path) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(1 << 20):
            hasher.update(chunk)
    return hasher.hexdigest()


def read_manifest(directory: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = orjson.loads((directory / MANIFEST).read_bytes())
    except FileNotFoundError:
        raise ExportError(f"{directory / MANIFEST} is missing: not an export") from None
    except orjson.JSONDecodeError as error:
        raise ExportError(f"{directory / MANIFEST} is not JSON: {error}") from None
    if manifest.get("format") != FORMAT:
        raise ExportError(f"{directory / MANIFEST}: format {manifest.get('format')!r} unknown")
    return manifest


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


@dataclass
class _Reading:
    """Where the check of one file has got to."""

    name: str
    expected: str | None
    count: int = 0
    first_previous: str | None = None
    first_position: int = 0
    last: str | None = None
    last_position: int = 0
    found: bool = False

    def result(self, broken: Break | None = None, problem: str | None = None) -> FileCheck:
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
        )

    def take(self, record: dict[str, Any]) -> Break | None:
        """Check one exported event, kept whole (a restore loads it next), and if it holds,
        advance past it."""
        stored, claimed = record["digest"], record["previousDigest"]
        return self.follow(
            record["position"], stored, claimed, lambda: record_digest(record, claimed)
        )

    def take_line(self, raw: bytes) -> Break | None:
        """`take` for a line of an export, with the digest computed from the line's own
        fields: those not encoded are taken out, so that any other field changes the digest."""
        record = orjson.loads(raw)
        stored, claimed = record.pop("digest"), record.pop("previousDigest")
        del record["actor"], record["reason"], record["source"]
        record["previous"] = claimed
        return self.follow(
            record["position"],
            stored,
            claimed,
            lambda: hashlib.sha256(canonical(record)).hexdigest(),
        )

    def follow(
        self, position: Any, stored: str, claimed: Any, computed: Callable[[], str]
    ) -> Break | None:
        """The event in order, its digest as computed, its claim the digest before it: then
        the reading advances past it."""
        if not isinstance(position, int) or not isinstance(claimed, str):
            raise TypeError("position must be an integer and previousDigest a string")
        if self.last is not None and position <= self.last_position:
            return Break(position, f"out of order: position {position} after {self.last_position}")
        if computed() != stored:
            return Break(position, "the event was altered: its digest does not match it")
        if self.last is not None and claimed != self.last:
            return Break(position, LINK_BROKEN)
        if self.count == 0:
            self.first_previous, self.first_position = claimed, position
        self.last, self.last_position, self.count = stored, position, self.count + 1
        self.found = self.found or stored == self.expected
        return None


def check_file(path: Path, expected: str | None = None) -> FileCheck:
    """Each event's digest against its fields and its claimed previous digest, and each claim
    against the digest of the line before."""
    return check_part(Part(path, 0, path.stat().st_size), expected)


@dataclass(frozen=True)
class Part:
    """The lines of a file that start within [start, end): no chain state crosses parts, so
    parts are checked in parallel and joined in order by `verify_export`."""

    path: Path
    start: int
    end: int


def check_part(part: Part, expected: str | None = None) -> FileCheck:
    reading = _Reading(part.path.name, expected)
    with part.path.open("rb") as source:
        if part.start:  # the line under way at start belongs to the part before
            source.seek(part.start - 1)
            source.readline()
        while source.tell() < part.end:
            raw = source.readline()
            if not raw:
                break
            try:
                broken = reading.take_line(raw)
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
                after = reading.last_position
                problem = (
                    f"{part.path.name}: the line after position {after} is not an event: {error}"
                )
                return reading.result(Break(after + 1, problem), problem)
            if broken:
                return reading.result(broken)
    return reading.result()


def parts(paths: list[Path], size: int = PART_BYTES) -> list[Part]:
    found = []
    for path in paths:
        length = path.stat().st_size
        found += [Part(path, at, min(at + size, length)) for at in range(0, length, size)]
    return found


def verify_export(
    directory: Path, expected: str | None = None, progress: Progress | None = None
) -> Verified:
    """Check an export from its files alone: the files against the manifest, every event
    against its digest, the chain across lines and files, and (`expected`) that the chain
    passes through a digest recorded elsewhere. Parts of the files, and the files' SHA-256s,
    are checked on every core."""
    manifest = read_manifest(directory)
    entries = manifest["files"]
    missing = [f"{e['name']} is missing" for e in entries if not (directory / e["name"]).exists()]
    paths = [directory / e["name"] for e in entries if (directory / e["name"]).exists()]
    pieces = parts(paths)
    with ProcessPoolExecutor(max(1, min(len(pieces), os.cpu_count() or 1))) as pool:
        hashes = pool.map(_sha256, paths)
        checks = []
        for check in pool.map(partial(check_part, expected=expected), pieces):
            checks.append(check)
            if progress:
                progress(sum(c.events for c in checks), int(manifest["events"]))
        sums = dict(zip([path.name for path in paths], hashes, strict=True))
    problems = missing + [
        f"{e['name']} changed: its SHA-256 is not the manifest's"
        for e in entries
        if e["name"] in sums and sums[e["name"]] != e["sha256"]
    ]
    broken, head, count = _join(checks)
    if broken is None and count != manifest["events"]:
        problems.append(f"the manifest counts {manifest['events']} events, the files {count}")
    if broken is None and head != manifest["head"]["digest"]:
        problems.append("the last event's digest is not the manifest's head")
    if broken is None and expected and not any(c.found for c in checks):
        problems.append(f"the chain does not pass through digest {expected}")
    return Verified(count, head, broken, problems)


def _file_problems(directory: Path, manifest: dict[str, Any]) -> list[str]:
    problems = []
    for entry in manifest["files"]:
        path = directory / entry["name"]
        if not path.exists():
            problems.append(f"{entry['name']} is missing")
        elif _sha256(path) != entry["sha256"]:
            problems.append(f"{entry['name']} changed: its SHA-256 is not the manifest's")
    return problems


def _join(checks: list[FileCheck]) -> tuple[Break | None, str, int]:
    """The files' own checks joined into one chain: each file must start where the one before
    it ended."""
    head, count, position = GENESIS, 0, 0
    for check in checks:
        if check.events and check.first_previous != head:
            return (
                Break(
                    check.first_position,
                    "the chain breaks between files: an event "
                    "before it is missing, inserted or reordered",
                ),
                head,
                count,
            )
        if check.events and check.first_position <= position:
            return Break(check.first_position, "out of order across files"), head, count
        if check.broken:
            return check.broken, head, count + check.events
        if check.events:
            head, position = str(check.last_digest), check.last_position
            count += check.events
    return None, head, count


def restore(
    conn: psycopg.Connection[Any], store: ChainStore, directory: Path, progress: Progress | None
) -> int:
    """Load an export into an empty ledger, keeping every position, recorded time and digest,
    checking each event's chain as it goes (in one pass: a break rolls everything back); the
    projector then builds the same read model from it."""
    manifest = read_manifest(directory)
    problems = _file_problems(directory, manifest)
    if problems:
        raise ExportError(f"the export does not verify ({'; '.join(problems)}): nothing restored")
    with conn.transaction():
        conn.execute(store.lock_statement)
        if conn.execute(store.max_statement).fetchone() != (None,):
            raise ExportError("the ledger is not empty: restore into a new data dir or database")
        done, previous, position = 0, GENESIS, 0
        for entry in manifest["files"]:
            reading = _Reading(entry["name"], None, last=previous, last_position=position)
            done += store.load(conn, _checked_rows(directory / entry["name"], reading))
            previous, position = reading.last or previous, reading.last_position
            if progress:
                progress(done, int(manifest["events"]))
        if previous != manifest["head"]["digest"]:
            raise ExportError(
                "the last event's digest is not the manifest's head: nothing restored"
            )
        store.after_load(conn)
    return done


def _checked_rows(path: Path, reading: _Reading) -> Iterator[tuple[tuple[Any, ...], bytes]]:
    """Each line as a row of the log (text for PostgreSQL to parse) and its digest, checked
    against the chain before it."""
    with path.open("rb") as source:
        for number, raw in enumerate(source, 1):
            try:
                record = orjson.loads(raw)
                broken = reading.take(record)
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
                raise ExportError(f"{path.name} line {number} is not an event: {error}") from None
            if broken:
                raise ExportError(
                    f"the export breaks at position {broken.position}: {broken.problem}; "
                    "nothing restored"
                )
            row = (
                record["position"],
                record["subject"],
                record["version"],
                record["type"],
                orjson.dumps(record["data"]),
                record["recordedAt"],
            )
            yield row, bytes.fromhex(record["digest"])
