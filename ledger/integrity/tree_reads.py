"""Reads of the log's Merkle tree (ledger/integrity/tree.py): the tree's size and root, inclusion
and consistency proofs (RFC 9162 §2.1.3, §2.1.4), and each event's leaf index. Every read is one
query: the nodes a root or a proof needs are planned first (domain/proofs/merkle.py) and fetched
with the tree's size, in one snapshot, O(log n) index probes; no leaf is rehashed. And the check of
every stored node against the chain's digests (`check`), which is what finds a node changed in the
database: a root or a proof reads only the nodes it needs.

Hashes are raw bytes here, as domain/proofs/merkle.py's verifiers take them
(projections/read/proofs.py gives the API the same answers as hex)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, NamedTuple

import psycopg
from psycopg.rows import tuple_row
from psycopg.sql import SQL

from domain.proofs import merkle
from domain.proofs.merkle import NodeId
from ledger.integrity.chain import snapshot
from ledger.integrity.tree import Frontier, TreeError, TreeStore

Connect = Callable[[], AbstractContextManager[psycopg.Connection[Any]]]


class ProofRequestError(ValueError):
    """A proof or root asked of a tree that cannot have it; `field` names the argument."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class TreeHead(NamedTuple):
    size: int
    root: bytes


@dataclass(frozen=True)
class InclusionProof:
    leaf_index: int
    tree_size: int
    leaf_hash: bytes
    hashes: list[bytes]


@dataclass(frozen=True)
class ConsistencyProof:
    from_size: int
    to_size: int
    hashes: list[bytes]


@dataclass(frozen=True)
class TreeCheck:
    """The stored tree against the chain: the leaves checked, and the first problem (None: every
    node and leaf index holds) with the log position of the first event it concerns."""

    size: int
    problem: str | None = None
    position: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def check_inclusion(leaf_index: int, size: int) -> None:
    if leaf_index < 0:
        raise ProofRequestError("leafIndex", f"{leaf_index} is negative")
    if leaf_index >= size:
        raise ProofRequestError("leafIndex", f"{leaf_index} is not below treeSize {size}")


def check_consistency(m: int, n: int) -> None:
    if m < 0:
        raise ProofRequestError("fromSize", f"{m} is negative")
    if m > n:
        raise ProofRequestError("fromSize", f"{m} is larger than toSize {n}")


def check_size(field: str, size: int, tree_size: int) -> None:
    if size < 0:
        raise ProofRequestError(field, f"{size} is negative")
    if size > tree_size:
        raise ProofRequestError(field, f"{size} is past the tree, which has {tree_size} leaves")


def getter(found: dict[NodeId, bytes]) -> merkle.GetNode:
    def get(node: NodeId) -> bytes:
        if node not in found:
            raise TreeError(f"the tree lacks node {node}")
        return found[node]

    return get


