"""The standalone verifiers, docs/proofs-verifiers/verify.py and verify.mjs, against proofs made by
domain/proofs/merkle.py and checkpoints signed by domain/proofs/checkpoint.py: each accepts them and
prints the same lines as the other, and each refuses a tampered proof, checkpoint or key. The
JavaScript one runs under node; without node it is skipped, unless GOVLEDGER_REQUIRE_NODE=1 (CI),
then it fails."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip(
    "cryptography", reason="cryptography is not installed: it is a dependency of checkpoints"
)

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.proofs.checkpoint import Checkpoint, format_checkpoint, sign_note, verifier_key
from domain.proofs.merkle import (
    MemoryNodeStore,
    NodeId,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
)

VERIFIERS = Path(__file__).resolve().parents[2] / "docs" / "proofs-verifiers"
ORIGIN = "govledger.example/seoul"
KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"the log's key").digest())
VKEY = verifier_key(ORIGIN, KEY.public_key())


def node() -> str:
    found = shutil.which("node")
    if found:
        return found
    if os.environ.get("GOVLEDGER_REQUIRE_NODE") == "1":
        pytest.fail("node is not on PATH, and GOVLEDGER_REQUIRE_NODE=1 requires it")
    pytest.skip("node is not on PATH: the JavaScript verifier is not checked")


def command(language: str) -> list[str]:
    if language == "python":
        return [sys.executable, str(VERIFIERS / "verify.py")]
    return [node(), str(VERIFIERS / "verify.mjs")]


LANGUAGES = ["python", "javascript"]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass
class Case:
    """A signed checkpoint and a proof, written where a verifier reads them."""

    directory: Path
    note: str
    claim: dict[str, Any]
    vkey: str = VKEY

    def run(self, language: str) -> subprocess.CompletedProcess[str]:
        (self.directory / "checkpoint.txt").write_text(self.note, encoding="utf-8")
        (self.directory / "proof.json").write_text(json.dumps(self.claim), encoding="utf-8")
        arguments = [str(self.directory / "checkpoint.txt"), self.vkey]
        arguments.append(str(self.directory / "proof.json"))
        return subprocess.run(
            [*command(language), *arguments], capture_output=True, text=True, timeout=60
        )


def digests(count: int) -> list[bytes]:
    return [hashlib.sha256(f"event {i}".encode()).digest() for i in range(count)]


LEAVES = digests(37)
STORE = MemoryNodeStore(LEAVES)


def signed(size: int, head: bytes, key: Ed25519PrivateKey = KEY) -> str:
    return sign_note(format_checkpoint(Checkpoint(ORIGIN, size, head)), ORIGIN, key)


def inclusion(directory: Path, index: int = 13, size: int = 37) -> Case:
    claim = {
        "type": "inclusion",
        "treeSize": size,
        "leafIndex": index,
        "digest": LEAVES[index].hex(),
        "proof": [b64(p) for p in inclusion_proof(index, size, STORE.get)],
    }
    return Case(directory, signed(size, root(size, STORE.get)), claim)


def consistency(directory: Path, m: int = 20, n: int = 37) -> Case:
    claim = {
        "type": "consistency",
        "treeSize": n,
        "oldSize": m,
        "oldRoot": b64(root(m, STORE.get)),
        "proof": [b64(p) for p in consistency_proof(m, n, STORE.get)],
    }
    return Case(directory, signed(n, root(n, STORE.get)), claim)


def accepted(case: Case) -> list[str]:
    """What both verifiers print, once each has accepted the case and printed the same."""
    outputs = []
    for language in LANGUAGES:
        done = case.run(language)
        assert done.returncode == 0, (language, done.stdout, done.stderr)
        outputs.append(done.stdout.splitlines())
    assert outputs[0] == outputs[1]
    return outputs[0]


def test_both_accept_an_inclusion_proof_and_say_the_same(tmp_path: Path) -> None:
    said = accepted(inclusion(tmp_path))
    head = b64(root(37, STORE.get))
    assert said == [
        f"checkpoint: {ORIGIN}, size 37, root {head}: signed by {VKEY.rsplit('+', 1)[0]}",
        f"inclusion: leaf 13 (digest {LEAVES[13].hex()}) in the tree of size 37: ok",
    ]


def test_both_accept_a_consistency_proof_and_say_the_same(tmp_path: Path) -> None:
    said = accepted(consistency(tmp_path))
    old = b64(root(20, STORE.get))
    assert said[1] == f"consistency: the tree of size 20 (root {old}) is a prefix of size 37: ok"


@pytest.mark.parametrize(("index", "size"), [(0, 1), (0, 37), (36, 37), (31, 32), (32, 33)])
def test_both_accept_inclusion_at_the_edges(tmp_path: Path, index: int, size: int) -> None:
    accepted(inclusion(tmp_path, index, size))


@pytest.mark.parametrize(("m", "n"), [(1, 37), (32, 37), (36, 37), (37, 37), (0, 37), (7, 8)])
def test_both_accept_consistency_at_the_edges(tmp_path: Path, m: int, n: int) -> None:
    accepted(consistency(tmp_path, m, n))


def test_both_handle_sizes_past_two_to_the_31(tmp_path: Path) -> None:
    """A tree of 2**33 + 12345 equal leaves: every perfect subtree of a level has one hash, so
    the proofs come from domain/proofs/merkle.py without storing the tree."""
    perfect = [leaf_hash(LEAVES[0])]
    for _ in range(40):
        perfect.append(node_hash(perfect[-1], perfect[-1]))

    def get_node(node: NodeId) -> bytes:
        return perfect[node[0]]

    size, index = 2**33 + 12345, 2**32 + 777
    claim = {
        "type": "inclusion",
        "treeSize": size,
        "leafIndex": index,
        "digest": LEAVES[0].hex(),
        "proof": [b64(p) for p in inclusion_proof(index, size, get_node)],
    }
    case = Case(tmp_path, signed(size, root(size, get_node)), claim)
    accepted(case)
    for old in [2**31 + 3, 2**32]:  # the second a power of two
        case.claim = {
            "type": "consistency",
            "treeSize": size,
            "oldSize": old,
            "oldRoot": b64(root(old, get_node)),
            "proof": [b64(p) for p in consistency_proof(old, size, get_node)],
        }
        accepted(case)
        case.claim["proof"][1] = b64(bytes(32))
        assert all(case.run(language).returncode == 1 for language in LANGUAGES)


def flip(text: str) -> str:
    data = base64.b64decode(text)
    return b64(bytes([data[0] ^ 0x01]) + data[1:])


OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(32))
PROOF_TAMPERINGS: dict[str, Callable[[Case], None]] = {
    "a proof hash": lambda case: case.claim["proof"].__setitem__(1, flip(case.claim["proof"][1])),
    "a proof hash dropped": lambda case: case.claim["proof"].pop(),
    "a proof hash added": lambda case: case.claim["proof"].append(b64(bytes(32))),
    "the tree size": lambda case: case.claim.update(treeSize=36),
}
CHECKPOINT_TAMPERINGS: dict[str, Callable[[Case], None]] = {
    "the checkpoint's root": lambda case: setattr(
        case, "note", case.note.replace(case.note.split("\n")[2], flip(case.note.split("\n")[2]))
    ),
    "the checkpoint's size": lambda case: setattr(
        case, "note", case.note.replace("\n37\n", "\n38\n")
    ),
    "another key's signature": lambda case: setattr(
        case, "note", signed(37, root(37, STORE.get), OTHER_KEY)
    ),
    "another verifier key": lambda case: setattr(
        case, "vkey", verifier_key(ORIGIN, OTHER_KEY.public_key())
    ),
    "a key id that is not the key's": lambda case: setattr(
        case, "vkey", VKEY.replace(VKEY.split("+")[1], "00000000")
    ),
    "no signature": lambda case: setattr(case, "note", case.note.split("\n\n")[0] + "\n\n"),
}
INCLUSION_TAMPERINGS: dict[str, Callable[[Case], None]] = {
    **PROOF_TAMPERINGS,
    **CHECKPOINT_TAMPERINGS,
    "the digest": lambda case: case.claim.update(digest=LEAVES[14].hex()),
    "the leaf index": lambda case: case.claim.update(leafIndex=12),
    "a digest that is not hex": lambda case: case.claim.update(digest="zz" + LEAVES[13].hex()[2:]),
}
CONSISTENCY_TAMPERINGS: dict[str, Callable[[Case], None]] = {
    **PROOF_TAMPERINGS,
    "the old root": lambda case: case.claim.update(oldRoot=flip(case.claim["oldRoot"])),
    "the old size": lambda case: case.claim.update(oldSize=21),
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("tampering", INCLUSION_TAMPERINGS)
def test_a_tampered_inclusion_is_refused(tmp_path: Path, language: str, tampering: str) -> None:
    case = inclusion(tmp_path)
    INCLUSION_TAMPERINGS[tampering](case)
    done = case.run(language)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert re.fullmatch(r"REFUSED: \S.*\n", done.stderr), done.stderr  # with a reason


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("tampering", CONSISTENCY_TAMPERINGS)
def test_a_tampered_consistency_is_refused(tmp_path: Path, language: str, tampering: str) -> None:
    case = consistency(tmp_path)
    CONSISTENCY_TAMPERINGS[tampering](case)
    done = case.run(language)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert re.fullmatch(r"REFUSED: \S.*\n", done.stderr), done.stderr  # with a reason


def test_the_module_imports_into_a_page_without_running(tmp_path: Path) -> None:
    """What a web page does: import the three functions and call them, with no output of the
    command line's."""
    case = inclusion(tmp_path)
    script = f"""
        import {{ verifyCheckpoint, verifyInclusion, verifyConsistency }} from
            {json.dumps((VERIFIERS / "verify.mjs").as_uri())};
        const bytes = (b) => Uint8Array.from(atob(b), (c) => c.charCodeAt(0));
        const [note, vkey, claim, leaf, old] = JSON.parse(process.argv[1]);
        const checkpoint = await verifyCheckpoint(note, vkey);
        const [proof, head] = [claim.proof.map(bytes), checkpoint.root];
        const included = await verifyInclusion(bytes(leaf), claim.leafIndex, 37, proof, head);
        const same = await verifyConsistency(37, 37, [], head, head);
        const older = await verifyConsistency(36, 37, [], bytes(old), head);
        const answers = [checkpoint.origin, checkpoint.size, included, same, older];
        process.stdout.write(JSON.stringify(answers));
    """
    leaf = b64(leaf_hash(LEAVES[13]))
    data = json.dumps([case.note, VKEY, case.claim, leaf, b64(root(36, STORE.get))])
    done = subprocess.run(
        [node(), "--input-type=module", "-e", script, data],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [ORIGIN, 37, True, True, False]
