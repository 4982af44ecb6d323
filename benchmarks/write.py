"""Benchmark: recording through the command path against eventsourcing's raw batched insert of
the same events.

Starts an embedded PostgreSQL in a temporary directory and measures

  (a) the command path: RegisterOrgUnit, then RecordStaffing commands (tables of --rows lines,
      monthly, with 2% corrections) carried out by the ledger's unit of work in chunks of
      --chunk commands, one transaction each, as `govledger import` records a folder;
  (b) the raw insert: the stored events that (a) wrote, read back and inserted into a second,
      empty ledger with the recorder's insert_events, --chunk events per call;

and prints events/s for both and their ratio (target: (a) at least 0.4 of (b)). Run on demand,
never by the test suite:

    .venv/bin/python benchmarks/write.py --units 100 --months 40
"""

from __future__ import annotations

import argparse
import logging
import random
import time
from datetime import date
from uuid import UUID, uuid5

from eventsourcing.persistence import StoredEvent
from psycopg import sql
from rebuild import SERIES, console, embedded_runtime, month_end
from rich.table import Table

from api.runtime import Runtime
from domain import commands as c
from domain.provenance import Provenance
from ledger.work import UnitOfWork

NAMESPACE = UUID("2f4e6f0e-5c1f-4d8e-9a43-6b2d1c0e9a17")
WRITER = Provenance("benchmark", "import", "benchmark.txt")
CORRECTOR = Provenance("benchmark", "transcription corrected", "benchmark-errata.txt")


def commands(units: int, months: int, rows: int, seed: int) -> list[tuple[c.Command, Provenance]]:
    """A root with units under it, then each unit's table at every month end; 2% of the tables
    corrected later (one line changed)."""
    rng = random.Random(seed)
    ids = [uuid5(NAMESPACE, str(n)) for n in range(units + 1)]
    founded = date(1999, 12, 31)
    items: list[tuple[c.Command, Provenance]] = [
        (c.RegisterOrgUnit("서울", None, founded, ids[0]), WRITER)
    ]
    items += [
        (c.RegisterOrgUnit(f"단위 {n:04d}", ids[0], founded, ids[n]), WRITER)
        for n in range(1, units + 1)
    ]
    tables: dict[tuple[int, date], tuple[c.StaffingRowInput, ...]] = {}
    for month in range(months):
        on = month_end(2000 + month // 12, month % 12 + 1)
        for n in range(1, units + 1):
            table = tuple(
                c.StaffingRowInput(category, grade, a, max(0, a + rng.randint(-3, 2)))
                for category, grade in SERIES[:rows]
                for a in [rng.randint(1, 60)]
            )
            tables[(n, on)] = table
            items.append((c.RecordStaffing(ids[n], on, table), WRITER))
            if rng.random() < 0.02:
                earlier = rng.choice([key for key in tables if key[0] == n])
                fixed = list(tables[earlier])
                line = rng.randrange(len(fixed))
                fixed[line] = c.StaffingRowInput(
                    fixed[line].job_category, fixed[line].grade, fixed[line].authorized, 0
                )
                items.append((c.RecordStaffing(ids[n], earlier[1], tuple(fixed)), CORRECTOR))
    return items


def command_path(runtime: Runtime, items: list[tuple[c.Command, Provenance]], chunk: int) -> int:
    work = UnitOfWork(runtime.ledger)
    events = 0
    for start in range(0, len(items), chunk):
        outcomes = work.execute(items[start : start + chunk])
        events += sum(len(outcome.notification_ids) for outcome in outcomes)
    return events


def stored_events(runtime: Runtime) -> list[StoredEvent]:
    query = sql.SQL(
        "SELECT originator_id, originator_version, topic, state FROM {} ORDER BY notification_id"
    ).format(sql.Identifier(runtime.ledger.events_table))
    with runtime.connect() as conn:
        return [StoredEvent(o, v, t, bytes(s)) for o, v, t, s in conn.execute(query).fetchall()]


def raw_insert(runtime: Runtime, events: list[StoredEvent], chunk: int) -> int:
    for start in range(0, len(events), chunk):
        runtime.ledger.recorder.insert_events(events[start : start + chunk])
    return len(events)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=100, help="org units (100)")
    parser.add_argument("--months", type=int, default=40, help="monthly tables per unit (40)")
    parser.add_argument("--rows", type=int, default=10, help="lines per staffing table (10)")
    parser.add_argument("--chunk", type=int, default=500, help="commands/events per transaction")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    items = commands(args.units, args.months, args.rows, args.seed)

    with embedded_runtime() as first, embedded_runtime() as second:
        start = time.perf_counter()
        written = command_path(first, items, args.chunk)
        command_s = time.perf_counter() - start
        events = stored_events(first)
        start = time.perf_counter()
        inserted = raw_insert(second, events, args.chunk)
        raw_s = time.perf_counter() - start
    assert written == inserted, (written, inserted)

    command_rate, raw_rate = written / command_s, inserted / raw_s
    ratio = command_rate / raw_rate
    size = sum(len(e.state) for e in events) / len(events)
    table = Table(title=f"Recording {written:,} events ({size:,.0f} bytes of state each)")
    for column in ("measure", "seconds", "events/s"):
        table.add_column(column, justify="left" if column == "measure" else "right")
    table.add_row(
        f"command path, {args.chunk} commands a transaction",
        f"{command_s:.2f}",
        f"{command_rate:,.0f}",
    )
    table.add_row(
        f"raw insert_events, {args.chunk} events a call", f"{raw_s:.2f}", f"{raw_rate:,.0f}"
    )
    table.add_row("ratio command path / raw", "", f"{ratio:.2f}")
    console.print(table)
    verdict = "[green]met[/]" if ratio >= 0.4 else "[red]not met[/]"
    console.print(f"target command path >= 0.4 x raw insert: {verdict} ({ratio:.2f})")


if __name__ == "__main__":
    main()
