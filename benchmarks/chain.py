"""Benchmark: what the hash chain and the Merkle tree cost, and how fast an export is written,
verified and restored.

Starts embedded PostgreSQL servers in temporary directories and measures

  (a) recording through the command path (benchmarks/write.py's commands: staffing tables of
      --rows lines, monthly, 2% corrections) into three ledgers in turns, chunk by chunk: one
      chains each event and appends it to the tree as it is recorded (as govledger does), one
      chains it only (the recording of issue 12: the tree's table and leaf index dropped), and
      one has the stamping switched off; the costs are the ratios of their seconds per event
      (targets: the chain at most 1.10, the chain and the tree at most 1.15, against neither);
  (b) `export` of the first ledger, `verify` of the export from its files alone, its chain and
      tree (target: at least 100,000 events/s), `restore` into an empty ledger (verification
      and the tree included), the live `verify` of the chain and the check of every stored node
      of the tree (target for export and restore: at least 20,000 events/s);
  (c) the tree's size: rows and bytes per event (table and index), and the reads of a root and
      of an inclusion proof through the ledger (p50 of --proofs random proofs).

Run on demand, never by the test suite:

    .venv/bin/python benchmarks/chain.py --units 200 --months 60
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
from psycopg import sql
from rebuild import console, embedded_runtime
from rich.table import Table
from write import commands

from api.runtime import Runtime
from domain.proofs.chain import ChainedEvent, chain
from ledger.integrity.chain import verify_live
from ledger.integrity.export import export, restore, verify_export
from ledger.work import UnitOfWork


def chain_only(runtime: Runtime) -> None:
    """Make a ledger record as issue 12 did: the chain, without the tree (its table and the
    chain's leaf index dropped, the stamp of that time)."""
    store = runtime.ledger.chain_store
    table = runtime.ledger.events_table
    chain_table, merkle = sql.Identifier(f"{table}_chain"), sql.Identifier(f"{table}_merkle")
    with runtime.connect() as conn:
        conn.execute(sql.SQL("DROP TABLE {}").format(merkle))
        conn.execute(sql.SQL("ALTER TABLE {} DROP COLUMN leaf_index").format(chain_table))
        conn.commit()
    tip = sql.SQL(
        "SELECT current_setting('govledger.recorded_at')::timestamptz, "
        "(SELECT digest FROM {} ORDER BY notification_id DESC LIMIT 1)"
    ).format(chain_table)
    insert = sql.SQL(
        "INSERT INTO {} (notification_id, digest) SELECT * FROM unnest(%s::bigint[], %s::bytea[])"
    ).format(chain_table)

    def stamp(curs: Any, ids: Sequence[int], rows: Sequence[tuple[Any, ...]]) -> None:
        recorded_at, previous = list(curs.execute(tip).fetchone().values())
        events = [
            ChainedEvent(position, recorded_at, subject, version, topic, orjson.loads(state))
            for position, (subject, version, topic, state) in zip(ids, rows, strict=True)
        ]
        start = "0" * 64 if previous is None else bytes(previous).hex()
        digests = [bytes.fromhex(d) for d in chain(events, start)]
        curs.execute(insert, (list(ids), digests))

    store.stamp = stamp  # type: ignore[method-assign]


def record_in_turns(
    runtimes: list[Runtime], items: list[Any], chunk: int
) -> tuple[int, list[float]]:
    """Record the same commands into each ledger, a chunk at a time, in a rotating order;
    the seconds each took, and the events the first recorded."""
    works = [UnitOfWork(runtime.ledger) for runtime in runtimes]
    seconds = [0.0] * len(works)
    events = 0
    for n, start in enumerate(range(0, len(items), chunk)):
        part = items[start : start + chunk]
        for slot in [(n + k) % len(works) for k in range(len(works))]:
            began = time.perf_counter()
            outcomes = works[slot].execute(part)
            seconds[slot] += time.perf_counter() - began
            if slot == 0:
                events += sum(len(o.notification_ids) for o in outcomes)
    return events, seconds


def chain_bytes(runtime: Runtime) -> int:
    """The chain's table with its indexes, in bytes."""
    name = sql.Literal(f"{runtime.ledger.events_table}_chain")
    with runtime.connect() as conn:
        row = conn.execute(sql.SQL("SELECT pg_total_relation_size({})").format(name)).fetchone()
    return int(row[0]) if row else 0


def tree_figures(runtime: Runtime, proofs: int) -> dict[str, float]:
    """Rows and bytes of the tree per event, and the time of a root and of a proof read."""
    table = runtime.ledger.events_table
    with runtime.connect() as conn:
        row = conn.execute(
            sql.SQL(
                "SELECT (SELECT count(*) FROM {}), pg_total_relation_size({}), "
                "pg_total_relation_size({})"
            ).format(
                sql.Identifier(f"{table}_merkle"),
                sql.Literal(f"{table}_merkle"),
                sql.Literal(f"{table}_chain_leaf_index_key"),
            )
        ).fetchone()
    assert row is not None
    tree = runtime.ledger.tree
    size = tree.checkpoint().size
    _, root_s = timed(lambda: [tree.checkpoint() for _ in range(proofs)])
    rng = random.Random(1)
    times = []
    for _ in range(proofs):
        index = rng.randrange(size)
        began = time.perf_counter()
        tree.inclusion_proof(index, size)
        times.append(time.perf_counter() - began)
    return {
        "rows": row[0] / size,
        "bytes": row[1] / size,
        "index bytes": row[2] / size,
        "root ms": root_s / proofs * 1000,
        "proof ms": statistics.median(times) * 1000,
    }


def timed(work) -> tuple[object, float]:  # type: ignore[no-untyped-def]
    began = time.perf_counter()
    result = work()
    return result, time.perf_counter() - began


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=200, help="org units (200)")
    parser.add_argument("--months", type=int, default=60, help="monthly tables per unit (60)")
    parser.add_argument("--rows", type=int, default=10, help="lines per staffing table (10)")
    parser.add_argument("--chunk", type=int, default=500, help="commands per transaction")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--proofs", type=int, default=500, help="proofs read (500)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    items = commands(args.units, args.months, args.rows, args.seed)

    with (
        embedded_runtime() as treed,
        embedded_runtime() as chained,
        embedded_runtime() as plain,
        embedded_runtime() as target,
    ):
        chain_only(chained)
        plain.ledger.ledger_recorder.chain.stamp = lambda *args: None  # type: ignore[method-assign]
        events, (tree_s, chain_s, plain_s) = record_in_turns(
            [treed, chained, plain], items, args.chunk
        )
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "export"
            with treed.connect() as conn:
                _, export_s = timed(lambda: export(conn, treed.ledger.chain_store, folder, None))
                checked, live_s = timed(lambda: verify_live(conn, treed.ledger.chain_store))
            verified, verify_s = timed(lambda: verify_export(folder))
            with target.connect() as conn:
                _, restore_s = timed(lambda: restore(conn, target.ledger.chain_store, folder, None))
            size = sum(p.stat().st_size for p in folder.iterdir())
        tree_check, check_s = timed(lambda: treed.ledger.tree.check())
        figures = tree_figures(treed, args.proofs)
        leaf_column = (chain_bytes(treed) - chain_bytes(chained)) / events
    assert verified.ok and checked.broken is None  # type: ignore[attr-defined]
    assert tree_check.ok  # type: ignore[attr-defined]

    title = f"Hash chain and Merkle tree over {events:,} events (export {size / 2**20:,.1f} MiB)"
    table = Table(title=title)
    for column in ("measure", "seconds", "events/s", "target"):
        table.add_column(column, justify="left" if column == "measure" else "right")
    for name, seconds in (
        ("record, chain and tree", tree_s),
        ("record, chain alone", chain_s),
        ("record, neither", plain_s),
    ):
        table.add_row(name, f"{seconds:.2f}", f"{events / seconds:,.0f}", "")
    table.add_row("cost of the chain (seconds ratio)", "", f"{chain_s / plain_s:.3f}", "<= 1.10")
    table.add_row("cost of chain and tree (ratio)", "", f"{tree_s / plain_s:.3f}", "<= 1.15")
    table.add_row("cost of the tree over the chain", "", f"{tree_s / chain_s:.3f}", "")
    for name, seconds, goal in (
        ("export", export_s, "20,000"),
        ("verify an export (files alone)", verify_s, "100,000"),
        ("restore (verification included)", restore_s, "20,000"),
        ("verify the live ledger", live_s, ""),
        ("check every node of the live tree", check_s, ""),
    ):
        table.add_row(name, f"{seconds:.2f}", f"{events / seconds:,.0f}", goal)
    console.print(table)
    console.print(
        f"tree: {figures['rows']:.2f} rows and {figures['bytes']:.0f} bytes per event; the chain's "
        f"leaf index {leaf_column:.0f} bytes per event (its index alone "
        f"{figures['index bytes']:.0f}); root read "
        f"{figures['root ms']:.2f} ms, inclusion proof p50 {figures['proof ms']:.2f} ms "
        "(through the ledger, psycopg)"
    )


if __name__ == "__main__":
    main()
