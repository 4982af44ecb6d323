"""The hash chain in PostgreSQL: a table beside the log (`{events}_chain`: position, digest,
leaf index), written by the recorder in the same transaction as the events, under the log's
EXCLUSIVE lock, so the chain follows commit order and is never rewritten; read back for the
projector's check, the API's digests, `govledger verify` and `export`. Every path that writes
the chain (a recording, the backfill of a log older than the chain, a restore) appends the
digests to the log's Merkle tree (ledger/integrity/tree.py) in the same transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
import psycopg
from psycopg.pq import TransactionStatus
from psycopg.sql import SQL, Composed, Identifier

from domain.proofs.chain import GENESIS, ChainedEvent, Checked, chain, chain_recorded, check
from ledger.integrity.tree import Frontier, TreeState, TreeStore, node_columns

RECORDED_AT_SETTING = "govledger.recorded_at"
READ_BATCH = 2000


@dataclass(frozen=True)
class Head:
    position: int
    recorded_at: datetime
    digest: str
    leaf_index: int | None = None


def chained(row: Sequence[Any]) -> ChainedEvent:
    """A log row (position, recorded_at, subject, version, topic, state) as the chain sees it."""
    position, recorded_at, subject, version, topic, state = row[:6]
    return ChainedEvent(
        int(position), recorded_at, UUID(str(subject)), int(version), topic, orjson.loads(state)
    )


class ChainStore:
    def __init__(self, schema: str, events_table: str) -> None:
        names = {
            "schema": Identifier(schema),
            "events": Identifier(events_table),
            "chain": Identifier(f"{events_table}_chain"),
        }
        self.tree = TreeStore(schema, events_table)
        self.create_statements: list[Composed] = [
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{chain} ("
                "notification_id bigint PRIMARY KEY, digest bytea NOT NULL)"
            ).format(**names),
            *self.tree.create_statements,
        ]
        self.tip_statement = self.tree.state_query(
            SQL(", current_setting('{setting}')::timestamptz AS recorded_at").format(
                setting=SQL(RECORDED_AT_SETTING)
            )
        )
        self.insert_statement = SQL(
            "WITH chained AS (INSERT INTO {schema}.{chain} (notification_id, digest, leaf_index) "
            "SELECT * FROM unnest(%b::bigint[], %b::bytea[], %b::bigint[])) {nodes}"
        ).format(nodes=self.tree.insert_nodes_sql, **names)
        self.range_statement = SQL(
            "SELECT e.notification_id, e.recorded_at, e.originator_id, e.originator_version, "
            "e.topic, e.state, c.digest, c.leaf_index FROM {schema}.{events} e "
            "LEFT JOIN {schema}.{chain} c USING (notification_id) "
            "WHERE e.notification_id > %s AND e.notification_id <= %s "
            "ORDER BY e.notification_id"
        ).format(**names)
        self.before_statement = SQL(
            "SELECT digest FROM {schema}.{chain} WHERE notification_id < %s "
            "ORDER BY notification_id DESC LIMIT 1"
        ).format(**names)
        self.position_statement = SQL(
            "SELECT notification_id FROM {schema}.{chain} WHERE digest = %s "
            "ORDER BY notification_id LIMIT 1"
        ).format(**names)
        self.head_statement = SQL(
            "SELECT c.notification_id, e.recorded_at, c.digest, c.leaf_index "
            "FROM {schema}.{chain} c JOIN {schema}.{events} e USING (notification_id) "
            "WHERE c.notification_id <= %s ORDER BY c.notification_id DESC LIMIT 1"
        ).format(**names)
        self.behind_statement = SQL(
            "SELECT (SELECT max(notification_id) FROM {schema}.{events}) > "
            "COALESCE((SELECT max(notification_id) FROM {schema}.{chain}), 0)"
        ).format(**names)
        self.unchained_statement = SQL(
            "SELECT min(e.notification_id) FROM {schema}.{events} e "
            "WHERE NOT EXISTS (SELECT 1 FROM {schema}.{chain} c "
            "WHERE c.notification_id = e.notification_id)"
        ).format(**names)
        self.delete_from_statement = SQL(
            "DELETE FROM {schema}.{chain} WHERE notification_id >= %s"
        ).format(**names)
        self.lock_statement = SQL("LOCK TABLE {schema}.{events} IN EXCLUSIVE MODE").format(**names)
        self.copy_events_statement = SQL(
            "COPY {schema}.{events} (notification_id, originator_id, originator_version, topic, "
            "state, recorded_at) FROM STDIN"
        ).format(**names)
        self.copy_chain_statement = SQL(
            "COPY {schema}.{chain} (notification_id, digest, leaf_index) FROM STDIN"
        ).format(**names)
        self.sequence_statement = SQL(
            "SELECT setval(pg_get_serial_sequence(%s, 'notification_id'), "
            "(SELECT max(notification_id) FROM {schema}.{events}))"
        ).format(**names)
        self.events_name = f"{schema}.{events_table}"
        self.max_statement = SQL("SELECT max(notification_id) FROM {schema}.{events}").format(
            **names
        )

    def stamp(
        self, curs: psycopg.Cursor[Any], ids: Sequence[int], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        """Chain events just inserted under the lock and append them to the tree: `rows` are
        (subject, version, topic, data: the stored state decoded) in the order of `ids`; their
        recorded time is the transaction's. Two round trips: the chain's tip with the tree's
        frontier, then the chain's rows with the tree's nodes."""
        recorded_at, tree = self._tip(curs)
        if not tree.in_step:  # a tree left behind by a writer that lacked it
            self.tree.catch_up(curs.connection)
            recorded_at, tree = self._tip(curs)
        previous = GENESIS if tree.digest is None else tree.digest.hex()
        events = (
            (position, subject, version, topic, data)
            for position, (subject, version, topic, data) in zip(ids, rows, strict=True)
        )
        digests = [bytes.fromhex(d) for d in chain_recorded(events, recorded_at, previous)]
        self._insert(curs, list(ids), digests, tree.frontier())

    def _tip(self, curs: psycopg.Cursor[Any]) -> tuple[datetime, TreeState]:
        """The transaction's recorded time, and the chain's tip with the tree's frontier."""
        rows = [_values(row) for row in curs.execute(self.tip_statement).fetchall()]
        return rows[0][6], TreeState.of(rows)

    def _insert(
        self, curs: psycopg.Cursor[Any], ids: list[int], digests: list[bytes], tree: Frontier
    ) -> None:
        """Insert chain rows with their leaf indices, and the tree's nodes they complete."""
        leaves = list(range(tree.size, tree.size + len(ids)))
        nodes = tree.append(digests)
        curs.execute(self.insert_statement, (ids, digests, leaves, *node_columns(nodes)))

    def rows(
        self, conn: psycopg.Connection[Any], after: int, upto: int
    ) -> Iterator[tuple[ChainedEvent, str | None]]:
        """Every event after `after` up to `upto` with its stored digest (None: unchained)."""
        for row in self.raw_rows(conn, after, upto):
            yield chained(row), row_digest(row[6])

    def raw_rows(
        self, conn: psycopg.Connection[Any], after: int, upto: int
    ) -> Iterator[Sequence[Any]]:
        """The log's rows after `after` up to `upto` as stored, each with its digest, read
        through one server-side cursor (within the caller's transaction)."""
        with conn.cursor(name="chain_rows") as cursor:
            cursor.itersize = READ_BATCH
            cursor.execute(self.range_statement, (after, upto))
            for row in cursor:
                yield _values(row)

    def position_of(self, conn: psycopg.Connection[Any], digest: str) -> int | None:
        row = conn.execute(self.position_statement, (bytes.fromhex(digest),)).fetchone()
        return None if row is None else int(_values(row)[0])

    def digest_before(self, conn: psycopg.Connection[Any], position: int) -> str:
        row = conn.execute(self.before_statement, (position,)).fetchone()
        return GENESIS if row is None else bytes(_values(row)[0]).hex()

    def head(self, conn: psycopg.Connection[Any], upto: int = 2**62) -> Head | None:
        row = conn.execute(self.head_statement, (upto,)).fetchone()
        if row is None:
            return None
        position, recorded_at, digest, leaf = _values(row)
        return Head(int(position), recorded_at, bytes(digest).hex(), leaf)

    def backfill(
        self, conn: psycopg.Connection[Any], progress: Callable[[int, int], None] | None = None
    ) -> int:
        """Chain the events recorded before the chain existed (an upgraded data dir), from the
        first one without a digest, and build the tree over the digests it lacks, under the
        log's lock. Returns how many events were chained."""
        with conn.transaction():
            start = self._first_unchained(conn)
            if start is None and self.tree.state(conn).in_step:
                return 0
            conn.execute(self.lock_statement)
            if start is not None:
                conn.execute(self.delete_from_statement, (start,))
            self.tree.catch_up(conn)
            return 0 if start is None else self._chain_from(conn, start, progress)

    def _first_unchained(self, conn: psycopg.Connection[Any]) -> int | None:
        if not _values(conn.execute(self.behind_statement).fetchone() or (False,))[0]:
            return None
        first = conn.execute(self.unchained_statement).fetchone()
        start = None if first is None else _values(first)[0]
        return None if start is None else int(start)

    def _chain_from(
        self,
        conn: psycopg.Connection[Any],
        start: int,
        progress: Callable[[int, int], None] | None,
    ) -> int:
        upto = int(_values(conn.execute(self.max_statement).fetchone())[0])
        previous = self.digest_before(conn, start)
        tree = self.tree.state(conn).frontier()
        done = 0
        with conn.cursor() as curs:
            for batch in _batches(self.rows(conn, start - 1, upto)):
                events = [event for event, _ in batch]
                digests = list(chain(events, previous))
                previous = digests[-1]
                ids = [event.position for event in events]
                self._insert(curs, ids, [bytes.fromhex(d) for d in digests], tree)
                done += len(batch)
                if progress:
                    progress(done, upto)
        return done

    def load(
        self,
        conn: psycopg.Connection[Any],
        rows: Iterator[tuple[tuple[Any, ...], bytes]],
        tree: Frontier,
    ) -> int:
        """COPY log rows (position, subject, version, topic, state, recorded_at) with their
        digests, as they were (a restore), and the tree's nodes they complete (`tree`: the
        tree's right edge before them)."""
        positions: list[int] = []
        digests: list[bytes] = []
        with conn.cursor().copy(self.copy_events_statement) as copy:
            for row, digest in rows:
                copy.write_row(row)
                positions.append(row[0])
                digests.append(digest)
        first = tree.size
        with conn.cursor().copy(self.copy_chain_statement) as copy:
            for leaf, (position, digest) in enumerate(zip(positions, digests, strict=True), first):
                copy.write_row((position, digest, leaf))
        self.tree.copy(conn, tree.append(digests))
        return len(positions)

    def after_load(self, conn: psycopg.Connection[Any]) -> None:
        conn.execute(self.sequence_statement, (self.events_name,))


