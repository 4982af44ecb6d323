"""A proof as a file (domain/proofs/claims.py): the JSON the verifiers read, made from
domain/proofs/merkle.py's proofs, holds against the checkpoint of its size and is refused, with the
reason, when a byte, an index or a size is changed, when it is malformed, or when it is checked
against another size."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from domain.proofs.checkpoint import Checkpoint
from domain.proofs.claims import ClaimError, b64, check_claim, consistency_claim, inclusion_claim
from domain.proofs.merkle import MemoryNodeStore, consistency_proof, inclusion_proof, root

DIGESTS = [hashlib.sha256(f"event {i}".encode()).digest() for i in range(21)]
STORE = MemoryNodeStore(DIGESTS)


def checkpoint(size: int) -> Checkpoint:
    return Checkpoint("govledger.test/seoul", size, root(size, STORE.get))


def inclusion(index: int = 9, size: int = 21) -> dict[str, Any]:
    return inclusion_claim(index, size, DIGESTS[index], inclusion_proof(index, size, STORE.get))


def consistency(old: int = 13, size: int = 21) -> dict[str, Any]:
    proof = consistency_proof(old, size, STORE.get)
    return consistency_claim(old, size, root(old, STORE.get), proof)


def test_proofs_hold_against_the_checkpoint_of_their_size() -> None:
    said = check_claim(checkpoint(21), inclusion())
    assert said == f"inclusion: leaf 9 (digest {DIGESTS[9].hex()}) in the tree of size 21: ok"
    said = check_claim(checkpoint(21), consistency())
    assert said.endswith("is a prefix of size 21: ok")
    for old in (0, 1, 16, 20, 21):
        check_claim(checkpoint(21), consistency(old))
    for index in (0, 20):
        check_claim(checkpoint(21), inclusion(index))


ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def flip(text: str) -> str:
    """Another hash: the first character (six bits of the first byte) changed."""
    return ("B" if text[0] == "A" else "A") + text[1:]


def padded(text: str) -> str:
    """The same hash in non-canonical base64: a padding bit of the last character set."""
    last = ALPHABET.index(text[42])
    return text[:42] + ALPHABET[last ^ 1] + text[43:]


REFUSED: dict[str, tuple[dict[str, Any], str]] = {
    "a changed proof hash": (
        {**inclusion(), "proof": [flip(h) for h in inclusion()["proof"]]},
        "does not hold",
    ),
    "another digest": ({**inclusion(), "digest": DIGESTS[8].hex()}, "does not hold"),
    "another leaf": ({**inclusion(), "leafIndex": 8}, "does not hold"),
    "a leaf past the tree": ({**inclusion(), "leafIndex": 21}, "does not hold"),
    "another old root": ({**consistency(), "oldRoot": b64(bytes(32))}, "does not hold"),
    "another old size": ({**consistency(), "oldSize": 12}, "does not hold"),
    "another size": ({**inclusion(9, 20)}, "against a checkpoint of size 21"),
    "a negative size": ({**inclusion(), "treeSize": -1}, "a whole number"),
    "a boolean index": ({**inclusion(), "leafIndex": True}, "a whole number"),
    "a short digest": ({**inclusion(), "digest": "ab"}, "64 hex digits"),
    "non-canonical base64": (
        {**inclusion(), "proof": [padded(inclusion()["proof"][0]), *inclusion()["proof"][1:]]},
        "not the base64",
    ),
    "no proof list": ({**inclusion(), "proof": "x"}, "a list of base64"),
    "another type": ({**inclusion(), "type": "audit"}, "inclusion or consistency"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_a_changed_or_malformed_claim_is_refused_with_its_reason(case: str) -> None:
    claim, reason = REFUSED[case]
    with pytest.raises(ClaimError, match=reason):
        check_claim(checkpoint(21), claim)
