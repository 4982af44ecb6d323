"""Signed checkpoints of the log's Merkle tree (domain/proofs/merkle.py): the body of
c2sp.org/tlog-checkpoint (origin, tree size, base64 root hash, optional extension lines) signed
as a c2sp.org/signed-note with Ed25519, and a mirror's check of a history of checkpoints for forks
and rollbacks.

A signed note is its text (ending in a newline), a blank line, and signature lines
`— <key name> <base64(key id || signature)>`; the Ed25519 key id is the first four bytes of
SHA-256(key name || 0x0A || 0x01 || public key), and a verifier key is written
`<key name>+<hex key id>+<base64(0x01 || public key)>`."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from domain.proofs.merkle import HASH_SIZE, verify_consistency

ED25519 = b"\x01"
"""The signature type byte of Ed25519 in c2sp.org/signed-note."""
SIGNATURE_PREFIX = "\u2014 "
"""An em dash and a space: how a signature line starts."""
MAX_SIGNATURES = 100
SIGNER_PREFIX = "PRIVATE+KEY+"

_SIZE = re.compile(r"0|[1-9][0-9]*")
_KEY_ID = re.compile(r"[0-9a-fA-F]{8}")


class CheckpointError(ValueError):
    """A checkpoint, note or key that is malformed, or a note whose signature is missing or
    does not verify."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()


# The checkpoint body.


def format_checkpoint(checkpoint: Checkpoint) -> str:
    lines = [checkpoint.origin, str(checkpoint.size), _b64(checkpoint.root), *checkpoint.extensions]
    if checkpoint.size < 0 or len(checkpoint.root) != HASH_SIZE:
        raise CheckpointError("a checkpoint has a size of at least 0 and a 32-byte root")
    if any(not line or "\n" in line for line in lines):
        raise CheckpointError("a checkpoint's lines are non-empty and hold no newline")
    return "".join(line + "\n" for line in lines)


def parse_checkpoint(body: str) -> Checkpoint:
    if not body.endswith("\n"):
        raise CheckpointError("a checkpoint ends with a newline")
    lines = body[:-1].split("\n")
    if len(lines) < 3:
        raise CheckpointError("a checkpoint has an origin, a tree size and a root hash")
    origin, size, root, *extensions = lines
    if not origin or not _SIZE.fullmatch(size) or any(not line for line in extensions):
        raise CheckpointError(f"not a checkpoint: {body!r}")
    decoded = _unb64(root)
    if len(decoded) != HASH_SIZE:
        raise CheckpointError(f"a checkpoint's root hash is 32 bytes, not {len(decoded)}")
    return Checkpoint(origin, int(size), decoded, tuple(extensions))


# Keys.


def key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    material = name.encode() + b"\n" + ED25519 + public_key.public_bytes_raw()
    return hashlib.sha256(material).digest()[:4]


def verifier_key(name: str, public_key: Ed25519PublicKey) -> str:
    """The verifier key a log publishes: `<name>+<hex key id>+<base64(0x01 || key)>`."""
    _check_name(name)
    encoded = _b64(ED25519 + public_key.public_bytes_raw())
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


def parse_verifier_key(vkey: str) -> tuple[str, Ed25519PublicKey]:
    name, hex_id, key = _parse_key(vkey)
    try:
        public_key = Ed25519PublicKey.from_public_bytes(key)
    except ValueError:
        raise CheckpointError(f"not an Ed25519 public key: {vkey}") from None
    _check_key_id(name, hex_id, public_key)
    return name, public_key


def signer_key(name: str, private_key: Ed25519PrivateKey) -> str:
    """A private key as golang.org/x/mod/sumdb/note writes one (not part of the C2SP specs):
    `PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || 32-byte seed)>`."""
    _check_name(name)
    seed = _b64(ED25519 + private_key.private_bytes_raw())
    return f"{SIGNER_PREFIX}{name}+{key_id(name, private_key.public_key()).hex()}+{seed}"


def parse_signer_key(skey: str) -> tuple[str, Ed25519PrivateKey]:
    if not skey.startswith(SIGNER_PREFIX):
        raise CheckpointError(f"a signer key starts with {SIGNER_PREFIX}")
    name, hex_id, seed = _parse_key(skey.removeprefix(SIGNER_PREFIX))
    private_key = Ed25519PrivateKey.from_private_bytes(seed)
    _check_key_id(name, hex_id, private_key.public_key())
    return name, private_key


def _parse_key(text: str) -> tuple[str, str, bytes]:
    """A key's name, hex key id and 32 bytes of key material from `<name>+<id>+<base64>`."""
    name, hex_id, encoded = [*text.split("+", 2), "", ""][:3]
    _check_name(name)
    material = _unb64(encoded)
    if not _KEY_ID.fullmatch(hex_id) or material[:1] != ED25519 or len(material) != 33:
        raise CheckpointError(f"not an Ed25519 key of signed-note: {name}+{hex_id}")
    return name, hex_id.lower(), material[1:]


def _check_key_id(name: str, hex_id: str, public_key: Ed25519PublicKey) -> None:
    if key_id(name, public_key).hex() != hex_id:
        raise CheckpointError(f"{hex_id} is not the key id of {name}'s key")


# Signed notes.


def sign_note(body: str, key_name: str, private_key: Ed25519PrivateKey) -> str:
    """The note of `body` (a text ending in a newline) signed by `key_name` with Ed25519."""
    _check_name(key_name)
    _check_text(body)
    if not body.endswith("\n"):
        raise CheckpointError("a note's text ends with a newline")
    blob = key_id(key_name, private_key.public_key()) + private_key.sign(body.encode())
    return f"{body}\n{SIGNATURE_PREFIX}{key_name} {_b64(blob)}\n"


