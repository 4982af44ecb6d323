"""The log's Merkle tree (domain/proofs/merkle.py) against the Certificate Transparency reference
vectors, an independent recursive tree hash, and its own verifiers.

The vectors are those of the CT reference implementations (first in the C++ certificate-
transparency code, carried into Go): github.com/transparency-dev/merkle, `testonly/constants.go`
(LeafInputs, NodeHashes, RootHashes) and `proof/verify_test.go` (inclusionProofs,
consistencyProofs; there `leaf` counts from 1)."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.proofs.merkle import (
    EMPTY_ROOT,
    MemoryNodeStore,
    NodeId,
    NodeStore,
    append,
    consistency_nodes,
    consistency_proof,
    frontier,
    inclusion_nodes,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    root_nodes,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
ROOTS = [  # by tree size, from 0
    EMPTY_ROOT.hex(),
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
NODE_HASHES = [  # NodeHashes(): [level][index], every complete subtree of the 8-leaf tree
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    [
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    [
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
]
INCLUSION_PROOFS = [  # (leaf index, tree size, proof)
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CONSISTENCY_PROOFS = [  # (old size, new size, proof)
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def mth(leaves: Sequence[bytes]) -> bytes:
    """MTH as RFC 9162 §2.1.1 defines it, recursively over the leaf data: independent of the
    stored nodes."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def digests(count: int, seed: int = 0) -> list[bytes]:
    """Leaves as the log's are: 32-byte chain digests."""
    return [hashlib.sha256(f"{seed}/{i}".encode()).digest() for i in range(count)]


def flipped(value: bytes, at: int) -> bytes:
    return value[:at] + bytes([value[at] ^ 0x01]) + value[at + 1 :]


class Reads:
    """A GetNode over a store that records which nodes were read."""

    def __init__(self, store: MemoryNodeStore) -> None:
        self.store, self.read = store, set[NodeId]()

    def __call__(self, node: NodeId) -> bytes:
        self.read.add(node)
        return self.store.get(node)


# The reference vectors.


def test_roots_for_every_size_are_the_reference_roots() -> None:
    for size, expected in enumerate(ROOTS):
        assert root(size, MemoryNodeStore(LEAVES[:size]).get).hex() == expected


def test_stored_nodes_are_the_reference_complete_subtrees() -> None:
    expected = {
        (level, index): bytes.fromhex(h)
        for level, row in enumerate(NODE_HASHES)
        for index, h in enumerate(row)
    }
    assert MemoryNodeStore(LEAVES).hashes == expected


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_PROOFS)
def test_inclusion_proofs_are_the_reference_proofs(index: int, size: int, proof: list[str]) -> None:
    store = MemoryNodeStore(LEAVES[:size])
    assert [p.hex() for p in inclusion_proof(index, size, store.get)] == proof
    hashes, head = [bytes.fromhex(p) for p in proof], bytes.fromhex(ROOTS[size])
    assert verify_inclusion(leaf_hash(LEAVES[index]), index, size, hashes, head)


