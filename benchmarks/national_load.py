"""Benchmark: the national dataset (benchmarks/national) loaded, projected, weighed and read.

Writes the dataset's TOML files at --scale, starts an embedded PostgreSQL in a temporary
directory (or in --keep DIR, left there), and measures in one run:

  load        Importer(runtime.ledger): plan_folder, then record (import_folder, the path of
              `govledger import`): events recorded, seconds of each, events/s
  projection  runtime.catch_up() after the load, events/s; a full rebuild (rebuild.rebuild)
              next to reading and decoding the log (rebuild.read_and_decode), and their ratio;
              the rebuild without the rollup's maintenance too (projector.rollup = None), then
              with it (what the reads read), and what it costs
  disk        pg_total_relation_size of every table (with its indexes and TOAST), grouped as
              log, chain/tree, read model and other, in bytes per event, after VACUUM (ANALYZE)
  reads       GraphQL over HTTP against `govledger serve --workers 1` (proofs.serve): one unit
              as of a date, one government's tree with staffing, every government's staffing
              by scanning the trees (c) and from the rollup the projector keeps (d, at the same
              (asOf, knownAt) as (c), whose answers it must equal); p50 and p99 over --reads
              random distinct (subject, asOf, knownAt)

Run on demand, never by the test suite:

    .venv/bin/python benchmarks/national_load.py --scale 0.01 --json /tmp/national.json
"""

from __future__ import annotations

import argparse
import bisect
import cProfile
import gc
import json
import logging
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from statistics import median
from typing import Any, Self, TypeVar

HERE = Path(__file__).resolve().parent
sys.path[:0] = [p for p in (str(HERE.parent), str(HERE)) if p not in sys.path]

import httpx  # noqa: E402
from as_of import Horizon, horizon  # noqa: E402
from proofs import post, quantile, serve, timed  # noqa: E402
from rebuild import console, read_and_decode, rebuild  # noqa: E402
from rich.table import Table  # noqa: E402

from api.runtime import Runtime  # noqa: E402
from benchmarks.national import expected_counts  # noqa: E402
from benchmarks.national.__main__ import write  # noqa: E402
from cli.progress import bar, progress_bar  # noqa: E402
from domain.budget import BudgetLine  # noqa: E402
from ledger.database import start_embedded  # noqa: E402
from ledger.importing.checks import load_file  # noqa: E402
from ledger.importing.collector import quiet_collector  # noqa: E402
from ledger.importing.importer import Importer  # noqa: E402
from ledger.integrity.checkpoints import make_key  # noqa: E402
from ledger.settings import Settings  # noqa: E402

UNIT = """query($id: ID!, $asOf: Date!, $knownAt: DateTime, $fy: Int!) {
  orgUnit(id: $id, asOf: $asOf, knownAt: $knownAt) {
    name staffing { authorized current } budget(fiscalYear: $fy) { budgeted executed } } }"""
TREE = """query($root: ID!, $asOf: Date!, $knownAt: DateTime) {
  orgUnits(root: $root, asOf: $asOf, knownAt: $knownAt) {
    id name parent { id } staffing { authorized current } } }"""
ROLLUP = """query($asOf: Date!, $knownAt: DateTime) {
  governments(asOf: $asOf, knownAt: $knownAt) { id name staffing { authorized current } } }"""
KEPT = """query($asOf: Date!, $knownAt: DateTime) {
  rollup(asOf: $asOf, knownAt: $knownAt) { government { id name } authorized current } }"""
WARMUP = 10
T = TypeVar("T")
Row = tuple[str, str, float, str]
"""(phase, measure, value, unit)."""


@dataclass(frozen=True)
class Subject:
    id: str
    start: date
    recorded: datetime
    """When the ledger first held it: no knownAt is drawn before."""


def draw(rng: random.Random, span: Horizon, subject: Subject) -> dict[str, Any]:
    """asOf between the subject's start (or the first reference date) and the last; knownAt
    between the moment the ledger held both that asOf's first reports and the subject, and the
    end of the log (as_of.Horizon.draw, per subject)."""
    first = max(subject.start, span.dates[0])
    as_of = first + timedelta(days=rng.randint(0, (span.dates[-1] - first).days))
    reached = span.first_recorded[max(0, bisect.bisect_right(span.dates, as_of) - 1)]
    reached = max(reached, subject.recorded)
    moments = max(0.0, (span.last_recorded - reached).total_seconds())
    known_at = reached + timedelta(seconds=rng.uniform(0, moments))
    return {"asOf": as_of.isoformat(), "knownAt": known_at.isoformat()}


