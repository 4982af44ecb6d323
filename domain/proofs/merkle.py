"""The log as an RFC 9162 (Certificate Transparency 2.0, §2.1) Merkle tree: leaves in log order,
leaf i's data the 32 raw bytes of event i's chain digest (docs/hash-chain.md).

Stored nodes are complete subtrees only: node (level, index) is the hash of leaves
[index * 2**level, (index + 1) * 2**level), level 0 being the leaf hashes. A node is written once,
when its last leaf is appended, and never changes, so a table of them is append-only. Any other
node of the RFC's tree (those on its ragged right edge) is the hash of a few stored ones, so the
root and every proof read O(log n) stored nodes and never rehash leaves.

Each read is planned first: `root_nodes`, `inclusion_nodes`, `consistency_nodes` and
`frontier` name the (level, index) pairs to fetch, so a database can fetch them in one query; the
functions that build a root, a proof or the nodes of an append then take the fetched hashes as a
`GetNode` (for example `fetched.__getitem__`).

The verifiers follow RFC 9162 §2.1.3.2 and §2.1.4.2 step by step."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""MTH({}), the root of the empty tree: the hash of the empty string."""

NodeId = tuple[int, int]
"""A stored node's address: (level, index)."""

GetNode = Callable[[NodeId], bytes]
"""The hash of a stored node, from nodes already fetched."""

Range = tuple[int, int]
"""A subtree of the RFC's tree as the leaves it covers: [start, end)."""


@dataclass(frozen=True)
class Node:
    level: int
    index: int
    hash: bytes

    @property
    def id(self) -> NodeId:
        return (self.level, self.index)


class NodeStore(Protocol):
    """Where complete subtrees are kept (a PostgreSQL table, or `MemoryNodeStore`)."""

    def size(self) -> int:
        """The number of leaves: the number of level-0 nodes."""
        ...

    def nodes(self, ids: Sequence[NodeId]) -> Mapping[NodeId, bytes]:
        """The hashes of these nodes, read at once (one `WHERE (level, index) IN ...` query)."""
        ...

    def add(self, nodes: Sequence[Node]) -> None:
        """Insert nodes `append` returned; a node is never inserted twice, nor updated."""
        ...


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(count: int) -> int:
    """k in RFC 9162 §2.1.1: the largest power of two smaller than `count` (at least 2)."""
    return 1 << ((count - 1).bit_length() - 1)


# Planning: which stored nodes a read needs.


def subtree_nodes(start: int, end: int) -> list[NodeId]:
    """The stored nodes whose hashes make MTH(D[start:end]) for a subtree of the RFC's tree
    (start a multiple of a power of two not smaller than end - start): the perfect subtrees of
    the binary decomposition of its size, largest (leftmost) first."""
    ids: list[NodeId] = []
    while start < end:
        level = (end - start).bit_length() - 1
        ids.append((level, start >> level))
        start += 1 << level
    return ids


def root_nodes(size: int) -> list[NodeId]:
    return subtree_nodes(0, size)


def frontier(size: int) -> list[NodeId]:
    """The stored nodes `append` reads to extend a tree of `size` leaves: its root's nodes."""
    return root_nodes(size)


def inclusion_ranges(leaf_index: int, size: int) -> list[Range]:
    """The subtrees whose hashes are the inclusion proof of leaf `leaf_index` in a tree of `size`
    leaves, from the leaf's sibling up (PATH in RFC 9162 §2.1.3.1)."""
    if not 0 <= leaf_index < size:
        raise ValueError(f"leaf {leaf_index} is not in a tree of {size} leaves")
    ranges: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        middle = start + _split(end - start)
        if leaf_index < middle:
            ranges.append((middle, end))
            end = middle
        else:
            ranges.append((start, middle))
            start = middle
    return ranges[::-1]


def consistency_ranges(m: int, n: int) -> list[Range]:
    """The subtrees whose hashes are the consistency proof from the tree of `m` leaves to the
    tree of `n`, deepest first (PROOF and SUBPROOF in RFC 9162 §2.1.4.1); none when `m` is 0 or
    `n`."""
    if not 0 <= m <= n:
        raise ValueError(f"no consistency proof from {m} leaves to {n}")
    if m in (0, n):
        return []
    ranges: list[Range] = []
    start, end, whole = 0, n, True
    while m != end:
        middle = start + _split(end - start)
        if m <= middle:
            ranges.append((middle, end))
            end = middle
        else:
            ranges.append((start, middle))
            start, whole = middle, False
    if not whole:
        ranges.append((start, end))
    return ranges[::-1]


