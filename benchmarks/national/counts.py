"""What the importer records for the dataset, counted from the plans alone (no figure is drawn
and nothing is recorded): events by type, as `ImportReport.events` names them, facts and
corrections by kind, documents and checks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from benchmarks.national.documents import governments_of
from benchmarks.national.plan import CHECKS_PER_TABLE, FIRST_YEAR, LAST_YEAR, Planner, YearPlan
from benchmarks.national.structure import Government


@dataclass
class Counts:
    governments: int = 0
    units: int = 0
    documents: int = 0
    checks: int = 0
    events: Counter[str] = field(default_factory=Counter)
    """By event type (OrgUnit.Registered, BudgetLine.Opened, Task.Recorded, …)."""
    facts: Counter[str] = field(default_factory=Counter)
    """By kind of entry (units, staffing, budget, tasks)."""
    corrections: Counter[str] = field(default_factory=Counter)
    """By kind: facts restated with a changed value, each recorded as one correction."""

    @property
    def total_events(self) -> int:
        return sum(self.events.values())

    @property
    def total_facts(self) -> int:
        return sum(self.facts.values())


def expected_counts(
    scale: float,
    seed: int,
    *,
    governments: Collection[str] | None = None,
    last_year: int = LAST_YEAR,
) -> Counts:
    """The counts of documents(scale, seed, governments=…, last_year=…), exactly."""
    return counted(governments_of(scale, seed, governments), seed, last_year)


def counted(governments: Iterable[Government], seed: int, last_year: int = LAST_YEAR) -> Counts:
    """The counts of these governments' documents (as governments_of builds them)."""
    counts = Counts()
    for government in governments:
        counts.governments += 1
        counts.units += len(government.units)
        planner = Planner(government, seed)
        for year in range(max(FIRST_YEAR, government.founded.year), last_year + 1):
            add(counts, planner.plan(year))
    return counts


def add(counts: Counts, plan: YearPlan) -> None:
    units = plan.government.units
    counts.documents += 1
    if plan.registers:
        counts.events["OrgUnit.Registered"] += len(units)
        counts.facts["units"] += len(units)
    for change in plan.changes:
        counts.facts["units"] += 1
        counts.events["OrgUnit.Renamed"] += change.renamed
        counts.events["OrgUnit.Moved"] += change.moved
    lines = plan.government.lines
    records = sum(len(task_year.states) for task_year in plan.tasks) + len(plan.unlisted)
    new = {
        "staffing": ("OrgUnit.StaffingRecorded", len(units) * len(plan.dates)),
        "budget": ("BudgetLine.Recorded", lines),
        "tasks": ("Task.Recorded", records),
    }
    for kind, (event, count) in new.items():
        fixed = plan.fixed[kind]
        counts.events[event] += count + fixed
        counts.facts[kind] += count + fixed
        counts.corrections[kind] += fixed
    counts.events["BudgetLine.Opened"] += lines
    counts.events["Task.Opened"] += sum(task_year.new for task_year in plan.tasks)
    if plan.checked:
        counts.checks += CHECKS_PER_TABLE * (1 + plan.government.bureaus)