def draws(
    rng: random.Random, span: Horizon, subjects: list[Subject], n: int, key: str | None
) -> list[dict[str, Any]]:
    """n samples, no two alike (so that the answer cache never answers)."""
    found: dict[str, dict[str, Any]] = {}
    while len(found) < n:
        subject = rng.choice(subjects)
        sample = draw(rng, span, subject) | ({key: subject.id} if key else {})
        found[json.dumps(sample, sort_keys=True)] = sample
    return list(found.values())


def subjects(runtime: Runtime) -> tuple[list[Subject], list[Subject]]:
    """Every unit and every government (a unit at the top), from the read model."""
    with runtime.connect() as conn:
        rows = conn.execute(
            "SELECT subject_id::text, min(valid_from), min(recorded_from), "
            "bool_or(kind = 'org.parent' AND parent_id IS NULL) FROM rm_facts "
            "WHERE kind IN ('org.name', 'org.parent') GROUP BY subject_id ORDER BY subject_id"
        ).fetchall()
    every = [Subject(*row[:3]) for row in rows]
    return every, [subject for subject, row in zip(every, rows, strict=True) if row[3]]


def sizes(runtime: Runtime) -> dict[str, int]:
    """pg_total_relation_size of every table (heap, indexes, TOAST), by group."""
    log = runtime.ledger.events_table
    groups = dict.fromkeys(("log", "chain/tree", "read model", "other"), 0)
    with runtime.connect() as conn:
        for name, size in conn.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'm') "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
        ):
            group = {log: "log", f"{log}_chain": "chain/tree", f"{log}_merkle": "chain/tree"}
            groups[group.get(name) or ("read model" if name[:3] == "rm_" else "other")] += size
    return groups


def vacuum(runtime: Runtime) -> None:
    with runtime.connect() as conn:
        conn.autocommit = True
        conn.execute("VACUUM (ANALYZE)")


def load(
    runtime: Runtime, folder: Path, profile: Path | None, by_year: bool = False
) -> tuple[int, float, float]:
    """The folder imported as import_folder does: (events, planning s, recording s); by_year,
    a year's files at a time, each by its own Importer (as a ledger fed each year's reports
    in turn would be) starting from the subjects the one before left: what the process holds
    is one year's plan and the subjects, not the whole history's plan."""
    files = sorted(folder.glob("*.toml"))
    years = sorted({path.name[:4] for path in files}) if by_year else [""]
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    events, planning, recording = 0, 0.0, 0.0
    known: dict[Any, Any] = {}
    # The files read under the importer's own collector settings, as import_folder reads them:
    # each full pass would walk every subject carried from the years before.
    with quiet_collector(), progress_bar("facts") as progress:
        for year in years:
            chunk = [path for path in files if path.name.startswith(year)]
            task = progress.add_task(f"planning {year or folder.name}", total=None)
            importer = Importer(runtime.ledger, known=known)
            start = time.perf_counter()
            report = importer.plan_documents([(path.name, load_file(path)) for path in chunk])
            planned = time.perf_counter()
            progress.update(task, description=f"recording {year or folder.name}")
            progress.update(task, total=report.recorded)
            importer.on_fact = lambda task=task: progress.advance(task)
            importer.record()
            events += sum(report.events.values())
            planning += planned - start
            recording += time.perf_counter() - planned
            if by_year:
                console.print(
                    f"{year}: {sum(report.events.values()):,} events, planned in "
                    f"{planned - start:.1f} s, recorded in {time.perf_counter() - planned:.1f} s; "
                    f"{events:,} in all at {events / (planning + recording):,.0f} events/s"
                )
            known = carried(importer.left, int(year)) if by_year else importer.left
            del importer, report
    if profiler and profile:
        profiler.disable()
        profiler.dump_stats(profile)
    return events, planning, recording