def nodes_of(ranges: Iterable[Range]) -> list[NodeId]:
    """The stored nodes that make these subtrees, each once, in order."""
    ids = (node for start, end in ranges for node in subtree_nodes(start, end))
    return list(dict.fromkeys(ids))


def inclusion_nodes(leaf_index: int, size: int) -> list[NodeId]:
    return nodes_of(inclusion_ranges(leaf_index, size))


def consistency_nodes(m: int, n: int) -> list[NodeId]:
    return nodes_of(consistency_ranges(m, n))


# Building: roots, proofs and appended nodes from fetched hashes.


def subtree_hash(start: int, end: int, get_node: GetNode) -> bytes:
    """MTH(D[start:end]) for a subtree of the RFC's tree, from its stored nodes."""
    ids = subtree_nodes(start, end)
    if not ids:
        return EMPTY_ROOT
    result = get_node(ids[-1])
    for node in reversed(ids[:-1]):
        result = node_hash(get_node(node), result)
    return result


def root(size: int, get_node: GetNode) -> bytes:
    return subtree_hash(0, size, get_node)


def inclusion_proof(leaf_index: int, size: int, get_node: GetNode) -> list[bytes]:
    ranges = inclusion_ranges(leaf_index, size)
    return [subtree_hash(start, end, get_node) for start, end in ranges]


def consistency_proof(m: int, n: int, get_node: GetNode) -> list[bytes]:
    return [subtree_hash(start, end, get_node) for start, end in consistency_ranges(m, n)]


def append(size: int, leaves: Iterable[bytes], get_node: GetNode) -> list[Node]:
    """The nodes that become complete when `leaves` (leaf data: chain digests) are appended to a
    tree of `size` leaves, each leaf's own node followed by the parents it completes. A writer
    inserts exactly these. `get_node` is asked only for the nodes of `frontier(size)`."""
    edge = [Node(level, index, get_node((level, index))) for level, index in frontier(size)]
    completed: list[Node] = []
    for index, data in enumerate(leaves, start=size):
        node = Node(0, index, leaf_hash(data))
        completed.append(node)
        while edge and edge[-1].level == node.level:
            left = edge.pop()
            node = Node(node.level + 1, node.index >> 1, node_hash(left.hash, node.hash))
            completed.append(node)
        edge.append(node)
    return completed


class MemoryNodeStore:
    """A `NodeStore` in a dict: for tests, and for checking an export from its files alone."""

    def __init__(self, leaves: Iterable[bytes] = ()) -> None:
        self.hashes: dict[NodeId, bytes] = {}
        self.leaves = 0
        self.extend(leaves)

    def size(self) -> int:
        return self.leaves

    def get(self, node: NodeId) -> bytes:
        return self.hashes[node]

    def nodes(self, ids: Sequence[NodeId]) -> dict[NodeId, bytes]:
        return {node: self.hashes[node] for node in ids}

    def add(self, nodes: Sequence[Node]) -> None:
        for node in nodes:
            if node.id in self.hashes:
                raise ValueError(f"node {node.id} is already stored")
            self.hashes[node.id] = node.hash
        self.leaves += sum(1 for node in nodes if node.level == 0)

    def extend(self, leaves: Iterable[bytes]) -> list[Node]:
        """Append leaves (chain digests) and store the nodes they complete."""
        completed = append(self.leaves, leaves, self.get)
        self.add(completed)
        return completed


# Verifying: RFC 9162 §2.1.3.2 and §2.1.4.2.


def _hashes(*values: bytes) -> bool:
    return all(len(value) == HASH_SIZE for value in values)


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether `proof` shows the leaf hash `leaf_hash` at `index` in the tree of `size` leaves
    whose root is `root` (RFC 9162 §2.1.3.2)."""
    if not (0 <= index < size and _hashes(leaf_hash, root, *proof)):
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    m: int, n: int, proof: Sequence[bytes], old_root: bytes, new_root: bytes
) -> bool:
    """Whether `proof` shows the tree of `m` leaves with root `old_root` to be a prefix of the
    tree of `n` leaves with root `new_root` (RFC 9162 §2.1.4.2, for 0 < m < n; the empty tree is
    a prefix of every tree, and a tree of `n` leaves of itself only, each with an empty proof)."""
    if not (0 <= m <= n and _hashes(old_root, new_root, *proof)):
        return False
    if m == 0:
        return not proof and old_root == EMPTY_ROOT
    if m == n:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = [old_root, *proof] if m & (m - 1) == 0 else list(proof)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == old_root and sr == new_root and sn == 0
