"""The ledger taken away and brought back: `export` writes the whole log as JSON Lines with a
manifest, `verify_export` checks the files alone (no database) against their chain and the
Merkle tree over it, and `restore` loads an export into an empty ledger keeping every position,
recorded time and digest, and builds the tree again.

Each line holds one event (docs/hash-chain.md): position, recordedAt, subject, version, type,
actor, reason, source (copied out of data for reading), data (the event as stored), digest,
previousDigest, and (format 2) leafIndex and leafHash: the event's leaf in the log's Merkle tree
(RFC 9162: its ordinal in the log from 0, and SHA-256(0x00 || digest) in hex). The manifest
holds the counts, each file's SHA-256, the head of the chain and (format 2) the tree's size and
root hash. Exports of format 1 (without the leaves and the tree) are read as they were."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import psycopg

from domain.proofs.chain import GENESIS, ChainedEvent, recorded_text
from ledger.integrity.chain import ChainStore, Head, snapshot
from ledger.integrity.export_check import (
    FORMAT,
    MANIFEST,
    ExportError,
    Progress,
    Verified,
    file_problems,
    has_leaves,
    read_manifest,
    sha256_file,
    tree_problem,
    verify_export,
)
from ledger.integrity.export_lines import Reading, check_file, check_part, parts
from ledger.integrity.tree import Frontier, TreeError, leaf_hash
from ledger.integrity.tree_reads import TreeReads

__all__ = [
    "MANIFEST",
    "ExportError",
    "Verified",
    "check_file",
    "check_part",
    "export",
    "line",
    "parts",
    "restore",
    "verify_export",
]
EVENTS_PER_FILE = 10_000


def line(event: ChainedEvent, stored: str, previous: str, leaf_index: int | None = None) -> bytes:
    """An event as a line; with its leaf index, a line of format 2."""
    data = event.data if isinstance(event.data, dict) else {}
    fields = {
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
    if leaf_index is not None:
        fields["leafIndex"] = leaf_index
        fields["leafHash"] = leaf_hash(bytes.fromhex(stored)).hex()
    return orjson.dumps(fields)


def stored_line(row: Sequence[Any], previous: str) -> tuple[bytes, str]:
    """A log row (position, recorded_at, subject, version, topic, state, digest, leaf index) as
    a line, its state written as stored (it is JSON already), and its digest."""
    position, recorded_at, subject, version, topic, state, stored, leaf_index = row
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
            "leafIndex": leaf_index,
            "leafHash": leaf_hash(bytes(stored)).hex(),
        }
    )
    return body, digest


def export(
    conn: psycopg.Connection[Any], store: ChainStore, directory: Path, progress: Progress | None
) -> dict[str, Any]:
    """Write the log up to its head now, in one snapshot of the database, as it is stored
    (`verify_export` judges it): each event with its digest and leaf, and the stored tree's
    size and root at the head."""
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        raise ExportError(f"{directory} is not empty: export into a new directory")
    with snapshot(conn):
        head = store.head(conn)
        if head is None:
            raise ExportError("the ledger holds no chained event to export")
        tree = _stored_tree(conn, store, head)
        files: list[dict[str, Any]] = []
        count, previous = 0, GENESIS
        rows = store.raw_rows(conn, 0, head.position)
        while True:
            name = f"events-{len(files) + 1:05d}.jsonl"
            written, previous = _write_file(directory / name, rows, previous)
            if not written:
                break
            count += written
            files.append({"name": name, "events": written, "sha256": sha256_file(directory / name)})
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
        "tree": tree,
        "files": files,
    }
    (directory / MANIFEST).write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    return manifest


def _stored_tree(conn: psycopg.Connection[Any], store: ChainStore, head: Head) -> dict[str, Any]:
    """The stored tree's size and root (hex) at the head."""
    if head.leaf_index is None:
        raise ExportError("the ledger's Merkle tree is not built: start govledger once to build it")
    size = head.leaf_index + 1
    try:
        return {"size": size, "root": TreeReads(store.tree).root(conn, size).hex()}
    except TreeError as error:
        raise ExportError(f"{error}: the ledger's Merkle tree was altered") from None


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


def restore(
    conn: psycopg.Connection[Any], store: ChainStore, directory: Path, progress: Progress | None
) -> int:
    """Load an export into an empty ledger, keeping every position, recorded time and digest,
    checking each event's chain as it goes (in one pass: a break rolls everything back), and
    build the tree over the digests (its root checked against the manifest's, format 2); the
    projector then builds the same read model from it."""
    manifest = read_manifest(directory)
    problems = file_problems(directory, manifest)
    if problems:
        raise ExportError(f"the export does not verify ({'; '.join(problems)}): nothing restored")
    with conn.transaction():
        conn.execute(store.lock_statement)
        if conn.execute(store.max_statement).fetchone() != (None,):
            raise ExportError("the ledger is not empty: restore into a new data dir or database")
        store.tree.truncate(conn, 0)
        tree = _load(conn, store, directory, manifest, progress)
        problem = tree_problem(manifest, tree) if has_leaves(manifest) else None
        if problem:
            raise ExportError(f"{problem}: nothing restored")
        store.after_load(conn)
    return tree.size


def _load(
    conn: psycopg.Connection[Any],
    store: ChainStore,
    directory: Path,
    manifest: dict[str, Any],
    progress: Progress | None,
) -> Frontier:
    previous, position, tree = GENESIS, 0, Frontier()
    for entry in manifest["files"]:
        reading = Reading(
            entry["name"],
            None,
            last=previous,
            last_position=position,
            leafed=has_leaves(manifest),
            next_leaf=tree.size,
        )
        store.load(conn, _checked_rows(directory / entry["name"], reading), tree)
        previous, position = reading.last or previous, reading.last_position
        if progress:
            progress(tree.size, int(manifest["events"]))
    if previous != manifest["head"]["digest"]:
        raise ExportError("the last event's digest is not the manifest's head: nothing restored")
    return tree


def _checked_rows(path: Path, reading: Reading) -> Iterator[tuple[tuple[Any, ...], bytes]]:
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