@pytest.mark.parametrize(("m", "n", "proof"), CONSISTENCY_PROOFS)
def test_consistency_proofs_are_the_reference_proofs(m: int, n: int, proof: list[str]) -> None:
    store = MemoryNodeStore(LEAVES[:n])
    assert [p.hex() for p in consistency_proof(m, n, store.get)] == proof
    hashes = [bytes.fromhex(p) for p in proof]
    assert verify_consistency(m, n, hashes, bytes.fromhex(ROOTS[m]), bytes.fromhex(ROOTS[n]))


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_PROOFS[1:])
def test_corrupted_reference_inclusion_proofs_fail(index: int, size: int, proof: list[str]) -> None:
    """The corruptions of verify_test.go's corruptInclusionProof."""
    hashes, good = [bytes.fromhex(p) for p in proof], bytes.fromhex(ROOTS[size])
    leaf = leaf_hash(LEAVES[index])
    probes = [
        (index - 1, size, leaf, hashes, good),
        (index + 1, size, leaf, hashes, good),
        (index ^ 2, size, leaf, hashes, good),
        (index, size * 2, leaf, hashes, good),
        (index, size // 2, leaf, hashes, good),
        (index, size, leaf_hash(b"WrongLeaf"), hashes, good),
        (index, size, leaf, hashes, EMPTY_ROOT),
        (index, size, leaf, hashes, SOME_HASH),
        (index, size, leaf, [*hashes, b""], good),
        (index, size, leaf, [*hashes, good], good),
        (index, size, leaf, [b"", *hashes], good),
        (index, size, leaf, [good, *hashes], good),
        (index, size, leaf, hashes[:-1], good),
    ]
    if len(hashes) > 1:
        probes.append((index, size, leaf, [hashes[0], SOME_HASH, *hashes[1:]], good))
    assert not any(verify_inclusion(leaf, i, s, p, r) for i, s, leaf, p, r in probes)


@pytest.mark.parametrize(("m", "n", "proof"), CONSISTENCY_PROOFS[1:])
def test_corrupted_reference_consistency_proofs_fail(m: int, n: int, proof: list[str]) -> None:
    """The corruptions of verify_test.go's corruptConsistencyProof."""
    hashes = [bytes.fromhex(p) for p in proof]
    old, new = bytes.fromhex(ROOTS[m]), bytes.fromhex(ROOTS[n])
    probes = [
        (m - 1, n, hashes, old, new),
        (m + 1, n, hashes, old, new),
        (m ^ 2, n, hashes, old, new),
        (m, n * 2, hashes, old, new),
        (m, n // 2, hashes, old, new),
        (m, n, hashes, SOME_HASH, new),
        (m, n, hashes, old, SOME_HASH),
        (m, n, hashes, new, old),
        (m, n, [], old, new),
        (m, n, [*hashes, b""], old, new),
        (m, n, [*hashes, old], old, new),
        (m, n, [*hashes, new], old, new),
        (m, n, [b"", *hashes], old, new),
        (m, n, [old, *hashes], old, new),
        (m, n, [new, *hashes], old, new),
        (m, n, [hashes[0], *hashes], old, new),
        (m, n, hashes[:-1], old, new),
    ]
    assert not any(verify_consistency(*probe) for probe in probes)


def test_trivial_and_impossible_consistency_as_the_reference_verifier_has_them() -> None:
    one = bytes.fromhex(ROOTS[1])
    assert verify_consistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)
    assert verify_consistency(0, 1, [], EMPTY_ROOT, one)
    assert verify_consistency(1, 1, [], one, one)
    assert not verify_consistency(1, 1, [], one, SOME_HASH)  # roots differ
    assert not verify_consistency(1, 0, [], one, EMPTY_ROOT)  # time travel
    assert not verify_consistency(2, 1, [], one, one)
    assert not verify_consistency(1, 2, [], one, SOME_HASH)  # an empty proof
    assert not verify_consistency(1, 1, [EMPTY_ROOT], one, one)  # a proof where none is due
    assert not verify_consistency(0, 1, [EMPTY_ROOT], EMPTY_ROOT, one)


def test_impossible_inclusion_is_refused() -> None:
    for index, size in [(0, 0), (1, 0), (2, 1), (-1, 1)]:
        assert not verify_inclusion(SOME_HASH, index, size, [], SOME_HASH)
    assert not verify_inclusion(b"", 0, 1, [], b"")  # hashes are 32 bytes
    data = leaf_hash(b"data")
    assert verify_inclusion(data, 0, 1, [], data)


# The stored nodes: what a read fetches, what an append writes.


def test_a_ragged_subtree_is_made_of_the_perfect_subtrees_of_its_size() -> None:
    assert root_nodes(7) == [(2, 0), (1, 2), (0, 6)]
    assert inclusion_nodes(0, 7) == [(0, 1), (1, 1), (1, 2), (0, 6)]
    assert consistency_nodes(3, 7) == [(0, 2), (0, 3), (1, 0), (1, 2), (0, 6)]
    assert frontier(6) == [(2, 0), (1, 2)]


def test_a_writer_and_a_reader_each_need_one_read_of_the_planned_nodes() -> None:
    """How a database uses the store: fetch the planned nodes at once, then build from them."""
    leaves = digests(23)
    store: NodeStore = MemoryNodeStore(leaves[:13])
    fetched = store.nodes(frontier(store.size()))
    store.add(append(store.size(), leaves[13:], fetched.__getitem__))
    assert store.size() == 23
    fetched = store.nodes(inclusion_nodes(5, 23))
    proof = inclusion_proof(5, 23, fetched.__getitem__)
    head = root(23, store.nodes(root_nodes(23)).__getitem__)
    assert head == mth(leaves)
    assert verify_inclusion(leaf_hash(leaves[5]), 5, 23, proof, head)
    fetched = store.nodes(consistency_nodes(13, 23))
    proof = consistency_proof(13, 23, fetched.__getitem__)
    assert verify_consistency(13, 23, proof, mth(leaves[:13]), head)


def test_root_equals_the_recursive_definition_for_every_size_up_to_300() -> None:
    leaves = digests(300)
    store = MemoryNodeStore()
    assert root(0, store.get) == mth([])
    for size in range(1, 301):
        store.extend(leaves[size - 1 : size])
        assert root(size, store.get) == mth(leaves[:size]), size


@given(st.integers(0, 300), st.lists(st.integers(1, 70), min_size=1), st.integers(0, 9))
def test_an_append_writes_each_complete_subtree_once(
    size: int, batches: list[int], seed: int
) -> None:
    leaves = digests(size, seed)
    whole, grown, start = MemoryNodeStore(leaves), MemoryNodeStore(), 0
    for batch in itertools.cycle(batches):
        if start == size:
            break
        reads = Reads(grown)
        written = append(start, leaves[start : start + batch], reads)
        assert reads.read <= set(frontier(start))
        grown.add(written)  # refuses a node written twice
        start = grown.size()
    assert grown.hashes == whole.hashes
    assert len(grown.hashes) == 2 * size - bin(size).count("1")


@settings(max_examples=60)
@given(st.integers(1, 300), st.data())
def test_every_inclusion_proof_verifies_and_no_changed_one_does(
    size: int, data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, size - 1))
    leaves = digests(size, index)
    store = MemoryNodeStore(leaves)
    reads = Reads(store)
    proof, head = inclusion_proof(index, size, reads), root(size, store.get)
    assert reads.read == set(inclusion_nodes(index, size))
    assert len(reads.read) <= 2 * size.bit_length()
    leaf = leaf_hash(leaves[index])
    assert verify_inclusion(leaf, index, size, proof, head)
    for i, element in enumerate(proof):
        for at in range(len(element)):
            changed = [*proof[:i], flipped(element, at), *proof[i + 1 :]]
            assert not verify_inclusion(leaf, index, size, changed, head)
    for at in range(32):
        assert not verify_inclusion(flipped(leaf, at), index, size, proof, head)
        assert not verify_inclusion(leaf, index, size, proof, flipped(head, at))