class TreeReads:
    def __init__(self, store: TreeStore) -> None:
        self.store = store
        names = store.names
        size = store.size_sql
        self.checkpoint_statement = store.frontier_query()
        self.nodes_statement = SQL(
            "WITH s AS MATERIALIZED (SELECT {size} AS n) "
            "SELECT s.n, q.level, q.node_index, (SELECT m.hash FROM {schema}.{merkle} m "
            "WHERE m.level = q.level AND m.node_index = q.node_index) "
            "FROM s LEFT JOIN unnest(%s::smallint[], %s::bigint[]) AS q(level, node_index) ON true"
        ).format(size=size, **names)
        self.leaf_statement = SQL(
            "SELECT leaf_index FROM {schema}.{chain} WHERE notification_id = %s"
        ).format(**names)
        self.position_statement = SQL(
            "SELECT notification_id FROM {schema}.{chain} WHERE leaf_index = %s"
        ).format(**names)

    def checkpoint(self, conn: psycopg.Connection[Any]) -> TreeHead:
        """The tree's size and root now."""
        size, found = self._fetch(conn, self.checkpoint_statement)
        return TreeHead(size, merkle.root(size, getter(found)))

    def nodes(
        self, conn: psycopg.Connection[Any], ids: Sequence[NodeId]
    ) -> tuple[int, dict[NodeId, bytes]]:
        """The tree's size and the stored nodes `ids` (those it has)."""
        params = ([level for level, _ in ids], [index for _, index in ids])
        return self._fetch(conn, self.nodes_statement, params)

    def root(self, conn: psycopg.Connection[Any], size: int) -> bytes:
        """The root of the tree when it had `size` leaves."""
        tree_size, found = self.nodes(conn, merkle.root_nodes(max(size, 0)))
        check_size("treeSize", size, tree_size)
        return merkle.root(size, getter(found))

    def inclusion(
        self, conn: psycopg.Connection[Any], leaf_index: int, size: int
    ) -> InclusionProof:
        check_inclusion(leaf_index, size)
        leaf: NodeId = (0, leaf_index)
        tree_size, found = self.nodes(conn, [leaf, *merkle.inclusion_nodes(leaf_index, size)])
        check_size("treeSize", size, tree_size)
        get = getter(found)
        return InclusionProof(
            leaf_index, size, get(leaf), merkle.inclusion_proof(leaf_index, size, get)
        )

    def consistency(self, conn: psycopg.Connection[Any], m: int, n: int) -> ConsistencyProof:
        check_consistency(m, n)
        tree_size, found = self.nodes(conn, merkle.consistency_nodes(m, n))
        check_size("toSize", n, tree_size)
        return ConsistencyProof(m, n, merkle.consistency_proof(m, n, getter(found)))

    def leaf_index_of(self, conn: psycopg.Connection[Any], position: int) -> int | None:
        return self._one(conn, self.leaf_statement, position)

    def position_of_leaf(self, conn: psycopg.Connection[Any], leaf_index: int) -> int | None:
        return self._one(conn, self.position_statement, leaf_index)

    def check(
        self, conn: psycopg.Connection[Any], progress: Callable[[int], None] | None = None
    ) -> TreeCheck:
        """Recompute every node from the chain's digests in log order and compare it with the
        stored one, a batch of events at a time, in one snapshot (constant memory)."""
        with snapshot(conn):
            tree = Frontier()
            for ids, digests, leaves in self.store.chain_batches(conn, 0):
                problem = self._check_batch(conn, tree, ids, digests, leaves)
                if problem is not None:
                    return problem
                if progress:
                    progress(tree.size)
            return self._check_count(conn, tree.size)

    def _check_batch(
        self,
        conn: psycopg.Connection[Any],
        tree: Frontier,
        ids: list[int],
        digests: list[bytes],
        leaves: list[int | None],
    ) -> TreeCheck | None:
        first = tree.size
        for offset, leaf in enumerate(leaves):
            if leaf != first + offset:
                problem = f"the event is leaf {leaf} of the tree, not {first + offset}"
                return TreeCheck(first + offset, problem, ids[offset])
        nodes = tree.append(digests)
        _, found = self.nodes(conn, [(level, index) for level, index, _ in nodes])
        for level, index, hashed in nodes:
            if found.get((level, index)) != hashed:
                covered = (index << level, ((index + 1) << level) - 1)
                problem = (
                    f"node ({level}, {index}) of the tree (leaves {covered[0]} to "
                    f"{covered[1]}) is {'altered' if (level, index) in found else 'missing'}"
                )
                return TreeCheck(first, problem, self.position_of_leaf(conn, covered[0]))
        return None

    def _check_count(self, conn: psycopg.Connection[Any], size: int) -> TreeCheck:
        with conn.cursor(row_factory=tuple_row) as curs:
            row = curs.execute(self.store.count_statement).fetchone()
        nodes = int(row[0]) if row else 0
        if nodes != 2 * size - size.bit_count():
            problem = (
                f"the tree holds {nodes} nodes; {size} leaves make {2 * size - size.bit_count()}"
            )
            return TreeCheck(size, problem)
        return TreeCheck(size)

    @staticmethod
    def _fetch(
        conn: psycopg.Connection[Any], statement: Any, params: Any = None
    ) -> tuple[int, dict[NodeId, bytes]]:
        with conn.cursor(row_factory=tuple_row) as curs:
            rows = curs.execute(statement, params).fetchall()
        found = {(int(r[1]), int(r[2])): bytes(r[3]) for r in rows if r[3] is not None}
        return int(rows[0][0]), found

    @staticmethod
    def _one(conn: psycopg.Connection[Any], statement: Any, value: int) -> int | None:
        with conn.cursor(row_factory=tuple_row) as curs:
            row = curs.execute(statement, (value,)).fetchone()
        return None if row is None or row[0] is None else int(row[0])


class LedgerTree:
    """The tree's reads for the ledger's own callers (the CLI, checkpoints, tests), each on a
    connection of the writer's pool: `Ledger.tree`."""

    def __init__(self, connect: Connect, reads: TreeReads) -> None:
        self.connect = connect
        self.reads = reads

    def checkpoint(self) -> TreeHead:
        with self.connect() as conn:
            return self.reads.checkpoint(conn)

    def root(self, size: int) -> bytes:
        with self.connect() as conn:
            return self.reads.root(conn, size)

    def inclusion_proof(self, leaf_index: int, size: int) -> InclusionProof:
        with self.connect() as conn:
            return self.reads.inclusion(conn, leaf_index, size)

    def consistency_proof(self, m: int, n: int) -> ConsistencyProof:
        with self.connect() as conn:
            return self.reads.consistency(conn, m, n)

    def leaf_index_of(self, position: int) -> int | None:
        """The leaf index of the event at this log position (None: no such event)."""
        with self.connect() as conn:
            return self.reads.leaf_index_of(conn, position)

    def position_of_leaf(self, leaf_index: int) -> int | None:
        with self.connect() as conn:
            return self.reads.position_of_leaf(conn, leaf_index)

    def check(self, progress: Callable[[int], None] | None = None) -> TreeCheck:
        """Every stored node and leaf index against the chain's digests (O(n))."""
        with self.connect() as conn:
            return self.reads.check(conn, progress)
