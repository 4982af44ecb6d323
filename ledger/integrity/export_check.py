"""Checking an export (ledger/integrity/export.py) from its files alone, with no database: each file
against the manifest's SHA-256, each event against its digest, the chain across lines and files,
each event's leaf (format 2: its leafIndex is its place in the log, its leafHash the hash of its
digest), and the root of the Merkle tree over the digests (RFC 9162) against the manifest's.

Files are checked in parts of a few MiB on every core (ledger/integrity/export_lines.py); each
part's leaves come back as a few perfect subtrees, pushed in order on the tree's right edge
(constant memory: at most 63 hashes)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import orjson

from domain.proofs.chain import GENESIS, Break
from ledger.integrity.export_lines import LEAF_MISPLACED, FileCheck, check_part, parts
from ledger.integrity.tree import Frontier

FORMAT = "govledger-export/2"
FORMAT_1 = "govledger-export/1"
"""Without leaves and tree: still verified and restored."""
MANIFEST = "manifest.json"
Progress = Callable[[int, int], None]


class ExportError(Exception):
    """An export that cannot be written, read or restored as asked."""


@dataclass(frozen=True)
class Verified:
    events: int
    head: str
    broken: Break | None
    file_problems: list[str]
    tree_size: int = 0
    root: str = ""
    """The root hash of the tree over the export's digests (checked against the manifest's
    when it has one)."""

    @property
    def ok(self) -> bool:
        return self.broken is None and not self.file_problems


def read_manifest(directory: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = orjson.loads((directory / MANIFEST).read_bytes())
    except FileNotFoundError:
        raise ExportError(f"{directory / MANIFEST} is missing: not an export") from None
    except orjson.JSONDecodeError as error:
        raise ExportError(f"{directory / MANIFEST} is not JSON: {error}") from None
    if manifest.get("format") not in (FORMAT, FORMAT_1):
        raise ExportError(f"{directory / MANIFEST}: format {manifest.get('format')!r} unknown")
    return manifest


def has_leaves(manifest: dict[str, Any]) -> bool:
    """Whether the export's lines carry leafIndex and leafHash, and its manifest the tree."""
    return bool(manifest["format"] == FORMAT)


def verify_export(
    directory: Path, expected: str | None = None, progress: Progress | None = None
) -> Verified:
    """Check an export from its files alone: the files against the manifest, every event
    against its digest, the chain across lines and files, (`expected`) that the chain passes
    through a digest recorded elsewhere, and the tree's root over the digests against the
    manifest's. Parts of the files, and the files' SHA-256s, are checked on every core."""
    manifest = read_manifest(directory)
    entries = manifest["files"]
    missing = [f"{e['name']} is missing" for e in entries if not (directory / e["name"]).exists()]
    paths = [directory / e["name"] for e in entries if (directory / e["name"]).exists()]
    pieces = parts(paths)
    tree = Frontier()
    check = partial(check_part, expected=expected, leafed=has_leaves(manifest))
    with ProcessPoolExecutor(max(1, min(len(pieces), os.cpu_count() or 1))) as pool:
        hashes = pool.map(sha256_file, paths)
        checks: list[FileCheck] = []
        for part in pool.map(check, pieces):
            checks.append(part)
            part.fold(tree)
            if progress:
                progress(sum(c.events for c in checks), int(manifest["events"]))
        sums = dict(zip([path.name for path in paths], hashes, strict=True))
    problems = missing + [
        f"{e['name']} changed: its SHA-256 is not the manifest's"
        for e in entries
        if e["name"] in sums and sums[e["name"]] != e["sha256"]
    ]
    broken, head, count = _join(checks)
    if broken is None:
        problems += _manifest_problems(manifest, count, head, tree)
    if broken is None and expected and not any(c.found for c in checks):
        problems.append(f"the chain does not pass through digest {expected}")
    return Verified(count, head, broken, problems, tree.size, tree.root().hex())


def _manifest_problems(
    manifest: dict[str, Any], count: int, head: str, tree: Frontier
) -> list[str]:
    problems = []
    if count != manifest["events"]:
        problems.append(f"the manifest counts {manifest['events']} events, the files {count}")
    if head != manifest["head"]["digest"]:
        problems.append("the last event's digest is not the manifest's head")
    problem = tree_problem(manifest, tree) if has_leaves(manifest) else None
    return problems + ([problem] if problem else [])


def tree_problem(manifest: dict[str, Any], tree: Frontier) -> str | None:
    """Whether the manifest's tree (format 2) is the tree of the digests read."""
    claimed = manifest.get("tree")
    if not isinstance(claimed, dict):
        return "the manifest gives no tree"
    if claimed.get("size") != tree.size or claimed.get("root") != tree.root().hex():
        return (
            f"the root of the tree over the export's {tree.size} digests is not the manifest's root"
        )
    return None


def file_problems(directory: Path, manifest: dict[str, Any]) -> list[str]:
    problems = []
    for entry in manifest["files"]:
        path = directory / entry["name"]
        if not path.exists():
            problems.append(f"{entry['name']} is missing")
        elif sha256_file(path) != entry["sha256"]:
            problems.append(f"{entry['name']} changed: its SHA-256 is not the manifest's")
    return problems


def _join(checks: list[FileCheck]) -> tuple[Break | None, str, int]:
    """The files' own checks joined into one chain: each file must start where the one before
    it ended, at the next leaf."""
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
        if check.events and check.first_leaf not in (None, count):
            return Break(check.first_position, LEAF_MISPLACED), head, count
        if check.broken:
            return check.broken, head, count + check.events
        if check.events:
            head, position = str(check.last_digest), check.last_position
            count += check.events
    return None, head, count


def sha256_file(path: Path) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(1 << 20):
            hasher.update(chunk)
    return hasher.hexdigest()
