"""The log's Merkle tree (RFC 9162 §2.1; domain/proofs/merkle.py) in PostgreSQL, written beside the
hash chain (ledger/integrity/chain.py) in the same transaction, under the log's EXCLUSIVE lock.

`{events}_merkle (level, node_index, hash)` holds every complete subtree once, insert-only: node
(level, index) is the hash of leaves [index * 2**level, (index + 1) * 2**level), level 0 the leaf
hashes. Leaf i's data is the 32-byte chain digest of event i, i being the event's ordinal in the
log from 0 (not its position: positions have gaps); `{events}_chain.leaf_index` keeps each
event's i. The tree's size is the number of leaves; its frontier (the nodes an append reads) is
one index probe per set bit of the size, so the writer reads it in the query that reads the
chain's tip."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Composable, Composed, Identifier, Literal

from domain.proofs.merkle import EMPTY_ROOT, HASH_SIZE, node_hash

log = logging.getLogger(__name__)
LEVELS = 63
"""Levels a tree of at most 2**63 - 1 leaves (a bigint) can have."""
READ_BATCH = 2000
NOTHING = SQL("")
StoredNode = tuple[int, int, bytes]
"""(level, node_index, hash): a row of the tree's table."""

_sha256 = hashlib.sha256


class TreeError(Exception):
    """The stored tree lacks a node it must have (a table altered by hand)."""


@dataclass
class Frontier:
    """The right edge of a tree while leaves are appended: the hashes of
    `domain.merkle.frontier(size)` (the perfect subtrees of the size's binary decomposition),
    largest first. Constant memory (at most 63 hashes), however many leaves stream through."""

    size: int = 0
    edge: list[bytes] = field(default_factory=list)

    def append(self, digests: Sequence[bytes]) -> list[StoredNode]:
        """Append leaves (32-byte chain digests); the nodes they complete, each leaf followed
        by the parents it completes (as `domain.merkle.append` returns them)."""
        completed: list[StoredNode] = []
        edge, index = self.edge, self.size
        for data in digests:
            node = _sha256(b"\x00" + data).digest()
            completed.append((0, index, node))
            level, at = 0, index
            while at & 1:
                node = _sha256(b"\x01" + edge.pop() + node).digest()
                level, at = level + 1, at >> 1
                completed.append((level, at, node))
            edge.append(node)
            index += 1
        self.size = index
        return completed

    def push(self, level: int, node: bytes) -> None:
        """Append a perfect subtree of 2**level leaves by its hash (the size is a multiple of
        2**level: see `subtrees`)."""
        edge, at = self.edge, self.size >> level
        while at & 1:
            node = _sha256(b"\x01" + edge.pop() + node).digest()
            at >>= 1
        edge.append(node)
        self.size += 1 << level

    def fold(self, leaf_hashes: bytes) -> None:
        """Append leaves given as their hashes (32 bytes each, concatenated), keeping no node."""
        edge, index = self.edge, self.size
        for start in range(0, len(leaf_hashes), HASH_SIZE):
            node, at = leaf_hashes[start : start + HASH_SIZE], index
            while at & 1:
                node = _sha256(b"\x01" + edge.pop() + node).digest()
                at >>= 1
            edge.append(node)
            index += 1
        self.size = index

    def root(self) -> bytes:
        """MTH of the leaves appended so far (RFC 9162 §2.1.1)."""
        if not self.edge:
            return EMPTY_ROOT
        result = self.edge[-1]
        for node in reversed(self.edge[:-1]):
            result = node_hash(node, result)
        return result


def subtrees(first: int, hashes: Sequence[bytes]) -> list[tuple[int, bytes]]:
    """Leaves `first`, `first` + 1, ... of a tree (given as their hashes) as the
    perfect subtrees they make, largest possible first, each (level, hash): pushed in order on
    the frontier of a tree of `first` leaves (`Frontier.push`), they append the leaves. Each
    leaf is hashed into exactly one subtree, so a worker that knows where its leaves start does
    the hashing of their nodes, and the tree's frontier takes O(log n) pushes."""
    found: list[tuple[int, bytes]] = []
    start, end, taken = first, first + len(hashes), 0
    while start < end:
        level = LEVELS - 1 if start == 0 else (start & -start).bit_length() - 1
        while 1 << level > end - start:
            level -= 1
        found.append((level, _perfect(list(hashes[taken : taken + (1 << level)]))))
        start, taken = start + (1 << level), taken + (1 << level)
    return found


def _perfect(nodes: list[bytes]) -> bytes:
    """MTH of a power-of-two number of leaf hashes."""
    while len(nodes) > 1:
        nodes = [
            _sha256(b"\x01" + nodes[at] + nodes[at + 1]).digest() for at in range(0, len(nodes), 2)
        ]
    return nodes[0]


def leaf_hash(digest: bytes) -> bytes:
    return _sha256(b"\x00" + digest).digest()


