"""The Merkle tree's proofs over GraphQL, as an outside auditor checks them: a verifier written
here from RFC 9162 alone (not the project's code) recomputes every checkpoint's root from the
events' digests (Event.digest, in log order, over GraphQL) and accepts every inclusion and
consistency proof the API gives for random leaves and sizes after hundreds of writes, each equal
to the RFC's own PATH and PROOF; a changed byte in any proof hash, leaf or root is refused. The
signed note verifies with the public key as c2sp.org/signed-note says, and the standalone
docs/proofs-verifiers/verify.py agrees. Impossible arguments are BAD_USER_INPUT naming the
field; without a key the checkpoint carries no note. Subscriptions and webhooks carry each
event's leaf."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import json
import random
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import websockets
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from api.graphql.webhook_bodies import events_document
from api.runtime import Runtime
from domain import commands as c
from ledger.database import Database
from tests.conftest import EDITOR, register, staffing_rows
from tests.support.checkpoints import ORIGIN, keyless_runtime, signing_runtime
from tests.support.live import Live, serving
from tests.support.receiver import listening
from tests.support.waiting import wait_until

VERIFY_PY = Path(__file__).resolve().parents[2] / "docs" / "proofs-verifiers" / "verify.py"
CHECKPOINT = "{ ledgerCheckpoint { treeSize rootHash recordedAt note publicKey origin } }"
INCLUSION = """query($i: Int!, $n: Int) {
  inclusionProof(leafIndex: $i, treeSize: $n) { leafIndex treeSize leafHash hashes } }"""
CONSISTENCY = """query($m: Int!, $n: Int) {
  consistencyProof(fromSize: $m, toSize: $n) { fromSize toSize hashes } }"""
EVENTS = """query($after: String) { events(first: 500, after: $after) {
  edges { node { digest leafIndex leafHash recordedAt } } pageInfo { hasNextPage endCursor } } }"""


# RFC 9162 §2.1, written from the RFC's text for this test.


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


class Rfc9162:
    """MTH, PATH and PROOF of §2.1.1, §2.1.3.1 and §2.1.4.1 over a list of leaf data."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.d = leaves
        self.mth = lru_cache(maxsize=None)(self._mth)

    @staticmethod
    def k(n: int) -> int:
        """The largest power of two smaller than n."""
        k = 1
        while k * 2 < n:
            k *= 2
        return k

    def _mth(self, start: int, end: int) -> bytes:
        n = end - start
        if n == 0:
            return sha256(b"")
        if n == 1:
            return sha256(b"\x00" + self.d[start])
        k = self.k(n)
        return sha256(b"\x01" + self.mth(start, start + k) + self.mth(start + k, end))

    def path(self, m: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n == 1:
            return []
        k = self.k(n)
        if m < k:
            return [*self.path(m, start, start + k), self.mth(start + k, end)]
        return [*self.path(m - k, start + k, end), self.mth(start, start + k)]

    def proof(self, m: int, n: int) -> list[bytes]:
        return self.subproof(m, 0, n, True)

    def subproof(self, m: int, start: int, end: int, b: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if b else [self.mth(start, end)]
        k = self.k(n)
        if m <= k:
            return [*self.subproof(m, start, start + k, b), self.mth(start + k, end)]
        return [*self.subproof(m - k, start + k, end, False), self.mth(start, start + k)]


def hash_children(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right)


def verify_inclusion(
    leaf_index: int, tree_size: int, leaf: bytes, path: list[bytes], root: bytes
) -> bool:
    """§2.1.3.2, step by step."""
    if leaf_index >= tree_size:
        return False
    fn, sn, r = leaf_index, tree_size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = hash_children(p, r)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = hash_children(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, proof: list[bytes], first_hash: bytes, second_hash: bytes
) -> bool:
    """§2.1.4.2, step by step (for 0 < first < second; the RFC leaves the others to the
    definitions: the same tree, or the empty one, with an empty proof)."""
    if first == second or first == 0:
        expected = second_hash if first else sha256(b"")
        return not proof and first_hash == expected
    if not proof or first > second:
        return False
    if first & (first - 1) == 0:
        proof = [first_hash, *proof]
    fn, sn = first - 1, second - 1
    if fn % 2 == 1:
        while fn % 2 == 1:
            fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for h in proof[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr, sr = hash_children(h, fr), hash_children(h, sr)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = hash_children(sr, h)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_hash and sr == second_hash and sn == 0


# c2sp.org/signed-note, written from the spec for this test.


def open_note(note: str, vkey: str) -> tuple[str, int, bytes]:
    """(origin, size, root) of a checkpoint whose Ed25519 signature by vkey verifies; raises
    otherwise."""
    name, key_id, encoded = vkey.split("+", 2)  # the base64 may hold "+" too
    key = base64.b64decode(encoded)
    assert key[0] == 1 and sha256(name.encode() + b"\n" + key)[:4].hex() == key_id
    body, signatures = note.split("\n\n")
    for line in signatures.splitlines():
        dash, signer, blob = line.split(" ")
        raw = base64.b64decode(blob)
        if dash == "\u2014" and signer == name and raw[:4].hex() == key_id:
            Ed25519PublicKey.from_public_bytes(key[1:]).verify(raw[4:], (body + "\n").encode())
            origin, size, root = body.split("\n")[:3]
            return origin, int(size), base64.b64decode(root)
    raise AssertionError(f"no signature by {vkey}")


def flipped(data: bytes, at: int = 0) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


# The ledger, written and read over GraphQL.


@pytest.fixture
def signing(database: Database, tmp_path: Path) -> Iterator[Live]:
    runtime, _ = signing_runtime(database, tmp_path / "checkpoint.key")
    try:
        with serving(runtime) as live:
            yield live
    finally:
        runtime.close()


def write(runtime: Runtime, count: int, rng: random.Random) -> None:
    units = [register(runtime, f"부서 {n}") for n in range(3)]
    for n in range(count - len(units)):
        day = date(2020, 1 + n % 12, 28)
        rows = staffing_rows(rng.randint(1, 40))
        runtime.ledger.execute(c.RecordStaffing(rng.choice(units), day, rows), EDITOR)


def logged(live: Live) -> list[dict[str, Any]]:
    """Every event's digest, leaf and recorded time, in log order."""
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = live.data(EVENTS, {"after": after})["events"]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


def hexes(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


def check_inclusion(live: Live, rfc: Rfc9162, i: int, n: int) -> None:
    proof = live.data(INCLUSION, {"i": i, "n": n})["inclusionProof"]
    assert (proof["leafIndex"], proof["treeSize"]) == (i, n)
    leaf, path, root = sha256(b"\x00" + rfc.d[i]), hexes(proof["hashes"]), rfc.mth(0, n)
    assert bytes.fromhex(proof["leafHash"]) == leaf
    assert path == rfc.path(i, 0, n)
    assert verify_inclusion(i, n, leaf, path, root)
    for at in range(len(path)):
        changed = [*path[:at], flipped(path[at], at % 32), *path[at + 1 :]]
        assert not verify_inclusion(i, n, leaf, changed, root), (i, n, at)
    assert not verify_inclusion(i, n, flipped(leaf, 31), path, root)
    assert not verify_inclusion(i, n, leaf, path, flipped(root, 7))


def check_consistency(live: Live, rfc: Rfc9162, m: int, n: int) -> None:
    proof = live.data(CONSISTENCY, {"m": m, "n": n})["consistencyProof"]
    assert (proof["fromSize"], proof["toSize"]) == (m, n)
    hashes, old, new = hexes(proof["hashes"]), rfc.mth(0, m), rfc.mth(0, n)
    assert hashes == (rfc.proof(m, n) if 0 < m < n else [])
    assert verify_consistency(m, n, hashes, old, new)
    for at in range(len(hashes)):
        changed = [*hashes[:at], flipped(hashes[at], at % 32), *hashes[at + 1 :]]
        assert not verify_consistency(m, n, changed, old, new), (m, n, at)
    assert not verify_consistency(m, n, hashes, flipped(old), new)
    if m:  # the empty tree is a prefix of every tree, whatever its root
        assert not verify_consistency(m, n, hashes, old, flipped(new, 31))


def test_an_outside_verifier_accepts_every_proof_and_refuses_every_changed_byte(
    signing: Live, tmp_path: Path
) -> None:
    rng = random.Random(18)
    kept: list[dict[str, Any]] = []
    for _ in range(4):
        write(signing.runtime, 80, rng)
        kept.append(signing.data(CHECKPOINT)["ledgerCheckpoint"])
    signing.caught_up()
    events = logged(signing)
    assert len(events) == 320 == kept[-1]["treeSize"]
    assert [e["leafIndex"] for e in events] == list(range(len(events)))
    digests = hexes([e["digest"] for e in events])
    assert [e["leafHash"] for e in events] == [sha256(b"\x00" + d).hex() for d in digests]
    rfc = Rfc9162(digests)

    for checkpoint in kept:
        size, root = checkpoint["treeSize"], bytes.fromhex(checkpoint["rootHash"])
        assert rfc.mth(0, size) == root
        assert checkpoint["origin"] == ORIGIN and checkpoint["publicKey"].startswith(ORIGIN + "+")
        assert open_note(checkpoint["note"], checkpoint["publicKey"]) == (ORIGIN, size, root)
        assert checkpoint["recordedAt"] == events[size - 1]["recordedAt"]
    assert signing.data(CHECKPOINT)["ledgerCheckpoint"] == kept[-1]  # one size, one note

    sizes = sorted(
        {1, 2, 3, 4, 5, 8, *(k["treeSize"] for k in kept), *rng.sample(range(1, 321), 12)}
    )
    for n in sorted(sizes):
        for i in {0, n - 1, *(rng.randrange(n) for _ in range(3))}:
            check_inclusion(signing, rfc, i, n)
    pairs = {(0, 320), (320, 320), (1, 2), (7, 8), (8, 9), (128, 320), (255, 256)}
    pairs |= {(a["treeSize"], b["treeSize"]) for a, b in itertools.pairwise(kept)}
    pairs |= {tuple(sorted(rng.sample(range(1, 321), 2))) for _ in range(25)}  # type: ignore[misc]
    for m, n in sorted(pairs):
        check_consistency(signing, rfc, m, n)
    default = signing.data("{ inclusionProof(leafIndex: 3) { treeSize } }")["inclusionProof"]
    assert default["treeSize"] == 320
    standalone_verifier_agrees(signing, rfc, kept[-1], tmp_path)


def standalone_verifier_agrees(
    live: Live, rfc: Rfc9162, checkpoint: dict[str, Any], tmp_path: Path
) -> None:
    """docs/proofs-verifiers/verify.py, run as a reader runs it, on the API's answers."""
    size, i = checkpoint["treeSize"], 123
    proof = live.data(INCLUSION, {"i": i, "n": size})["inclusionProof"]
    claim = {
        "type": "inclusion",
        "treeSize": size,
        "leafIndex": i,
        "digest": rfc.d[i].hex(),
        "proof": [base64.b64encode(h).decode() for h in hexes(proof["hashes"])],
    }

    def run(note: str, claim: dict[str, Any]) -> subprocess.CompletedProcess[str]:
        (tmp_path / "checkpoint.txt").write_text(note, encoding="utf-8")
        (tmp_path / "proof.json").write_text(json.dumps(claim), encoding="utf-8")
        arguments = [str(tmp_path / "checkpoint.txt"), checkpoint["publicKey"]]
        return subprocess.run(
            [sys.executable, str(VERIFY_PY), *arguments, str(tmp_path / "proof.json")],
            capture_output=True,
            text=True,
            timeout=60,
        )

    done = run(checkpoint["note"], claim)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].endswith(f"leaf {i} (digest {rfc.d[i].hex()}) "
                                                 f"in the tree of size {size}: ok")  # fmt: skip
    claim["digest"] = rfc.d[i + 1].hex()
    assert run(checkpoint["note"], claim).returncode == 1


def error_of(live: Live, query: str, variables: dict[str, Any]) -> tuple[str, str]:
    body = live.gql(query, variables)
    [error] = body["errors"]
    return error["extensions"]["code"], error["extensions"].get("field", "")


def test_impossible_arguments_are_bad_user_input_naming_the_field(signing: Live) -> None:
    write(signing.runtime, 10, random.Random(1))
    refused: list[tuple[str, dict[str, Any], str]] = [
        (INCLUSION, {"i": 10, "n": 10}, "leafIndex"),
        (INCLUSION, {"i": -1, "n": 5}, "leafIndex"),
        (INCLUSION, {"i": 10, "n": None}, "leafIndex"),
        (INCLUSION, {"i": 1, "n": 11}, "treeSize"),
        (CONSISTENCY, {"m": 6, "n": 5}, "fromSize"),
        (CONSISTENCY, {"m": -1, "n": 5}, "fromSize"),
        (CONSISTENCY, {"m": 1, "n": 11}, "toSize"),
        (CONSISTENCY, {"m": 11, "n": None}, "fromSize"),
    ]
    for query, variables, field in refused:
        assert error_of(signing, query, variables) == ("BAD_USER_INPUT", field), variables


def test_without_a_key_the_checkpoint_has_no_note(database: Database, tmp_path: Path) -> None:
    runtime = keyless_runtime(database, tmp_path / "data")
    try:
        register(runtime, "감사담당관")
        with serving(runtime) as live:
            checkpoint = live.data(CHECKPOINT)["ledgerCheckpoint"]
    finally:
        runtime.close()
    assert checkpoint["treeSize"] == 1 and len(checkpoint["rootHash"]) == 64
    assert (checkpoint["note"], checkpoint["publicKey"], checkpoint["origin"]) == (None,) * 3


SUBSCRIBE = """subscription($after: String) {
  events(after: $after) { cursor digest leafIndex leafHash } }"""


async def first_subscribed(live: Live, after: str) -> dict[str, Any]:
    url = live.url.replace("http", "ws") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        payload = {"query": SUBSCRIBE, "variables": {"after": after}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if message["type"] == "next":
                event: dict[str, Any] = message["payload"]["data"]["events"]
                return event


def leaf_holds(event: dict[str, Any], index: int) -> bool:
    leaf = sha256(b"\x00" + bytes.fromhex(event["digest"])).hex()
    return bool(event["leafIndex"] == index and event["leafHash"] == leaf)


def test_subscriptions_and_webhooks_carry_the_leaf(signing: Live) -> None:
    assert "leafIndex" in events_document() and "leafHash" in events_document()
    runtime = signing.runtime
    unit = register(runtime, "감사담당관")
    signing.caught_up()
    start = signing.data("{ events { edges { cursor } } }")["events"]["edges"][-1]["cursor"]
    admin = signing.token("admin-proofs", "admin")
    with listening() as receiver:
        add = """mutation($input: AddWebhookInput!) { addWebhook(input: $input) { secret } }"""
        hook = {"name": "leaves", "url": receiver.base + "/hook"}
        receiver.secrets["/hook"] = signing.data(add, {"input": hook}, admin)["addWebhook"][
            "secret"
        ]
        runtime.ledger.execute(c.RecordStaffing(unit, date(2020, 1, 31), staffing_rows(3)), EDITOR)
        signing.caught_up()
        delivered = wait_until(receiver.delivered, "a delivery")
    assert delivered[0].signed and leaf_holds(delivered[0].body, 1)
    subscribed = asyncio.run(first_subscribed(signing, start))
    assert leaf_holds(subscribed, 1)
    assert subscribed["digest"] == delivered[0].body["digest"]
