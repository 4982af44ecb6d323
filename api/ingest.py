"""Ingesting a work report: its text read (reports/reader.py), matched against what the ledger
holds (projections/read/holdings.py, reports/match.py) into a draft data document, planned by
the importer against the ledger as it is now, and recorded only when asked and only when the
report was read whole: every printed total agrees and every cell is placed in exactly one way.
One path for `govledger ingest` and the `ingestReport` mutation."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import orjson

from ledger.application import Ledger, Outcome
from ledger.importing.cells import Cell, cells, changed
from ledger.importing.importer import Importer, Plan, Planned
from ledger.settings import PgConfig
from projections.read.holdings import holdings
from reports.draft import Draft
from reports.holdings import Holdings
from reports.match import match
from reports.model import BudgetFact, Reading, StaffingFact, TaskFact
from reports.reader import read_report

ACTOR = "ingest"
NEW, CORRECTED, UNCHANGED = "new", "corrected", "unchanged"
HoldingsReader = Callable[[list[date], list[str]], Awaitable[Holdings]]
"""What the ledger holds for a report of these reference dates naming these units."""


@dataclass(frozen=True)
class FactReview:
    """One fact of the report as the ledger would take it: new, a correction (its changed
    cells, old -> new) or unchanged; with the line it is printed on."""

    kind: str
    what: str
    status: str
    cells: tuple[Cell, ...]
    """A correction's changed cells (old: as held); a new fact's every cell (old: the value in
    force the day before, which it follows, where the ledger holds one)."""
    source: str
    line: int | None


@dataclass
class Review:
    reading: Reading
    draft: Draft | None = None
    """None when the report could not be read whole (reading.problems says why)."""
    facts: list[FactReview] = field(default_factory=list)
    checks: int = 0
    """Printed totals the importer checked again on the draft."""
    applied: bool = False
    events: Counter[str] = field(default_factory=Counter)
    position: int | None = None
    """The log position of the last event the apply recorded (None when it recorded none):
    what a reader waits for to see the change set."""

    @property
    def ok(self) -> bool:
        return self.reading.ok and self.draft is not None

    def count(self, status: str) -> int:
        return sum(fact.status == status for fact in self.facts)


async def review_report(
    text: str,
    file: str,
    *,
    ledger: Ledger,
    read_holdings: HoldingsReader,
    unit: str | None = None,
    apply: bool = False,
    actor: str = ACTOR,
) -> Review:
    """The review of a report; with apply, its change set recorded too (all or nothing: the
    importer checks every total and plans every fact before it records one)."""
    reading = await asyncio.to_thread(read_report, text, file, unit)
    if not reading.ok:
        return Review(reading)
    holdings = await read_holdings(reference_dates(reading), unit_names(reading))
    draft = await asyncio.to_thread(match, reading, holdings)
    importer = await asyncio.to_thread(plan, ledger, draft, apply, actor)
    report = importer.report
    facts = [review for planned in report.entries for review in reviews(planned, draft)]
    last = max(importer.positions, default=None)
    return Review(reading, draft, facts, report.checks, apply, report.events, last)


@asynccontextmanager
async def holdings_reader(config: PgConfig) -> AsyncIterator[HoldingsReader]:
    """What the read model holds now, read on a connection of its own (the command line's
    way; the API reads through its pool): the read model must have caught up with the log."""
    conn = await asyncpg.connect(**config.asyncpg_kwargs())
    await conn.set_type_codec(
        "jsonb", encoder=lambda v: orjson.dumps(v).decode(), decoder=orjson.loads,
        schema="pg_catalog",
    )

    async def read(dates: list[date], names: list[str]) -> Holdings:
        return await holdings(conn, dates, datetime.now(UTC), names)

    try:
        yield read
    finally:
        await conn.close()


class Ingester(Importer):
    """The importer, keeping the log positions of the events it records."""

    def __init__(self, ledger: Ledger, *, actor: str, reasons: tuple[str, str]) -> None:
        super().__init__(ledger, actor=actor, reasons=reasons)
        self.positions: list[int] = []

    def recorded(self, outcomes: list[Outcome]) -> None:
        super().recorded(outcomes)
        self.positions.extend(p for outcome in outcomes for p in outcome.notification_ids)


def plan(ledger: Ledger, draft: Draft, apply: bool, actor: str) -> Ingester:
    """The draft planned against the ledger as it is now (its report: importer.report), and
    recorded with apply."""
    source = draft.document["source"]
    reasons = (f"ingest: {source['title']}", f"ingest: corrected by {source['file']}")
    importer = Ingester(ledger, actor=actor, reasons=reasons)
    importer.plan_documents([(source["file"], draft.document)])
    if apply:
        importer.record()
    return importer


def reference_dates(reading: Reading) -> list[date]:
    days = {
        day
        for fact in reading.facts()
        for day in [getattr(fact, "reference_date", None), getattr(fact, "valid_from", None)]
        if isinstance(day, date)
    }
    if reading.reference_date is not None:
        days.add(reading.reference_date)
    return sorted(days)


def unit_names(reading: Reading) -> list[str]:
    owned = (StaffingFact, BudgetFact, TaskFact)
    names = {reading.unit} | {fact.unit for fact in reading.facts() if isinstance(fact, owned)}
    return sorted(name for name in names if name)


def reviews(planned: Planned, draft: Draft) -> list[FactReview]:
    what = describe(planned.kind, planned.entry, names(draft))
    line = planned.entry.get("source_line")
    if not planned.plans:
        return [FactReview(planned.kind, what, UNCHANGED, (), planned.source, line)]
    return [
        FactReview(planned.kind, what, *status_and_cells(plan), planned.source, line)
        for plan in planned.plans
    ]


def status_and_cells(plan: Plan) -> tuple[str, tuple[Cell, ...]]:
    if plan.correction:
        return CORRECTED, tuple(changed(plan.held, plan.wanted))
    return NEW, tuple(cells(plan.before, plan.wanted))


def names(draft: Draft) -> dict[str, str]:
    """The draft's unit keys and the names they stand for."""
    found = {unit["key"]: unit["name"] for unit in draft.document.get("units", [])}
    found.update({m.key: m.label for m in draft.matches if m.kind == "unit"})
    return found


def describe(kind: str, entry: dict[str, Any], units: dict[str, str]) -> str:
    unit = units.get(entry.get("unit", ""), entry.get("unit", ""))
    if kind == "units":
        return f"unit {entry['name']} from {entry['valid_from']}"
    if kind == "staffing":
        return f"staffing of {unit} at {entry['reference_date']}"
    if kind == "budget":
        account = f"{entry['account']} " if entry.get("account") else ""
        line = f"{account}{entry['item']} {entry['fiscal_year']}"
        return f"budget line {line} of {unit} at {entry['reference_date']}"
    if kind == "tasks":
        number = f"{entry['number']}. " if entry.get("number") else ""
        return f"task {number}{entry['title']} of {unit} from {entry['valid_from']}"
    point = f"{entry['period']} {entry['kind']}"
    return f"indicator {entry['name']} {point} at {entry['reference_date']}"