class CollectorTime:
    """The seconds the cyclic garbage collector takes while it is entered, by generation
    (gc.callbacks)."""

    def __init__(self) -> None:
        self.seconds = [0.0, 0.0, 0.0]
        self.started = 0.0

    def __enter__(self) -> Self:
        gc.callbacks.append(self.passed)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self.passed)

    def passed(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self.started = time.perf_counter()
        else:
            self.seconds[info["generation"]] += time.perf_counter() - self.started


def carried(left: dict[Any, Any], year: int) -> dict[Any, Any]:
    """The subjects a year's import left that the next year's may still change: all but the
    budget lines of fiscal years before it, which later reports no longer print (one that
    does is read again from the log, as any subject not carried is). Budget lines are half of
    the national dataset's subjects, and each year adds its own."""
    return {
        subject: held
        for subject, held in left.items()
        if not (isinstance(held, BudgetLine) and held.fiscal_year < year)
    }


def scanned(government: dict[str, Any]) -> tuple[Any, ...]:
    """A government of (c)'s answer as (d) gives it (no table in force: current 0)."""
    figures = government["staffing"] or {"authorized": None, "current": 0}
    return (government["id"], government["name"], figures["authorized"], figures["current"])


def kept(totals: dict[str, Any]) -> tuple[Any, ...]:
    government = totals["government"]
    return (government["id"], government["name"], totals["authorized"], totals["current"])


def reads(
    url: str, runtime: Runtime, n: int, scans: int, seed: int
) -> tuple[list[Row], dict[str, Any]]:
    """The four reads as rows, and the answers' sizes: n of (a), (b) and (d), taking turns,
    then `scans` of (c) at the first (asOf, knownAt) of (d), whose answers they must equal."""
    rng = random.Random(seed)
    span = horizon(runtime)
    units, governments = subjects(runtime)
    whole = [Subject("", span.dates[0], span.first_recorded[0])]
    unit_samples = draws(rng, span, units, n + WARMUP, "id")
    tree_samples = draws(rng, span, governments, n + WARMUP, "root")
    rollup_samples = draws(rng, span, whole, n + WARMUP, None)
    answered: dict[str, list[int]] = {"unit": [], "tree": [], "rollup": [], "kept": []}
    answers: dict[str, list[list[tuple[Any, ...]]]] = {"rollup": [], "kept": []}
    with httpx.Client(base_url=url, timeout=120) as client:

        def unit(i: int) -> None:
            sample = unit_samples[i]
            fiscal_year = int(sample["asOf"][:4])
            found = post(client, UNIT, sample | {"fy": fiscal_year})["orgUnit"]
            answered["unit"].append(found is not None)

        def tree(i: int) -> None:
            answered["tree"].append(len(post(client, TREE, tree_samples[i])["orgUnits"]))

        def rollup(i: int) -> None:
            found = post(client, ROLLUP, rollup_samples[i])["governments"]
            answered["rollup"].append(len(found))
            answers["rollup"].append([scanned(government) for government in found])

        def rollup_kept(i: int) -> None:
            found = post(client, KEPT, rollup_samples[i])["rollup"]
            answered["kept"].append(len(found))
            answers["kept"].append([kept(totals) for totals in found])

        found = timed(n, WARMUP, {"unit": unit, "tree": tree, "kept": rollup_kept})
        found |= timed(scans, WARMUP, {"rollup": rollup})  # after: it may be slow at size
    rows: list[Row] = []
    names = {
        "unit": "(a) orgUnit as of (staffing, budget)",
        "tree": "(b) one government's tree, staffing",
        "rollup": "(c) governments' staffing (tree scan)",
        "kept": "(d) rollup (kept by the projector)",
    }
    for kind, values in found.items():
        rows.append(("reads", f"{names[kind]} p50", quantile(values, 0.50), "ms"))
        rows.append(("reads", f"{names[kind]} p99", quantile(values, 0.99), "ms"))
    named, tree_units, govs = (answered[kind][WARMUP:] for kind in ("unit", "tree", "rollup"))
    same = sum(a == b for a, b in zip(answers["rollup"], answers["kept"], strict=False))
    rows += [
        ("reads", f"(a) answers naming the unit, of {n}", sum(named), "answers"),
        ("reads", "(b) units in a tree's answer, median", median(tree_units), "units"),
        ("reads", "(b) units in a tree's answer, max", max(tree_units), "units"),
        ("reads", "(c) governments in the answer, median", median(govs), "govs"),
        ("reads", f"(d) answers equal to (c)'s, of {scans + WARMUP}", same, "answers"),
    ]
    return rows, {"units": len(units), "governments": len(governments)}


class Said(list[Row]):
    """Rows printed as they come, so that a long run cut short leaves its figures so far."""

    def __init__(self, rows: list[Row]) -> None:
        super().__init__()
        self += rows

    def __iadd__(self, rows: Iterable[Row]) -> Self:  # type: ignore[override,misc]
        for row in rows:
            self.append(row)
        return self

    def append(self, row: Row) -> None:
        phase, what, value, unit = row
        console.print(f"[dim]{phase}: {what}: {number(value)} {unit}[/dim]")
        super().append(row)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def clock(work: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    return work(), time.perf_counter() - start


def rollup_timed(runtime: Runtime, work: Callable[[], T]) -> tuple[T, float, float]:
    """The work's result and seconds, and the seconds of it the projector spent keeping the
    rollup (projections/build/rollup.py)."""
    rollup = runtime.projector.rollup
    assert rollup is not None
    maintain, spent = rollup.maintain, [0.0]

    def timed(*args: Any) -> None:
        start = time.perf_counter()
        try:
            maintain(*args)
        finally:
            spent[0] += time.perf_counter() - start

    setattr(rollup, "maintain", timed)  # noqa: B010 (an instance attribute over the method)
    try:
        result, seconds = clock(work)
    finally:
        delattr(rollup, "maintain")
    return result, seconds, spent[0]


def rebuild_without_rollup(runtime: Runtime) -> int:
    """A rebuild that leaves rm_rollup empty: what the projector costs without keeping it."""
    kept, runtime.projector.rollup = runtime.projector.rollup, None
    try:
        return rebuild(runtime)
    finally:
        runtime.projector.rollup = kept


def measure(args: argparse.Namespace, folder: Path) -> tuple[list[Row], dict[str, Any]]:
    keys = args.government
    counts = expected_counts(args.scale, args.seed, governments=keys)
    _, generated = clock(
        lambda: write(folder / "national", args.scale, args.seed, governments=keys)
    )
    toml = sum(f.stat().st_size for f in (folder / "national").iterdir())
    rows: list[Row] = Said(
        [
            ("dataset", "expected events", counts.total_events, "events"),
            ("dataset", f"TOML files (generated in {generated:.1f} s)", toml / 1e6, "MB"),
        ]
    )
    make_key(folder / "checkpoint.key")
    database = start_embedded(folder)
    runtime = Runtime(replace(Settings.from_env(), data_dir=folder), database=database)
    try:
        with CollectorTime() as collector:
            events, planning, recording = load(
                runtime, folder / "national", args.profile, args.by_year
            )
        rows += [
            ("load", "events recorded", events, "events"),
            ("load", "planning (read, check, plan the folder)", planning, "s"),
            ("load", "recording", recording, "s"),
            ("load", "import_folder in all", planning + recording, "s"),
            ("load", "rate", events / (planning + recording), "events/s"),
            ("load", "peak memory of this process so far", peak_mb(), "MB"),
            ("load", "in the cyclic garbage collector", sum(collector.seconds), "s"),
            ("load", "of which in full passes", collector.seconds[2], "s"),
        ]
        with bar("projecting the log") as advance:
            projected, caught, maintaining = rollup_timed(
                runtime, lambda: runtime.catch_up(advance) or 0
            )
        rows += [
            ("projection", "catch-up after the load", projected / caught, "events/s"),
            ("projection", "of its time, keeping the rollup", maintaining / caught * 100, "%"),
        ]
        vacuum(runtime)
        groups = sizes(runtime)  # as `govledger import` leaves the database (and VACUUM)
        if not args.skip_rebuild:
            with console.status("reading and decoding the log, then rebuilding"):
                read_and_decode(runtime)  # warm-up, as rebuild.py does
                decoded, decoding = clock(lambda: read_and_decode(runtime))
                bare_rates, rebuild_rates, shares = [], [], []
                for _ in range(args.rebuilds):  # in turns, the one the reads read last
                    bare, bare_seconds = clock(lambda: rebuild_without_rollup(runtime))
                    rebuilt, rebuilding, maintaining = rollup_timed(
                        runtime, lambda: rebuild(runtime)
                    )
                    bare_rates.append(bare / bare_seconds)
                    rebuild_rates.append(rebuilt / rebuilding)
                    shares.append(maintaining / rebuilding)
            decode_rate, rebuild_rate = decoded / decoding, median(rebuild_rates)
            bare_rate = median(bare_rates)
            turns = f"median of {args.rebuilds}"
            rows += [
                ("projection", "read + decode", decode_rate, "events/s"),
                ("projection", f"full rebuild without the rollup, {turns}", bare_rate, "events/s"),
                (
                    "projection",
                    f"full rebuild (reset + catch_up), {turns}",
                    rebuild_rate,
                    "events/s",
                ),
                (
                    "projection",
                    "rebuild rate lost to the rollup",
                    (1 - rebuild_rate / bare_rate) * 100,
                    "%",
                ),
                (
                    "projection",
                    "of a rebuild's time, keeping the rollup",
                    median(shares) * 100,
                    "%",
                ),
                ("projection", "ratio rebuild / read+decode", rebuild_rate / decode_rate, "x"),
            ]
            vacuum(runtime)
        rows += [("disk", group, size / events, "bytes/event") for group, size in groups.items()]
        rows.append(("disk", "all tables", sum(groups.values()) / events, "bytes/event"))
        rows.append(("disk", "all tables", sum(groups.values()) / 1e6, "MB"))
        process, url = serve(database.config.url(), folder / "checkpoint.key", folder / "serve.log")
        try:
            scans = args.reads if args.scan_reads is None else args.scan_reads
            read_rows, answered = reads(url, runtime, args.reads, scans, args.seed)
        finally:
            process.terminate()
            process.wait(timeout=30)
        rows += read_rows
    finally:
        runtime.close()
        assert database.embedded is not None
        database.embedded.cleanup()  # stops the server; the data dir stays with --keep
    meta = {"scale": args.scale, "seed": args.seed, "events": events, "reads": args.reads}
    return rows, meta | answered


def number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 or float(value).is_integer() else f"{value:,.2f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.01, help="of the dataset (0.01)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--government", action="append", metavar="KEY", help="only this one (kr-gangwon, …)"
    )
    parser.add_argument("--reads", type=int, default=200, help="timed reads of each kind (200)")
    parser.add_argument(
        "--scan-reads", type=int, help="timed reads of (c), the tree scan (as --reads)"
    )
    parser.add_argument("--keep", type=Path, help="an empty folder for the data dir, left there")
    parser.add_argument(
        "--by-year", action="store_true", help="import a year's files at a time (for large scales)"
    )
    parser.add_argument("--skip-rebuild", action="store_true", help="no read+decode or rebuild")
    parser.add_argument(
        "--rebuilds", type=int, default=2, help="rebuilds without and with the rollup, in turns (2)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--profile", type=Path, help="cProfile stats of the load to this file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    load_before = os.getloadavg()[0]
    git = ["git", "-C", str(HERE), "describe", "--always", "--dirty"]
    code = subprocess.run(git, capture_output=True, text=True).stdout.strip() or "unknown"
    if args.keep:
        if args.keep.exists() and any(args.keep.iterdir()):
            parser.error(f"--keep {args.keep}: the folder is not empty")
        args.keep.mkdir(parents=True, exist_ok=True)
        rows, meta = measure(args, args.keep.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="govledger-national-") as name:
            rows, meta = measure(args, Path(name))
    load_after = os.getloadavg()[0]
    table = Table(
        title=f"national dataset, scale {args.scale}, seed {args.seed}: {meta['events']:,} events"
        f" (code {code})",
        caption=f"{meta['units']:,} units, {meta['governments']} governments; reads: "
        f"{args.reads} each over HTTP, one server process; (c) sums every unit's staffing by "
        f"scanning the trees, (d) reads the rollup the projector keeps. Load average "
        f"{load_before:.1f} at start, {load_after:.1f} at end (a noisy machine: read the "
        "figures with that in mind).",
    )
    for column in ("phase", "measure", "value", "unit"):
        table.add_column(column, justify="right" if column == "value" else "left")
    for phase, what, value, unit in rows:
        table.add_row(phase, what, number(value), unit)
    console.print(table)
    if args.keep:
        console.print(f"data dir kept: GOVLEDGER_DATA_DIR={args.keep} govledger serve")
    if args.json:
        figures = [{"phase": p, "measure": m, "value": v, "unit": u} for p, m, v, u in rows]
        meta |= {"code": code, "load_average": [load_before, load_after], "figures": figures}
        args.json.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
