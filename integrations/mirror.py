"""A folder of published checkpoints that anyone can mirror (copy, rsync, a git repository) and
check with no database and no govledger server: `govledger checkpoint publish DIR` appends to
it, `govledger checkpoint check DIR` verifies it.

    DIR/verifier-key          the log's public key (c2sp.org/signed-note verifier key), one line
    DIR/checkpoints/N.note    the signed checkpoint of tree size N (c2sp.org/tlog-checkpoint)
    DIR/proofs/M-N.json       the consistency proof from size M to size N, M the size published
                              before N (the JSON of docs/proofs-verifiers, domain/proofs/claims.py)

Files are only ever added. A mirror that meets a second note for a size it holds keeps both
(`N.note` and, say, `N-from-elsewhere.note`): the check reads every `*.note` and reports the
fork. The check verifies every signature, then the history in order of size with
domain.checkpoint.check_history: a fork (two roots for one size) or a rollback (a checkpoint not
shown consistent with the one before it: the log was rewritten) is a finding."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from domain.proofs.checkpoint import (
    Checkpoint,
    CheckpointError,
    Finding,
    check_history,
    open_checkpoint,
    parse_verifier_key,
)
from domain.proofs.claims import ClaimError, consistency_claim, proof_hashes, unb64
from domain.proofs.merkle import verify_consistency

KEY_FILE = "verifier-key"
NOTES = "checkpoints"
PROOFS = "proofs"
Prove = Callable[[int, int], list[bytes]]
"""The consistency proof from one tree size to a larger one, as the ledger gives it."""


class MirrorError(Exception):
    """What stops a publication: another key, or a ledger smaller than, or not consistent with,
    what was published (the ledger was rolled back or rewritten)."""


@dataclass(frozen=True)
class Published:
    size: int
    written: bool
    """False when this size was published already."""
    proof_from: int | None = None


def note_path(directory: Path, size: int) -> Path:
    return directory / NOTES / f"{size}.note"


def proof_path(directory: Path, old_size: int, size: int) -> Path:
    return directory / PROOFS / f"{old_size}-{size}.json"


def _add(path: Path, text: str) -> None:
    """Write a new file whole (a reader never sees half of it), never over an existing one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    try:
        os.link(partial, path)
    except FileExistsError:
        raise MirrorError(f"{path} exists already: published files are never replaced") from None
    finally:
        partial.unlink()


def _size_of(path: Path) -> int | None:
    """The size a note's file name gives (`N.note`, or `N-anything.note`)."""
    head = path.stem.split("-", 1)[0]
    return int(head) if head.isdigit() else None


def publish(
    directory: Path, verifier: str, size: int, root: bytes, note: str, prove: Prove
) -> Published:
    """Append the checkpoint (size, root), signed as `note`, with the consistency proof from
    the largest size published before it (checked here first)."""
    name, public_key = parse_verifier_key(verifier)
    key_file = directory / KEY_FILE
    if key_file.exists() and key_file.read_text(encoding="utf-8").strip() != verifier:
        raise MirrorError(f"{directory} holds the checkpoints of another key ({key_file})")
    latest = _latest(directory, name, public_key)
    if latest is not None:
        if latest.size > size:
            raise MirrorError(
                f"the ledger's tree has {size} leaves, but size {latest.size} was published: the "
                "ledger was rolled back (restored from an older backup?); nothing published"
            )
        if latest.size == size:
            if latest.root != root:
                raise MirrorError(f"size {size} was published with another root: a fork")
            return Published(size, False)
        proof = prove(latest.size, size)
        if not verify_consistency(latest.size, size, proof, latest.root, root):
            raise MirrorError(
                f"the ledger's tree of size {size} is not consistent with the published size "
                f"{latest.size}: the log was rewritten; nothing published"
            )
        claim = consistency_claim(latest.size, size, latest.root, proof)
        _add(proof_path(directory, latest.size, size), json.dumps(claim, indent=1) + "\n")
    if not key_file.exists():
        _add(key_file, verifier + "\n")
    _add(note_path(directory, size), note)
    return Published(size, True, latest.size if latest else None)


