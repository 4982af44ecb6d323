"""Benchmark: the cost of as-of reads on the read model as the ledger grows.

For each size, starts an embedded PostgreSQL in a temporary directory, writes a synthetic
ledger of that many events (rebuild.LedgerWriter: a tree of units, staffing and budget lines at
monthly reference dates, corrections, retractions, renames and moves), projects it, and times
K reads of each kind at random (asOf, knownAt) through an asyncpg pool (Runtime.open_services):

  unit          projections.read.units.units for one unit (its name, parent and status)
  staffing      projections.read.staffing.staffing for one unit
  subtree       projections.read.units.subtrees for one unit (it and its descendants)
  budget_lines  projections.read.queries.budget_lines for one unit and the asOf's fiscal year

A sample is a random unit, an asOf uniform between the first and last reference dates, and a
knownAt uniform between the moment the ledger first held that asOf's reports and its end.
Every size is built first, each on its own server, then the reads go round the sizes in turn
(so that the machine's noise falls on all alike). Each sample is read twice; the second pass is
the one reported (the first, "cold" one pays for preparing statements and first touching pages,
and is shown beside it). It prints the median and p95 per kind and size, the ratio of each
size's median to the first size's (target: about 1, the same cost at every size), and the plans
PostgreSQL chooses (EXPLAIN), checking that the staffing query reads the rm_staffing_unit index.

By default the number of units grows with the size (--events-per-unit, 100) so each unit's
history stays the same: a read of one unit should then cost the same at every size. --units
fixes the number of units instead, so each unit's history grows with the size. Run on demand,
never by the test suite:

    .venv/bin/python benchmarks/as_of.py --sizes 10000,100000
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import gc
import json
import logging
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
from rebuild import console, embedded_runtime, write_ledger
from rich.table import Table

from api.runtime import Runtime
from projections.read import queries, staffing, units

KINDS = ("unit", "staffing", "subtree", "budget_lines")
TABLE_SCANS = {"Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan"}


@dataclass
class Plan:
    kind: str
    top: str
    indexes: list[str]
    actual_rows: int
    execution_ms: float
    generic_top: str
    generic_indexes: list[str]
    text: str


@dataclass
class SizeResult:
    events: int
    units: int
    facts: int
    seconds_to_write: float
    seconds_to_project: float
    timings: dict[str, list[float]] = field(default_factory=dict)
    cold: dict[str, list[float]] = field(default_factory=dict)
    rows: dict[str, list[int]] = field(default_factory=dict)
    plans: list[Plan] = field(default_factory=list)


class Recorder:
    """Stands in for a connection to capture the SQL and arguments a query function sends."""

    def __init__(self) -> None:
        self.sql = ""
        self.args: tuple[Any, ...] = ()

    async def fetch(self, query: str, *args: Any) -> list[Any]:
        self.sql, self.args = query, args
        return []


async def captured(call: Callable[[Any], Awaitable[Any]]) -> tuple[str, tuple[Any, ...]]:
    recorder = Recorder()
    await call(recorder)
    return recorder.sql, recorder.args


def plan_nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    found = [node]
    for child in node.get("Plans", []):
        found.extend(plan_nodes(child))
    return found


def describe(node: dict[str, Any]) -> str:
    name = node["Node Type"]
    if "Index Name" in node:
        name += f" using {node['Index Name']}"
    return name


def generic_plan(runtime: Runtime, query: str) -> dict[str, Any]:
    """EXPLAIN GENERIC_PLAN of a query with $n parameters: sent by the simple query protocol,
    which asyncpg (always extended, checking the arguments) cannot do."""
    with runtime.connect() as sync:
        result = sync.pgconn.exec_(f"EXPLAIN (GENERIC_PLAN, FORMAT JSON) {query}".encode())
        value = result.get_value(0, 0)
        if value is None:
            raise RuntimeError((result.error_message or b"").decode())
    plan: dict[str, Any] = json.loads(value)[0]["Plan"]
    return plan


async def explain(
    runtime: Runtime, conn: asyncpg.Connection, kind: str, query: str, args: tuple[Any, ...]
) -> Plan:
    """The plan for these values (EXPLAIN ANALYZE) and the generic plan that asyncpg's prepared
    statements may switch to after five runs (EXPLAIN GENERIC_PLAN)."""
    raw = await conn.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {query}", *args)
    explained = json.loads(raw)[0]
    root = explained["Plan"]
    nodes = plan_nodes(root)
    generic = generic_plan(runtime, query)
    text_rows = await conn.fetch(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {query}", *args)
    return Plan(
        kind=kind,
        top=describe(root),
        indexes=sorted({n["Index Name"] for n in nodes if "Index Name" in n}),
        actual_rows=sum(
            int(n.get("Actual Rows", 0)) for n in nodes if n["Node Type"] in TABLE_SCANS
        ),
        execution_ms=float(explained["Execution Time"]),
        generic_top=describe(generic),
        generic_indexes=sorted({n["Index Name"] for n in plan_nodes(generic) if "Index Name" in n}),
        text="\n".join(row[0] for row in text_rows),
    )


@dataclass
class Sample:
    unit: UUID
    as_of: date
    known_at: datetime


@dataclass
class Horizon:
    """When the ledger first held facts for each reference date, and when it was last written."""

    dates: list[date]
    first_recorded: list[datetime]
    last_recorded: datetime

    def draw(self, rng: random.Random, units: list[UUID]) -> Sample:
        """A random unit, asOf between the first and last reference dates, and knownAt between
        the moment the ledger reached that asOf and its end (earlier knownAt would ask about
        reports not yet written, which reads nothing)."""
        span = (self.dates[-1] - self.dates[0]).days
        as_of = self.dates[0] + timedelta(days=rng.randint(0, span))
        reached = self.first_recorded[bisect.bisect_right(self.dates, as_of) - 1]
        moments = (self.last_recorded - reached).total_seconds()
        known_at = reached + timedelta(seconds=rng.uniform(0, moments))
        return Sample(rng.choice(units), as_of, known_at)


def horizon(runtime: Runtime) -> Horizon:
    with runtime.connect() as conn:
        rows = conn.execute(
            "SELECT valid_from, min(recorded_from) FROM rm_staffing "
            "GROUP BY valid_from ORDER BY valid_from"
        ).fetchall()
        last = conn.execute(
            "SELECT greatest(max(recorded_from), (SELECT max(recorded_from) FROM rm_facts)) "
            "FROM rm_staffing"
        ).fetchone()
    assert rows and last
    return Horizon([row[0] for row in rows], [row[1] for row in rows], last[0])


def reads(sample: Sample) -> dict[str, Callable[[Any], Awaitable[Any]]]:
    return {
        "unit": lambda conn: units.units(conn, [sample.unit], sample.as_of, sample.known_at),
        "staffing": lambda conn: staffing.staffing(
            conn, [sample.unit], sample.as_of, sample.known_at
        ),
        "subtree": lambda conn: units.subtrees(conn, [sample.unit], sample.as_of, sample.known_at),
        "budget_lines": lambda conn: queries.budget_lines(
            conn, [sample.unit], sample.as_of.year, sample.as_of, sample.known_at
        ),
    }


def size_of(kind: str, answer: Any) -> int:
    if answer is None:
        return 0
    if kind == "staffing":
        return len(answer.rows)
    if kind == "subtree":
        return sum(len(tree.units) for tree in answer.values())
    return len(answer)


@dataclass
class Built:
    """One size's ledger on its own embedded PostgreSQL, ready to read."""

    runtime: Runtime
    result: SizeResult
    samples: list[Sample]


