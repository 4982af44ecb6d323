"""Benchmark: how fast a full projection rebuild runs against merely reading and decoding the log.

Starts an embedded PostgreSQL in a temporary directory, writes a synthetic ledger (org units,
staffing tables and budget lines over many reference dates, with some corrections and
retractions), then measures

  (a) reading the whole log in batches of 1000 and decoding every event, and
  (b) a full rebuild of the read model (Projector.reset, then catch_up),

and prints events/s for both and their ratio. Target: the rebuild runs at least at half the
speed of read+decode. Run on demand, never by the test suite:

    .venv/bin/python benchmarks/rebuild.py --events 20000

as_of.py imports the ledger writer and the embedded database helper from this file.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from psycopg import sql
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.runtime import Runtime
from domain.budget import ACCOUNTS, BudgetLine
from domain.orgunit import OrgUnit
from domain.provenance import Provenance
from domain.staffing import StaffingRow, make_row
from ledger.database import start_embedded

warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
console = Console() if sys.stdout.isatty() else Console(width=120)

BATCH = 1000
WRITER = Provenance("benchmark", "import", "benchmark.txt")
CORRECTOR = Provenance("benchmark", "transcription corrected", "benchmark-errata.txt")
SERIES = [
    ("일반직", "3급"),
    ("일반직", "4급"),
    ("일반직", "5급"),
    ("일반직", "6급"),
    ("일반직", "7급"),
    ("일반직", "8·9급"),
    ("별정직", "5급상당"),
    ("임기제", "6급상당"),
    ("관리운영직", "7급"),
    ("관리운영직", "8급"),
    ("임기제", "7급상당"),
    ("별정직", "7급상당"),
]


# -- the database and the runtime on it --------------------------------------------------------


@contextmanager
def embedded_runtime() -> Iterator[Runtime]:
    """A Runtime on a fresh embedded PostgreSQL in a temporary directory, stopped afterwards."""
    with tempfile.TemporaryDirectory(prefix="govledger-bench-") as folder:
        database = start_embedded(Path(folder))
        runtime = Runtime(database=database)
        try:
            yield runtime
        finally:
            runtime.close()
            database.embedded.cleanup()


# -- writing a synthetic ledger fast -----------------------------------------------------------


def month_end(year: int, month: int) -> date:
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


@dataclass
class LedgerWriter:
    """Writes events with the domain methods, many aggregates per transaction (runtime.ledger.save
    of every aggregate touched since the last flush), bypassing the command layer's reloads.

    Each unit reports at month ends: its staffing table (with probability staffing_rate) and
    the figures of its budget lines of that fiscal year (with probability budget_rate); some
    reports correct or retract an earlier one."""

    runtime: Runtime
    seed: int = 1
    events_per_transaction: int = 500
    lines_per_year: int = 3
    staffing_rate: float = 0.8
    budget_rate: float = 0.3
    correction_rate: float = 0.05
    retraction_rate: float = 0.01
    rename_rate: float = 0.01
    move_rate: float = 0.005
    rows_per_table: int = 10
    start_year: int = 2000
    on_events: Callable[[int], None] | None = None
    written: int = 0
    units: list[OrgUnit] = field(default_factory=list)
    departments: int = 0
    lines: dict[tuple[UUID, int], list[BudgetLine]] = field(default_factory=dict)
    items: dict[UUID, str] = field(default_factory=dict)
    staffed: dict[UUID, list[date]] = field(default_factory=dict)
    _dirty: dict[UUID, Aggregate] = field(default_factory=dict)
    _pending: int = 0

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)

    def touch(self, aggregate: Aggregate, events: int = 1) -> None:
        self._dirty[aggregate.id] = aggregate
        self._pending += events
        if self._pending >= self.events_per_transaction:
            self.flush()

    def flush(self) -> None:
        if not self._dirty:
            return
        self.runtime.ledger.save(*self._dirty.values())
        self.written += self._pending
        if self.on_events:
            self.on_events(self._pending)
        self._dirty.clear()
        self._pending = 0

    def register_units(self, count: int, founded: date) -> None:
        """A tree: a root, departments under it, and offices under the departments."""
        self.departments = departments = max(1, round(count**0.5))
        for index in range(count):
            if index == 0:
                parent = None
            elif index <= departments:
                parent = self.units[0]
            else:
                parent = self.units[1 + self.random.randrange(departments)]
            unit = OrgUnit.register(
                unit_id=uuid4(),
                name=f"단위 {index:05d}",
                parent=parent,
                valid_from=founded,
                provenance=WRITER,
            )
            self.units.append(unit)
            self.touch(unit)
        self.flush()

    def staffing_rows(self) -> list[StaffingRow]:
        chosen = sorted(self.random.sample(range(len(SERIES)), self.rows_per_table))
        rows = []
        for index, series in enumerate(chosen):
            category, grade = SERIES[series]
            authorized = self.random.randint(1, 30)
            current = max(0, authorized + self.random.randint(-3, 2))
            rows.append(
                make_row(
                    job_category=category,
                    grade=grade,
                    authorized=authorized,
                    current=current,
                    women=self.random.randint(0, current),
                    series_key=None,
                    index=index,
                )
            )
        return rows

    def record_staffing(self, unit: OrgUnit, on: date, provenance: Provenance = WRITER) -> None:
        unit.record_staffing(on, self.staffing_rows(), None, None, provenance)
        dates = self.staffed.setdefault(unit.id, [])
        if on not in dates:
            dates.append(on)
        self.touch(unit)

    def budget_lines(self, unit: OrgUnit, year: int) -> list[BudgetLine]:
        key = (unit.id, year)
        if key not in self.lines:
            self.lines[key] = []
            for index in range(self.lines_per_year):
                line = BudgetLine.open(
                    line_id=uuid4(), owner_id=unit.id, fiscal_year=year, provenance=WRITER
                )
                self.items[line.id] = f"사업 {index}"
                self.lines[key].append(line)
                self.touch(line)
        return self.lines[key]

    def record_budget(self, line: BudgetLine, on: date, provenance: Provenance = WRITER) -> None:
        budgeted = self.random.randint(1, 5000) * 1_000_000
        executed = budgeted * on.month // 12
        line.record(
            reference_date=on,
            account=self.random.choice(ACCOUNTS),
            item=self.items[line.id],
            budgeted=budgeted,
            executed=executed,
            provenance=provenance,
        )
        self.touch(line)

    def reorganise(self, unit: OrgUnit, on: date) -> None:
        """Now and then a unit is renamed, or an office moves to another department."""
        if self.random.random() < self.rename_rate:
            unit.rename(f"{unit.names.at(on)}·{on:%y%m}", on, WRITER)
            self.touch(unit)
        index = self.units.index(unit) if self.random.random() < self.move_rate else 0
        if index > self.departments:
            department = self.units[1 + self.random.randrange(self.departments)]
            unit.move(department, [self.units[0].id], on, WRITER)
            self.touch(unit)

    def report(self, unit: OrgUnit, on: date) -> None:
        """One unit's report at one reference date, perhaps with a correction of an older one."""
        self.reorganise(unit, on)
        if self.random.random() < self.staffing_rate:
            self.record_staffing(unit, on)
        for line in self.budget_lines(unit, on.year):
            if self.random.random() < self.budget_rate:
                self.record_budget(line, on)
        dates = self.staffed.get(unit.id)
        if dates and self.random.random() < self.correction_rate:
            self.record_staffing(unit, self.random.choice(dates), CORRECTOR)
        if dates and len(dates) > 1 and self.random.random() < self.retraction_rate:
            gone = dates.pop(self.random.randrange(len(dates) - 1))
            unit.retract_staffing(gone, CORRECTOR)
            self.touch(unit)

    def write(self, events: int, units: int) -> None:
        """About `events` events in all (stopping at the first transaction past it)."""
        founded = date(self.start_year - 1, 12, 31)
        self.register_units(units, founded)
        month = 0
        while self.written + self._pending < events:
            on = month_end(self.start_year + month // 12, month % 12 + 1)
            for unit in self.units:
                self.report(unit, on)
                if self.written + self._pending >= events:
                    break
            month += 1
        self.flush()

    @property
    def first_month(self) -> date:
        return month_end(self.start_year, 1)


def write_ledger(
    runtime: Runtime, events: int, units: int, seed: int = 1, rows: int = 10
) -> LedgerWriter:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(f"writing {events} events", total=events)
        writer = LedgerWriter(
            runtime, seed=seed, rows_per_table=rows, on_events=lambda n: bar.advance(task, n)
        )
        writer.write(events, units)
    return writer


# -- measuring ---------------------------------------------------------------------------------


def read_and_decode(runtime: Runtime) -> int:
    """Read the whole log in batches of BATCH and decode every event; return how many."""
    query = sql.SQL(
        "SELECT notification_id, originator_id, originator_version, topic, state "
        "FROM {} WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
    ).format(sql.Identifier(runtime.ledger.events_table))
    decode = runtime.ledger.mapper.to_domain_event
    count, last = 0, 0
    with runtime.connect() as conn:
        while rows := conn.execute(query, (last, BATCH)).fetchall():
            for _, originator_id, version, topic, state in rows:
                decode(StoredEvent(originator_id, version, topic, bytes(state)))
            count += len(rows)
            last = rows[-1][0]
    return count


def rebuild(runtime: Runtime) -> int:
    """Drop the read model and project the whole log again; return how many events."""
    projector = runtime.projector
    with projector.session(wait=True) as conn:
        assert conn is not None
        with conn.transaction():
            projector.reset(conn)
        projector.stale = True  # reset() leaves the in-memory subjects and tree as they were
        return projector.catch_up(conn)


@dataclass
class Timer:
    seconds: float = 0.0
    calls: int = 0


def timed(timers: dict[str, Timer], name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    timer = timers.setdefault(name, Timer())

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            timer.seconds += time.perf_counter() - start
            timer.calls += 1

    return wrapper


def rebuild_breakdown(runtime: Runtime) -> tuple[float, dict[str, Timer]]:
    """A rebuild with the projector's parts wrapped in timers (which costs a little)."""
    projector = runtime.projector
    timers: dict[str, Timer] = {}
    parts = {
        "step": (projector, "step"),
        "process": (projector.projection, "process"),
        "decode": (projector.projection, "decode"),
        "builder.add": (projector.projection.builder, "add"),
        "builder.load_subjects": (projector.projection.builder, "load_subjects"),
        "writer.write": (projector.recorder.writer, "write"),
        "barrier": (projector, "barrier"),
    }
    own = {name: vars(owner).get(attribute) for name, (owner, attribute) in parts.items()}
    for name, (owner, attribute) in parts.items():
        setattr(owner, attribute, timed(timers, name, getattr(owner, attribute)))
    try:
        start = time.perf_counter()
        rebuild(runtime)
        return time.perf_counter() - start, timers
    finally:
        for name, (owner, attribute) in parts.items():
            if own[name] is not None:
                setattr(owner, attribute, own[name])  # an attribute (decode), not a method
            else:
                delattr(owner, attribute)


def best_of(repeat: int, work: Callable[[], int]) -> tuple[int, float]:
    best = float("inf")
    count = 0
    for _ in range(repeat):
        start = time.perf_counter()
        count = work()
        best = min(best, time.perf_counter() - start)
    return count, best


def table_sizes(runtime: Runtime) -> list[tuple[str, int, str]]:
    found = []
    with runtime.connect() as conn:
        tables = ("rm_events", "rm_staffing", "rm_facts", "rm_subjects", "rm_labels")
        for name in (runtime.ledger.events_table, *tables):
            row = conn.execute(
                sql.SQL(
                    "SELECT count(*), pg_size_pretty(pg_total_relation_size({})) FROM {}"
                ).format(sql.Literal(name), sql.Identifier(name))
            ).fetchone()
            assert row is not None
            found.append((name, int(row[0]), str(row[1])))
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20000, help="events to write (20000)")
    parser.add_argument("--units", type=int, default=50, help="org units to register (50)")
    parser.add_argument("--rows", type=int, default=10, help="lines per staffing table (10)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measure; best kept")
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="also time the projector's parts in one more (slower) rebuild",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    with embedded_runtime() as runtime:
        start = time.perf_counter()
        writer = write_ledger(runtime, args.events, args.units, args.seed, args.rows)
        wrote = time.perf_counter() - start
        console.print(
            f"wrote {writer.written} events ({len(writer.units)} units) in "
            f"{wrote:.1f} s: {writer.written / wrote:,.0f} events/s"
        )

        read_and_decode(runtime)  # warm-up: the log in shared buffers for both measures
        decoded, decode_s = best_of(args.repeat, lambda: read_and_decode(runtime))
        projected, rebuild_s = best_of(args.repeat, lambda: rebuild(runtime))
        assert decoded == projected == writer.written, (decoded, projected, writer.written)

        decode_rate, rebuild_rate = decoded / decode_s, projected / rebuild_s
        ratio = rebuild_rate / decode_rate
        table = Table(title=f"Projection rebuild, {decoded:,} events")
        table.add_column("measure")
        table.add_column("seconds", justify="right")
        table.add_column("events/s", justify="right")
        table.add_row("read + decode (batches of 1000)", f"{decode_s:.2f}", f"{decode_rate:,.0f}")
        table.add_row("full rebuild (reset + catch_up)", f"{rebuild_s:.2f}", f"{rebuild_rate:,.0f}")
        table.add_row("ratio rebuild / decode", "", f"{ratio:.2f}")
        console.print(table)
        verdict = "[green]met[/]" if ratio >= 0.5 else "[red]not met[/]"
        console.print(f"target rebuild >= 0.5 x read+decode speed: {verdict} ({ratio:.2f})")

        sizes = Table(title="tables after the rebuild")
        for column in ("table", "rows", "size"):
            sizes.add_column(column, justify="left" if column == "table" else "right")
        for name, live, size in table_sizes(runtime):
            sizes.add_row(name, f"{live:,}", size)
        console.print(sizes)

        if args.breakdown:
            total, timers = rebuild_breakdown(runtime)
            parts = Table(title=f"where a rebuild's time goes ({total:.2f} s with timers)")
            for column in ("part", "calls", "seconds", "share"):
                parts.add_column(column, justify="left" if column == "part" else "right")
            for name, timer in timers.items():
                parts.add_row(
                    name, f"{timer.calls:,}", f"{timer.seconds:.2f}", f"{timer.seconds / total:.0%}"
                )
            console.print(parts)
            console.print(
                "step = one batch in one transaction: read it, process, publish, commit; "
                "process = builder.load_subjects + (decode + builder.add) per event + writer.write"
            )


if __name__ == "__main__":
    main()