def node_columns(nodes: Sequence[StoredNode]) -> tuple[list[int], list[int], list[bytes]]:
    """Nodes as the three arrays an unnest INSERT takes."""
    return [n[0] for n in nodes], [n[1] for n in nodes], [n[2] for n in nodes]


@dataclass(frozen=True)
class TreeState:
    """The chain's last digest and leaf index beside the tree's size and frontier, read at once:
    the tree is in step when the chain's last event is its last leaf."""

    digest: bytes | None
    chain_leaf: int | None
    size: int
    edge: list[bytes]

    @classmethod
    def of(cls, rows: Sequence[Sequence[Any]]) -> TreeState:
        """From the rows of `TreeStore.state_query`: (size, level, index, hash, digest, leaf)."""
        size, digest, chain_leaf = rows[0][0], rows[0][4], rows[0][5]
        edge = [bytes(row[3]) for row in rows if row[3] is not None]
        return cls(
            None if digest is None else bytes(digest),
            None if chain_leaf is None else int(chain_leaf),
            int(size),
            edge,
        )

    @property
    def in_step(self) -> bool:
        complete = len(self.edge) == self.size.bit_count()
        if self.digest is None:
            return self.size == 0
        return complete and self.chain_leaf == self.size - 1

    def frontier(self) -> Frontier:
        if len(self.edge) != self.size.bit_count():
            raise TreeError(f"the tree of {self.size} leaves lacks nodes of its right edge")
        return Frontier(self.size, list(self.edge))


