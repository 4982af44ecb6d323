"""The national dataset from the command line: its counts, the generation rate, or its files.

    .venv/bin/python -m benchmarks.national --scale 0.01 --seed 1 --summary
    .venv/bin/python -m benchmarks.national --scale 0.001 --seed 1 --out /tmp/national
    .venv/bin/python benchmarks/national --scale 1 --counts

--counts prints what the importer would record (from the plans, in seconds even at full size);
--summary generates every document too, checks its facts against those counts and prints the
generation rate; --out writes one TOML file a government a year, for `govledger import DIR`."""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections import Counter
from collections.abc import Collection
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/national`
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import tomli_w

from benchmarks.national.counts import Counts, expected_counts
from benchmarks.national.documents import KINDS, documents
from benchmarks.national.plan import LAST_YEAR


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=0.01, help="0.001 … 1 (default 0.01)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--last-year", type=int, default=LAST_YEAR, help="stop the history there")
    parser.add_argument(
        "--government", action="append", metavar="KEY", help="only this one (kr-seoul, …)"
    )
    parser.add_argument("--counts", action="store_true", help="the expected counts only")
    parser.add_argument("--summary", action="store_true", help="generate and time it (default)")
    parser.add_argument("--out", type=Path, help="write the TOML files to this folder")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    keys = args.government
    counts = expected_counts(args.scale, args.seed, governments=keys, last_year=args.last_year)
    print(
        f"national dataset, scale {args.scale}, seed {args.seed}: counted in "
        f"{time.perf_counter() - started:.1f} s"
    )
    print_counts(counts)
    if args.out:
        write(args.out, args.scale, args.seed, args.last_year, keys)
    elif not args.counts:
        summary(counts, args.scale, args.seed, args.last_year, keys)


def print_counts(counts: Counts) -> None:
    print(
        f"  {counts.governments} governments, {counts.units:,} units, "
        f"{counts.documents:,} documents, {counts.checks:,} checks"
    )
    print(f"  {counts.total_events:,} events:")
    for name, count in sorted(counts.events.items()):
        print(f"    {name:<26} {count:>12,}")
    corrected = sum(counts.corrections.values())
    print(
        f"  {counts.total_facts:,} facts, of which {corrected:,} corrections "
        f"({100 * corrected / max(1, counts.total_facts):.2f}%):"
    )
    for kind in KINDS:
        print(
            f"    {kind:<26} {counts.facts[kind]:>12,}  ({counts.corrections[kind]:,} corrections)"
        )


def summary(
    counts: Counts,
    scale: float,
    seed: int,
    last_year: int,
    governments: Collection[str] | None = None,
) -> None:
    """Generate every document, count its facts and rows, and time it (wall and CPU)."""
    facts: Counter[str] = Counter()
    rows = files = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for _, document in documents(scale, seed, governments=governments, last_year=last_year):
        files += 1
        for kind in KINDS:
            facts[kind] += len(document.get(kind, ()))
        rows += sum(len(table["rows"]) for table in document.get("staffing", ()))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    total = sum(facts.values())
    agrees = facts == counts.facts and files == counts.documents
    print(
        f"generated {files:,} documents, {total:,} facts ({rows:,} staffing rows) in "
        f"{wall:.1f} s ({cpu:.1f} s CPU); facts by kind agree with the counts: {agrees}"
    )
    for label, seconds in (("wall", wall), ("CPU", cpu)):
        print(
            f"  {label:>4}: {files / seconds:,.0f} documents/s, {total / seconds:,.0f} facts/s, "
            f"{counts.total_events / seconds:,.0f} events/s"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory {peak:,.0f} MB")
    if not agrees:
        sys.exit(f"the documents' facts {dict(facts)} differ from the counts {dict(counts.facts)}")


def write(
    folder: Path,
    scale: float,
    seed: int,
    last_year: int = LAST_YEAR,
    governments: Collection[str] | None = None,
) -> None:
    """The documents as TOML files, one a government a year, named in recording order."""
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    size = files = 0
    for name, document in documents(scale, seed, governments=governments, last_year=last_year):
        text = tomli_w.dumps(document)
        (folder / name).write_text(text, encoding="utf-8")
        size += len(text.encode())
        files += 1
    print(
        f"wrote {files:,} files ({size / 1e6:,.1f} MB) to {folder} in "
        f"{time.perf_counter() - started:.1f} s: govledger import {folder}"
    )


if __name__ == "__main__":
    main()