@settings(max_examples=60)
@given(st.integers(1, 300), st.data())
def test_every_consistency_proof_verifies_and_no_changed_one_does(
    n: int, data: st.DataObject
) -> None:
    m = data.draw(st.integers(1, n))
    store = MemoryNodeStore(digests(n, m))
    reads = Reads(store)
    proof = consistency_proof(m, n, reads)
    old, new = root(m, store.get), root(n, store.get)
    assert reads.read == set(consistency_nodes(m, n))
    assert len(reads.read) <= 2 * n.bit_length() + 1
    assert verify_consistency(m, n, proof, old, new)
    for i, element in enumerate(proof):
        for at in range(len(element)):
            changed = [*proof[:i], flipped(element, at), *proof[i + 1 :]]
            assert not verify_consistency(m, n, changed, old, new)
    for at in range(32):
        assert not verify_consistency(m, n, proof, flipped(old, at), new)
        assert not verify_consistency(m, n, proof, old, flipped(new, at))


def test_every_proof_of_every_tree_up_to_40_leaves_verifies() -> None:
    store = MemoryNodeStore(digests(40))
    roots = [root(size, store.get) for size in range(41)]
    for n in range(1, 41):
        for i in range(n):
            proof = inclusion_proof(i, n, store.get)
            assert verify_inclusion(store.get((0, i)), i, n, proof, roots[n]), (i, n)
        for m in range(n + 1):
            proof = consistency_proof(m, n, store.get)
            assert verify_consistency(m, n, proof, roots[m], roots[n]), (m, n)
            if m > 0:
                assert not verify_consistency(m, n, proof, roots[m], roots[n - 1]), (m, n)


def test_node_hash_and_leaf_hash_are_domain_separated() -> None:
    left, right = leaf_hash(b"a"), leaf_hash(b"b")
    assert node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    assert leaf_hash(left + right) != node_hash(left, right)