def _latest(directory: Path, name: str, public_key: Ed25519PublicKey) -> Checkpoint | None:
    """The checkpoint of the largest size published (its signature verified)."""
    sizes = [(s, p) for p in (directory / NOTES).glob("*.note") if (s := _size_of(p)) is not None]
    if not sizes:
        return None
    path = max(sizes)[1]
    return open_checkpoint(path.read_text(encoding="utf-8"), name, public_key)


@dataclass
class MirrorCheck:
    verifier: str
    checkpoints: list[tuple[str, Checkpoint]] = field(default_factory=list)
    """Every note whose signature verifies, by file name, in order of size."""
    problems: list[str] = field(default_factory=list)
    """Notes that do not verify, proofs missing or malformed."""
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checkpoints) and not self.problems and not self.findings

    def describe(self, finding: Finding) -> str:
        at, earlier = self.checkpoints[finding.at][0], self.checkpoints[finding.earlier][0]
        return f"{finding.kind}: {at} against {earlier}: {finding.detail}"


def check_mirror(directory: Path, verifier: str | None = None) -> MirrorCheck:
    """Every note's signature by the key (`verifier`, or the folder's own verifier-key), then
    forks and rollbacks across them, each with the proof from the size before it."""
    if verifier is None:
        key_file = directory / KEY_FILE
        if not key_file.exists():
            raise MirrorError(f"{directory} has no {KEY_FILE}: give the log's key with --key")
        verifier = key_file.read_text(encoding="utf-8").strip()
    name, public_key = parse_verifier_key(verifier)
    found = MirrorCheck(verifier)
    for path in sorted((directory / NOTES).glob("*.note")):
        shown = f"{NOTES}/{path.name}"
        try:
            checkpoint = open_checkpoint(path.read_text(encoding="utf-8"), name, public_key)
        except (CheckpointError, UnicodeDecodeError) as error:
            found.problems.append(f"{shown}: {error}")
            continue
        if _size_of(path) != checkpoint.size:
            found.problems.append(f"{shown}: the note is of size {checkpoint.size}")
        found.checkpoints.append((shown, checkpoint))
    found.checkpoints.sort(key=lambda e: (e[1].size, e[0] != f"{NOTES}/{e[1].size}.note", e[0]))
    proofs = _proofs(directory, [c for _, c in found.checkpoints], found.problems)
    history = [(c, p) for (_, c), p in zip(found.checkpoints, proofs, strict=True)]
    found.findings = check_history(history)
    return found


def _proofs(
    directory: Path, history: Sequence[Checkpoint], problems: list[str]
) -> list[list[bytes]]:
    """For each checkpoint, the proof from the largest size before it (none for the first)."""
    proofs: list[list[bytes]] = []
    largest: Checkpoint | None = None
    for checkpoint in history:
        proofs.append([])
        if largest is not None and checkpoint.size > largest.size:
            proofs[-1] = _proof(directory, largest, checkpoint.size, problems)
        if largest is None or checkpoint.size > largest.size:
            largest = checkpoint
    return proofs


def _proof(directory: Path, old: Checkpoint, size: int, problems: list[str]) -> list[bytes]:
    path = proof_path(directory, old.size, size)
    shown = f"{PROOFS}/{path.name}"
    if not path.exists():
        problems.append(f"{shown} is missing: size {size} cannot be shown consistent")
        return []
    try:
        claim = json.loads(path.read_text(encoding="utf-8"))
        hashes = proof_hashes(claim)
        claimed = (claim.get("type"), claim.get("oldSize"), claim.get("treeSize"))
        if claimed != ("consistency", old.size, size):
            raise ClaimError(f"it is not the consistency proof from {old.size} to {size}")
        if unb64(claim.get("oldRoot"), "oldRoot") != old.root:
            raise ClaimError(f"its oldRoot is not the root of the checkpoint of size {old.size}")
    except (ValueError, AttributeError) as error:
        problems.append(f"{shown}: {error}")
        return []
    return hashes