@dataclass(frozen=True)
class _Signature:
    name: str
    key_id: bytes
    signature: bytes


def verify_note(note: str, key_name: str, public_key: Ed25519PublicKey) -> str:
    """The text of `note` once a signature by `key_name` with `public_key` verifies; signatures
    of other keys are ignored. Raises CheckpointError for a malformed note, a note without such
    a signature, or one whose signature by this key does not verify."""
    _check_text(note)
    body, signatures = _split_note(note)
    wanted = key_id(key_name, public_key)
    ours = [s for s in signatures if s.name == key_name and s.key_id == wanted]
    if not ours:
        raise CheckpointError(f"the note has no signature by {key_name}+{wanted.hex()}")
    for signature in ours:
        try:
            public_key.verify(signature.signature, body.encode())
        except InvalidSignature:
            raise CheckpointError(
                f"the signature by {key_name}+{wanted.hex()} does not verify: the note was "
                "changed after it was signed, or signed by another key"
            ) from None
    return body


def open_checkpoint(note: str, key_name: str, public_key: Ed25519PublicKey) -> Checkpoint:
    return parse_checkpoint(verify_note(note, key_name, public_key))


def _split_note(note: str) -> tuple[str, list[_Signature]]:
    blank = note.rfind("\n\n")
    if blank < 0 or not note.endswith("\n"):
        raise CheckpointError("a signed note is a text, a blank line and signature lines")
    lines = note[blank + 2 : -1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise CheckpointError(f"a note has at most {MAX_SIGNATURES} signatures")
    return note[: blank + 1], [_parse_signature(line) for line in lines]


def _parse_signature(line: str) -> _Signature:
    name, _, encoded = line.removeprefix(SIGNATURE_PREFIX).partition(" ")
    if not line.startswith(SIGNATURE_PREFIX) or " " in encoded:
        raise CheckpointError(f"not a signature line: {line!r}")
    _check_name(name)
    blob = _unb64(encoded)
    if len(blob) < 5:
        raise CheckpointError(f"a signature is a key id and a signature: {line!r}")
    return _Signature(name, blob[:4], blob[4:])


def _check_name(name: str) -> None:
    if not name or "+" in name or any(character.isspace() for character in name):
        raise CheckpointError(f"a key name is non-empty, without spaces or '+': {name!r}")


def _check_text(text: str) -> None:
    if any(ord(character) < 0x20 and character != "\n" for character in text):
        raise CheckpointError("a note holds no control characters but newlines")
    try:
        text.encode()
    except UnicodeEncodeError:
        raise CheckpointError("a note is UTF-8 text") from None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    """Standard base64, canonical only: one text for one value."""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        data = None
    if data is None or _b64(data) != text:
        raise CheckpointError(f"not base64: {text!r}")
    return data


# A mirror's check: forks and rollbacks in a history of verified checkpoints.


@dataclass(frozen=True)
class Finding:
    kind: Literal["fork", "rollback"]
    at: int
    """The position in the history of the checkpoint found wanting."""
    earlier: int
    """The position of the earlier checkpoint it contradicts."""
    detail: str


def check_history(history: Iterable[tuple[Checkpoint, Sequence[bytes]]]) -> list[Finding]:
    """Forks and rollbacks in a history of checkpoints whose signatures were verified, in the
    order they were seen. Each comes with the consistency proof from the largest checkpoint
    before it (for a history that only grows, the one just before it). A fork: two checkpoints
    of one size with different roots. A rollback: a checkpoint smaller than an earlier one, or
    larger but not shown consistent with it."""
    findings: list[Finding] = []
    roots: dict[int, tuple[int, bytes]] = {}
    largest: tuple[int, Checkpoint] | None = None
    for at, (checkpoint, proof) in enumerate(history):
        if largest and checkpoint.origin != largest[1].origin:
            raise CheckpointError(f"checkpoint {at} is of {checkpoint.origin!r}, not of the log")
        findings += _fork(at, checkpoint, roots.setdefault(checkpoint.size, (at, checkpoint.root)))
        if largest:
            findings += _rollback(at, checkpoint, proof, *largest)
        if largest is None or checkpoint.size > largest[1].size:
            largest = (at, checkpoint)
    return findings


def _fork(at: int, checkpoint: Checkpoint, first: tuple[int, bytes]) -> list[Finding]:
    earlier, root = first
    if root == checkpoint.root:
        return []
    detail = f"two roots for size {checkpoint.size}: {_b64(root)} and {_b64(checkpoint.root)}"
    return [Finding("fork", at, earlier, detail)]


def _rollback(
    at: int, checkpoint: Checkpoint, proof: Sequence[bytes], earlier: int, largest: Checkpoint
) -> list[Finding]:
    if checkpoint.size < largest.size:
        detail = f"size {checkpoint.size} after size {largest.size}"
        return [Finding("rollback", at, earlier, detail)]
    if checkpoint.size == largest.size:
        return []  # the same size with another root is a fork, found as such
    m, n = largest.size, checkpoint.size
    if verify_consistency(m, n, proof, largest.root, checkpoint.root):
        return []
    detail = f"size {n} is not shown consistent with size {m} (a rewritten history, or a bad proof)"
    return [Finding("rollback", at, earlier, detail)]
