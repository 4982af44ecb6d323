"""A Merkle proof as a file: the JSON that `govledger verify-proof` and the standalone verifiers of
docs/proofs-verifiers read, and its check against a signed checkpoint (domain/proofs/checkpoint.py)
with the verifiers of RFC 9162 (domain/proofs/merkle.py). Hashes in base64, as the checkpoint writes
its root; an event's chain digest in hex, as `Event.digest` gives it:

    {"type": "inclusion", "treeSize": 8, "leafIndex": 5, "digest": "d40c…", "proof": ["…"]}
    {"type": "consistency", "treeSize": 8, "oldSize": 5, "oldRoot": "…", "proof": ["…"]}

An inclusion claim shows that the event whose chain digest is `digest` is leaf `leafIndex` of
the tree of `treeSize` leaves; a consistency claim, that the tree of `oldSize` leaves whose root
was `oldRoot` is a prefix of it. Either holds only against a checkpoint of that size."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from typing import Any

from domain.proofs.checkpoint import Checkpoint
from domain.proofs.merkle import HASH_SIZE, leaf_hash, verify_consistency, verify_inclusion


class ClaimError(ValueError):
    """A claim that is malformed, or that does not hold against the checkpoint."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: object, what: str) -> bytes:
    """Standard base64 of a 32-byte hash, canonical only."""
    try:
        data = base64.b64decode(str(text), validate=True)
    except (binascii.Error, ValueError):
        data = b""
    if not isinstance(text, str) or len(data) != HASH_SIZE or b64(data) != text:
        raise ClaimError(f"{what} is not the base64 of a 32-byte hash: {text!r}")
    return data


def inclusion_claim(
    leaf_index: int, tree_size: int, digest: bytes, proof: Sequence[bytes]
) -> dict[str, Any]:
    return {
        "type": "inclusion",
        "treeSize": tree_size,
        "leafIndex": leaf_index,
        "digest": digest.hex(),
        "proof": [b64(p) for p in proof],
    }


def consistency_claim(
    old_size: int, tree_size: int, old_root: bytes, proof: Sequence[bytes]
) -> dict[str, Any]:
    return {
        "type": "consistency",
        "treeSize": tree_size,
        "oldSize": old_size,
        "oldRoot": b64(old_root),
        "proof": [b64(p) for p in proof],
    }


def _whole(claim: Mapping[str, Any], name: str) -> int:
    value = claim.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ClaimError(f"{name} is a whole number, 0 or more: {value!r}")
    return value


def _digest(claim: Mapping[str, Any]) -> bytes:
    text = claim.get("digest")
    try:
        digest = bytes.fromhex(text) if isinstance(text, str) else b""
    except ValueError:
        digest = b""
    if len(digest) != HASH_SIZE or digest.hex() != str(text).lower():
        raise ClaimError(f"digest is an event's chain digest, 64 hex digits: {text!r}")
    return digest


def proof_hashes(claim: Mapping[str, Any]) -> list[bytes]:
    hashes = claim.get("proof")
    if not isinstance(hashes, list):
        raise ClaimError("proof is a list of base64 hashes")
    return [unb64(h, f"proof[{at}]") for at, h in enumerate(hashes)]


def check_claim(checkpoint: Checkpoint, claim: Mapping[str, Any]) -> str:
    """What the claim shows, once it holds against the checkpoint (whose signature the caller
    verified); ClaimError saying what did not hold."""
    kind, size = claim.get("type"), _whole(claim, "treeSize")
    proof = proof_hashes(claim)
    if kind == "inclusion":
        index, digest = _whole(claim, "leafIndex"), _digest(claim)
        what = f"inclusion: leaf {index} (digest {digest.hex()}) in the tree of size {size}"
        held = verify_inclusion(leaf_hash(digest), index, size, proof, checkpoint.root)
    elif kind == "consistency":
        old_size, old_root = _whole(claim, "oldSize"), unb64(claim.get("oldRoot"), "oldRoot")
        what = (
            f"consistency: the tree of size {old_size} (root {b64(old_root)}) is a prefix "
            f"of size {size}"
        )
        held = verify_consistency(old_size, size, proof, old_root, checkpoint.root)
    else:
        raise ClaimError(f"type is inclusion or consistency, not {kind!r}")
    if size != checkpoint.size:
        raise ClaimError(
            f"a proof for a tree of size {size}, against a checkpoint of size {checkpoint.size}"
        )
    if not held:
        raise ClaimError(f"{what}: the proof does not hold")
    return f"{what}: ok"