async def measure(ledgers: list[Built]) -> None:
    """Two passes over the samples: the first ("cold": prepared statements, pages not yet read
    since the projection), then the one reported. Each round reads one sample of every size in
    turn, so that the machine's noise falls on every size alike."""
    pools = [(await ledger.runtime.open_services()).pool for ledger in ledgers]
    try:
        for second in (False, True):
            for index in range(len(ledgers[0].samples)):
                for ledger, pool in zip(ledgers, pools, strict=True):
                    result = ledger.result
                    timings = result.timings if second else result.cold
                    for kind, read in reads(ledger.samples[index]).items():
                        async with pool.acquire() as conn:
                            start = time.perf_counter()
                            answer = await read(conn)
                            elapsed = time.perf_counter() - start
                        timings.setdefault(kind, []).append(elapsed)
                        if second:
                            result.rows.setdefault(kind, []).append(size_of(kind, answer))
        for ledger, pool in zip(ledgers, pools, strict=True):
            # the plans for the sample of median staffing cost
            staffing = ledger.result.timings["staffing"]
            order = sorted(range(len(staffing)), key=staffing.__getitem__)
            median_sample = ledger.samples[order[len(order) // 2]]
            async with pool.acquire() as conn:
                for kind, read in reads(median_sample).items():
                    query, args = await captured(read)
                    plan = await explain(ledger.runtime, conn, kind, query, args)
                    ledger.result.plans.append(plan)
    finally:
        for ledger in ledgers:
            await ledger.runtime.close_services()


def build(runtime: Runtime, events: int, units: int, k: int, seed: int) -> Built:
    """Write and project a ledger of about `events` events, and draw its k samples."""
    start = time.perf_counter()
    writer = write_ledger(runtime, events, units, seed)
    wrote = time.perf_counter() - start
    start = time.perf_counter()
    with console.status(f"projecting {writer.written} events"):
        runtime.catch_up()
    projected = time.perf_counter() - start
    with runtime.connect() as conn:
        conn.autocommit = True
        conn.execute("VACUUM (ANALYZE)")  # so that autovacuum does not run during the reads
        facts_row = conn.execute(
            "SELECT (SELECT count(*) FROM rm_facts) + (SELECT count(*) FROM rm_staffing)"
        ).fetchone()
    assert facts_row
    result = SizeResult(writer.written, len(writer.units), int(facts_row[0]), wrote, projected)
    console.print(
        f"{writer.written:,} events, {len(writer.units):,} units, "
        f"{result.facts:,} facts: written in {wrote:.1f} s, projected in "
        f"{projected:.1f} s ({writer.written / projected:,.0f} events/s)"
    )
    unit_ids = [unit.id for unit in writer.units]
    del writer  # its aggregates would make every full garbage collection in the reads slow
    gc.collect()
    rng = random.Random(seed)
    when = horizon(runtime)
    return Built(runtime, result, [when.draw(rng, unit_ids) for _ in range(k)])


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def report(results: list[SizeResult], k: int) -> None:
    table = Table(title=f"as-of reads, {k} at random (asOf, knownAt) per kind and size (ms)")
    for column in (
        "events",
        "units",
        "facts",
        "query",
        "median",
        "p95",
        "rows (median)",
        "cold pass median",
    ):
        table.add_column(column, justify="left" if column == "query" else "right")
    for result in results:
        for index, kind in enumerate(KINDS):
            times = result.timings[kind]
            table.add_row(
                f"{result.events:,}" if index == 0 else "",
                f"{result.units:,}" if index == 0 else "",
                f"{result.facts:,}" if index == 0 else "",
                kind,
                ms(statistics.median(times)),
                ms(p95(times)),
                f"{statistics.median(result.rows[kind]):.0f}",
                ms(statistics.median(result.cold[kind])),
            )
        table.add_section()
    console.print(table)

    base = results[0]
    ratios = Table(title=f"median cost relative to {base.events:,} events (target: about 1)")
    ratios.add_column("events", justify="right")
    for kind in KINDS:
        ratios.add_column(kind, justify="right")
    for result in results:
        medians = {kind: statistics.median(result.timings[kind]) for kind in KINDS}
        base_medians = {kind: statistics.median(base.timings[kind]) for kind in KINDS}
        ratios.add_row(
            f"{result.events:,}", *(f"{medians[k] / base_medians[k]:.2f}" for k in KINDS)
        )
    console.print(ratios)

    plans = Table(title="plans (for the sample of median staffing cost)")
    for column in (
        "events",
        "query",
        "top node",
        "indexes",
        "rows read",
        "SQL ms",
        "generic plan: top",
        "generic: indexes",
    ):
        plans.add_column(column, justify="right" if column in ("rows read", "SQL ms") else "left")
    for result in results:
        for index, plan in enumerate(result.plans):
            plans.add_row(
                f"{result.events:,}" if index == 0 else "",
                plan.kind,
                plan.top,
                ", ".join(plan.indexes) or "none",
                f"{plan.actual_rows:,}",
                f"{plan.execution_ms:.2f}",
                plan.generic_top,
                ", ".join(plan.generic_indexes) or "none",
            )
        plans.add_section()
    console.print(plans)
    for result in results:
        staffing = next(plan for plan in result.plans if plan.kind == "staffing")
        uses = "rm_staffing_unit" in staffing.indexes
        generic = "rm_staffing_unit" in staffing.generic_indexes
        console.print(
            f"{result.events:,} events: staffing uses rm_staffing_unit: "
            + ("[green]yes[/]" if uses else "[red]no[/]")
            + " (generic plan: "
            + ("[green]yes[/]" if generic else "[red]no[/]")
            + ")"
        )
    for kind in ("staffing", "subtree"):
        console.print(f"\n{kind} plan at {results[-1].events:,} events (EXPLAIN ANALYZE):")
        console.print(
            next(p for p in results[-1].plans if p.kind == kind).text, markup=False, highlight=False
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="10000,100000", help="comma-separated numbers of events (10000,100000)"
    )
    parser.add_argument("--reads", type=int, default=200, help="K, reads per kind and size (200)")
    parser.add_argument(
        "--events-per-unit", type=int, default=100, help="units = events / this, at least 20 (100)"
    )
    parser.add_argument("--units", type=int, help="a fixed number of units at every size")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    sizes = [int(size) for size in args.sizes.split(",")]
    with ExitStack() as servers:
        ledgers = []
        for size in sizes:
            runtime = servers.enter_context(embedded_runtime())
            units = args.units or max(20, size // args.events_per_unit)
            ledgers.append(build(runtime, size, units, args.reads, args.seed))
        with console.status(f"timing {args.reads} reads of each kind at each size"):
            asyncio.run(measure(ledgers))
    report([ledger.result for ledger in ledgers], args.reads)


if __name__ == "__main__":
    main()
