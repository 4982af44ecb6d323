"""Reads of the log's Merkle tree (RFC 9162 §2.1) for the API, on its read pool (asyncpg): the
tree's size and root, inclusion and consistency proofs, and the leaf of each event.

The ledger writes the tree beside the hash chain (`{events}_merkle (level, node_index, hash)`: every
complete subtree once, level 0 the leaf hashes; `{events}_chain.leaf_index`: each event's leaf, its
ordinal in the log from 0). Each read is one query: the nodes a root or a proof needs are planned by
domain/proofs/merkle.py and fetched with the tree's size, in one snapshot, in O(log n) index probes.
Hashes are lowercase hex."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.proofs import merkle
from domain.proofs.merkle import NodeId
from projections.read.queries import Conn

LAST_LEVEL = 62
"""The highest level of a tree whose size is a bigint."""


class ProofRequestError(ValueError):
    """A proof or root asked of a tree that cannot have it; `field` names the argument as the
    API calls it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class InclusionProof:
    leaf_index: int
    tree_size: int
    leaf_hash: str
    hashes: list[str]


@dataclass(frozen=True)
class ConsistencyProof:
    from_size: int
    to_size: int
    hashes: list[str]


@dataclass(frozen=True)
class Leaf:
    index: int
    hash: str


def _size(events_table: str) -> str:
    """The tree's size as a one-row CTE `s (n)`: the last leaf's index plus one."""
    return (
        "WITH s AS MATERIALIZED (SELECT COALESCE(max(node_index) + 1, 0) AS n "
        f'FROM "{events_table}_merkle" WHERE level = 0) '
    )


def _hash(events_table: str, level: str, index: str) -> str:
    """A node's hash as a correlated subquery: one index probe per node, whatever the plan."""
    return (
        f'(SELECT m.hash FROM "{events_table}_merkle" m '
        f"WHERE m.level = {level} AND m.node_index = {index})"
    )


def _checkpoint_sql(events_table: str) -> str:
    """The size, and for each set bit `level` of it the node (level, (size >> level) - 1)."""
    index = "(s.n >> l.level) - 1"
    return (
        f"{_size(events_table)}SELECT s.n, l.level, {index}, "
        f"{_hash(events_table, 'l.level', index)} FROM s "
        f"LEFT JOIN generate_series(0, {LAST_LEVEL}) AS l(level) ON (s.n >> l.level) & 1 = 1"
    )


def _nodes_sql(events_table: str) -> str:
    return (
        f"{_size(events_table)}SELECT s.n, q.level, q.node_index, "
        f"{_hash(events_table, 'q.level', 'q.node_index')} FROM s "
        "LEFT JOIN unnest($1::smallint[], $2::bigint[]) AS q(level, node_index) ON true"
    )


async def _fetch(conn: Conn, query: str, *args: object) -> tuple[int, merkle.GetNode]:
    rows = await conn.fetch(query, *args)
    found = {(r[1], r[2]): bytes(r[3]) for r in rows if r[3] is not None}

    def get(node: NodeId) -> bytes:
        if node not in found:
            raise LookupError(f"the ledger's Merkle tree lacks node {node}")
        return found[node]

    return int(rows[0][0]), get


async def _nodes(
    conn: Conn, events_table: str, ids: Sequence[NodeId]
) -> tuple[int, merkle.GetNode]:
    levels, indexes = [level for level, _ in ids], [index for _, index in ids]
    return await _fetch(conn, _nodes_sql(events_table), levels, indexes)


def _check_size(field: str, size: int, tree_size: int) -> None:
    if size < 0:
        raise ProofRequestError(field, f"{size} is negative")
    if size > tree_size:
        raise ProofRequestError(field, f"{size} is past the tree, which has {tree_size} leaves")


async def checkpoint(conn: Conn, events_table: str) -> tuple[int, str]:
    """The tree's size and root hash now (the empty tree's root when the log is empty)."""
    size, get = await _fetch(conn, _checkpoint_sql(events_table))
    return size, merkle.root(size, get).hex()


async def root(conn: Conn, events_table: str, size: int) -> str:
    """The root hash of the tree when it had `size` leaves."""
    tree_size, get = await _nodes(conn, events_table, merkle.root_nodes(max(size, 0)))
    _check_size("treeSize", size, tree_size)
    return merkle.root(size, get).hex()


async def inclusion(conn: Conn, events_table: str, leaf_index: int, size: int) -> InclusionProof:
    """The proof that leaf `leaf_index` is in the tree of `size` leaves (RFC 9162 §2.1.3)."""
    if leaf_index < 0:
        raise ProofRequestError("leafIndex", f"{leaf_index} is negative")
    if leaf_index >= size:
        raise ProofRequestError("leafIndex", f"{leaf_index} is not below treeSize {size}")
    leaf: NodeId = (0, leaf_index)
    ids = [leaf, *merkle.inclusion_nodes(leaf_index, size)]
    tree_size, get = await _nodes(conn, events_table, ids)
    _check_size("treeSize", size, tree_size)
    hashes = merkle.inclusion_proof(leaf_index, size, get)
    return InclusionProof(leaf_index, size, get(leaf).hex(), [h.hex() for h in hashes])


async def consistency(conn: Conn, events_table: str, m: int, n: int) -> ConsistencyProof:
    """The proof that the tree of `m` leaves is a prefix of the tree of `n` (RFC 9162 §2.1.4;
    empty when `m` is 0 or `n`)."""
    if m < 0:
        raise ProofRequestError("fromSize", f"{m} is negative")
    if m > n:
        raise ProofRequestError("fromSize", f"{m} is larger than toSize {n}")
    tree_size, get = await _nodes(conn, events_table, merkle.consistency_nodes(m, n))
    _check_size("toSize", n, tree_size)
    hashes = merkle.consistency_proof(m, n, get)
    return ConsistencyProof(m, n, [h.hex() for h in hashes])


async def leaves(conn: Conn, events_table: str, positions: Sequence[int]) -> dict[int, Leaf]:
    """The leaf index and leaf hash of each of these log positions (a page of events); a
    position that is no event is left out."""
    rows = await conn.fetch(
        f"SELECT c.notification_id, c.leaf_index, {_hash(events_table, '0', 'c.leaf_index')} "
        f'FROM "{events_table}_chain" c WHERE c.notification_id = ANY($1::bigint[])',
        list(positions),
    )
    return {row[0]: Leaf(row[1], bytes(row[2]).hex()) for row in rows if row[2] is not None}


async def position_of_leaf(conn: Conn, events_table: str, leaf_index: int) -> int | None:
    """The log position of the event that is leaf `leaf_index` (None: no such leaf)."""
    value = await conn.fetchval(
        f'SELECT notification_id FROM "{events_table}_chain" WHERE leaf_index = $1', leaf_index
    )
    return None if value is None else int(value)


async def tree_size(conn: Conn, events_table: str) -> int:
    """The number of leaves now."""
    return int(await conn.fetchval(f"{_size(events_table)}SELECT n FROM s"))


async def recorded_at_of_leaf(conn: Conn, events_table: str, leaf_index: int) -> datetime | None:
    """The recorded time of the event that is leaf `leaf_index` (None: no such leaf)."""
    value = await conn.fetchval(
        f'SELECT e.recorded_at FROM "{events_table}_chain" c JOIN "{events_table}" e '
        "USING (notification_id) WHERE c.leaf_index = $1",
        leaf_index,
    )
    return value if isinstance(value, datetime) else None
