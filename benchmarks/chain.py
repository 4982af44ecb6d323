"""Benchmark: what the hash chain costs, and how fast an export is written, verified and restored.

Starts embedded PostgreSQL servers in temporary directories and measures

  (a) recording through the command path (benchmarks/write.py's commands: staffing tables of
      --rows lines, monthly, 2% corrections) into two ledgers in turns, chunk by chunk: one
      chains each event as it is recorded, the other has the chain's stamping switched off;
      the cost of the chain is the ratio of their seconds per event (target: at most 1.10);
  (b) `export` of the chained ledger, `verify` of the export from its files alone (target: at
      least 100,000 events/s), `restore` into an empty ledger (verification included), and the
      live `verify` (target for export and restore: at least 20,000 events/s).

Run on demand, never by the test suite:

    .venv/bin/python benchmarks/chain.py --units 200 --months 60
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

from rebuild import console, embedded_runtime
from rich.table import Table
from write import commands

from api.runtime import Runtime
from ledger.chain_store import verify_live
from ledger.export import export, restore, verify_export
from ledger.work import UnitOfWork


def record_in_turns(
    chained: Runtime, plain: Runtime, items: list[Any], chunk: int
) -> tuple[int, float, float]:
    with_chain, without = UnitOfWork(chained.ledger), UnitOfWork(plain.ledger)
    plain.ledger.ledger_recorder.chain.stamp = lambda *args: None  # type: ignore[method-assign]
    seconds = [0.0, 0.0]
    events = 0
    for n, start in enumerate(range(0, len(items), chunk)):
        part = items[start : start + chunk]
        order = [(0, with_chain), (1, without)] if n % 2 == 0 else [(1, without), (0, with_chain)]
        for slot, work in order:
            began = time.perf_counter()
            outcomes = work.execute(part)
            seconds[slot] += time.perf_counter() - began
            if slot == 0:
                events += sum(len(o.notification_ids) for o in outcomes)
    return events, seconds[0], seconds[1]


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
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    items = commands(args.units, args.months, args.rows, args.seed)

    with embedded_runtime() as chained, embedded_runtime() as plain, embedded_runtime() as target:
        events, chain_s, plain_s = record_in_turns(chained, plain, items, args.chunk)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "export"
            with chained.connect() as conn:
                _, export_s = timed(lambda: export(conn, chained.ledger.chain_store, folder, None))
                checked, live_s = timed(lambda: verify_live(conn, chained.ledger.chain_store))
            verified, verify_s = timed(lambda: verify_export(folder))
            with target.connect() as conn:
                _, restore_s = timed(lambda: restore(conn, target.ledger.chain_store, folder, None))
            size = sum(p.stat().st_size for p in folder.iterdir())
    assert verified.ok and checked.broken is None  # type: ignore[attr-defined]

    table = Table(title=f"Hash chain over {events:,} events (export {size / 2**20:,.1f} MiB)")
    for column in ("measure", "seconds", "events/s", "target"):
        table.add_column(column, justify="left" if column == "measure" else "right")
    table.add_row("record, chained", f"{chain_s:.2f}", f"{events / chain_s:,.0f}", "")
    table.add_row("record, chain switched off", f"{plain_s:.2f}", f"{events / plain_s:,.0f}", "")
    table.add_row("cost of the chain (seconds ratio)", "", f"{chain_s / plain_s:.3f}", "<= 1.10")
    for name, seconds, goal in (
        ("export", export_s, "20,000"),
        ("verify an export (files alone)", verify_s, "100,000"),
        ("restore (verification included)", restore_s, "20,000"),
        ("verify the live ledger", live_s, ""),
    ):
        table.add_row(name, f"{seconds:.2f}", f"{events / seconds:,.0f}", goal)
    console.print(table)


if __name__ == "__main__":
    main()