@contextmanager
def snapshot(conn: psycopg.Connection[Any]) -> Iterator[None]:
    """A transaction that reads from one snapshot when it is new (within a caller's open
    transaction, the caller's)."""
    fresh = conn.info.transaction_status == TransactionStatus.IDLE
    with conn.transaction():
        if fresh:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def row_digest(value: Any) -> str | None:
    return None if value is None else bytes(value).hex()


def _values(row: Any) -> Sequence[Any]:
    return list(row.values()) if isinstance(row, dict) else list(row)


def _batches(
    items: Iterator[tuple[ChainedEvent, str | None]], size: int = READ_BATCH
) -> Iterator[list[tuple[ChainedEvent, str | None]]]:
    batch: list[tuple[ChainedEvent, str | None]] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def verify_live(
    conn: psycopg.Connection[Any],
    store: ChainStore,
    upto: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Checked:
    """Recompute the live chain from the first event up to `upto` (the head by default), in
    one snapshot, and compare it with the stored digests."""
    with snapshot(conn):
        head = conn.execute(store.max_statement).fetchone()
        last = int(_values(head)[0] or 0) if head else 0
        end = last if upto is None else min(upto, last)
        rows = ((event, stored, None) for event, stored in store.rows(conn, 0, end))
        if progress is None:
            return check(rows)
        return check(_counted(rows, end, progress))


def _counted(
    rows: Iterator[tuple[ChainedEvent, str | None, None]],
    end: int,
    progress: Callable[[int, int], None],
) -> Iterator[tuple[ChainedEvent, str | None, None]]:
    for number, row in enumerate(rows, 1):
        yield row
        if number % READ_BATCH == 0:
            progress(row[0].position, end)
    progress(end, end)