class TreeStore:
    def __init__(self, schema: str, events_table: str) -> None:
        chain = f"{events_table}_chain"
        names = {
            "schema": Identifier(schema),
            "chain": Identifier(chain),
            "merkle": Identifier(f"{events_table}_merkle"),
            "leaf_key": Identifier(f"{chain}_leaf_index_key"),
            "schema_name": Literal(schema),
            "chain_name": Literal(chain),
        }
        self.create_statements: list[Composed] = [
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{merkle} ("
                "level smallint NOT NULL, node_index bigint NOT NULL, "
                "hash bytea NOT NULL CHECK (length(hash) = 32), PRIMARY KEY (level, node_index))"
            ).format(**names),
            # Only when the column is missing: an ALTER would wait for every reader of the chain.
            SQL(
                "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.columns "
                "WHERE table_schema = {schema_name} AND table_name = {chain_name} "
                "AND column_name = 'leaf_index') THEN "
                "ALTER TABLE {schema}.{chain} ADD COLUMN leaf_index bigint; "
                "CREATE UNIQUE INDEX {leaf_key} ON {schema}.{chain} (leaf_index); "
                "END IF; END $$"
            ).format(**names),
        ]
        self.size_sql = SQL(
            "(SELECT COALESCE(max(node_index) + 1, 0) FROM {schema}.{merkle} WHERE level = 0)"
        ).format(**names)
        self.names = names
        self.insert_nodes_sql = SQL(
            "INSERT INTO {schema}.{merkle} (level, node_index, hash) "
            "SELECT * FROM unnest(%b::smallint[], %b::bigint[], %b::bytea[])"
        ).format(**names)
        self.state_statement = self.state_query()
        self.kept_statement = SQL(
            "SELECT notification_id, leaf_index FROM {schema}.{chain} "
            "WHERE leaf_index IS NOT NULL AND leaf_index < %s ORDER BY leaf_index DESC LIMIT 1"
        ).format(**names)
        self.truncate_statements = (
            SQL(
                "DELETE FROM {schema}.{merkle} m USING generate_series(0, {levels}) AS l(level) "
                "WHERE m.level = l.level AND m.node_index >= (%s::bigint >> l.level)"
            ).format(levels=Literal(LEVELS - 1), **names),
            SQL("UPDATE {schema}.{chain} SET leaf_index = NULL WHERE leaf_index >= %s").format(
                **names
            ),
        )
        self.digests_statement = SQL(
            "SELECT notification_id, digest, leaf_index FROM {schema}.{chain} "
            "WHERE notification_id > %s ORDER BY notification_id"
        ).format(**names)
        self.count_statement = SQL("SELECT count(*) FROM {schema}.{merkle}").format(**names)
        self.index_statement = SQL(
            "WITH indexed AS (UPDATE {schema}.{chain} c SET leaf_index = u.leaf "
            "FROM unnest(%b::bigint[], %b::bigint[]) AS u(id, leaf) "
            "WHERE c.notification_id = u.id) {insert}"
        ).format(insert=self.insert_nodes_sql, **names)
        self.copy_statement = SQL(
            "COPY {schema}.{merkle} (level, node_index, hash) FROM STDIN"
        ).format(**names)

    def frontier_query(
        self, extra: Composable = NOTHING, ctes: Composable = NOTHING, joins: Composable = NOTHING
    ) -> Composed:
        """A query of the tree's size and the level, index and hash of each node of its
        frontier (`domain.merkle.frontier`: for each set bit `level` of the size, node (level,
        (size >> level) - 1)), then `extra` columns (from more `ctes` and `joins`): one row per
        node, largest first, or one row with nulls for an empty tree; a hash is null where the
        node is missing. One index probe per node, whatever the plan."""
        return SQL(
            "WITH s AS MATERIALIZED (SELECT {size} AS n){ctes} "
            "SELECT s.n AS tree_size, l.level AS edge_level, (s.n >> l.level) - 1 AS edge_index, "
            "(SELECT m.hash FROM {schema}.{merkle} m WHERE m.level = l.level "
            "AND m.node_index = (s.n >> l.level) - 1) AS edge_hash{extra} "
            "FROM s {joins} LEFT JOIN generate_series(0, {levels}) AS l(level) "
            "ON (s.n >> l.level) & 1 = 1 ORDER BY l.level DESC"
        ).format(
            size=self.size_sql,
            extra=extra,
            ctes=ctes,
            joins=joins,
            levels=Literal(LEVELS - 1),
            **self.names,
        )

    def state_query(self, extra: Composable = NOTHING) -> Composed:
        """`frontier_query` with the chain's last digest and leaf index, then `extra`."""
        return self.frontier_query(
            SQL(", t.digest AS tip_digest, t.leaf_index AS tip_leaf{extra}").format(extra=extra),
            SQL(
                ", t AS MATERIALIZED (SELECT digest, leaf_index FROM {schema}.{chain} "
                "ORDER BY notification_id DESC LIMIT 1)"
            ).format(**self.names),
            SQL("LEFT JOIN t ON true"),
        )

    def state(self, conn: psycopg.Connection[Any]) -> TreeState:
        with conn.cursor(row_factory=tuple_row) as curs:
            return TreeState.of(curs.execute(self.state_statement).fetchall())

    def catch_up(self, conn: psycopg.Connection[Any]) -> int:
        """Append the chain's digests the tree lacks (a ledger recorded before the tree
        existed), streaming: within the caller's transaction, which holds the log's lock.
        Returns how many leaves were appended."""
        state = self.state(conn)
        if state.in_step:
            return 0
        after, frontier = self._kept(conn, state.size)
        built = 0
        with conn.cursor(row_factory=tuple_row) as curs:
            for ids, digests, _ in self.chain_batches(conn, after):
                leaves = list(range(frontier.size, frontier.size + len(ids)))
                nodes = frontier.append(digests)
                curs.execute(self.index_statement, (ids, leaves, *node_columns(nodes)))
                built += len(ids)
        if built:
            log.warning(
                "upgrade: built the log's Merkle tree (RFC 9162) over %d events it lacked; "
                "it now has %d leaves",
                built,
                frontier.size,
            )
        return built

    def _kept(self, conn: psycopg.Connection[Any], size: int) -> tuple[int, Frontier]:
        """Keep the leaves of the chain's events that have theirs (cut the tree back to them)
        and return the last such event's position with the tree's frontier; or start over when
        that frontier is incomplete."""
        with conn.cursor(row_factory=tuple_row) as curs:
            row = curs.execute(self.kept_statement, (size,)).fetchone()
            after, keep = (0, 0) if row is None else (int(row[0]), int(row[1]) + 1)
            self.truncate(conn, keep)
            state = self.state(conn)
            if state.size == keep and len(state.edge) == keep.bit_count():
                return after, state.frontier()
            self.truncate(conn, 0)
            return 0, Frontier()

    def truncate(self, conn: psycopg.Connection[Any], size: int) -> None:
        """Cut the tree back to its first `size` leaves: the nodes of later leaves go, and the
        chain's events lose those leaf indices (only ever before they are written again)."""
        with conn.cursor(row_factory=tuple_row) as curs:
            for statement in self.truncate_statements:
                curs.execute(statement, (size,))

    def chain_batches(
        self, conn: psycopg.Connection[Any], after: int
    ) -> Iterator[tuple[list[int], list[bytes], list[int | None]]]:
        """The chain's positions, digests and leaf indices after position `after`, in log
        order, a batch at a time (one server-side cursor, in the caller's transaction)."""
        with conn.cursor(name="tree_digests", row_factory=tuple_row) as cursor:
            cursor.itersize = READ_BATCH
            cursor.execute(self.digests_statement, (after,))
            while rows := cursor.fetchmany(READ_BATCH):
                yield (
                    [int(row[0]) for row in rows],
                    [bytes(row[1]) for row in rows],
                    [row[2] for row in rows],
                )

    def copy(self, conn: psycopg.Connection[Any], nodes: Sequence[StoredNode]) -> None:
        """COPY nodes in (a restore)."""
        with conn.cursor().copy(self.copy_statement) as copy:
            for node in nodes:
                copy.write_row(node)
