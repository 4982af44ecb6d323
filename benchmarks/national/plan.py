"""A government's year, without its figures: the report dates, the units registered or
reorganised, the bureaus' task lists and each task's status at each date, which of the year's facts
a later document corrects, and whether the document prints checked totals. Everything the
importer's event count depends on is here, so expected_counts plans and never writes a figure."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from benchmarks.national.draws import between
from benchmarks.national.structure import BUREAU, DEPARTMENT, Government, fresh_name

FIRST_YEAR, LAST_YEAR = 2005, 2024
QUARTER_ENDS = ((3, 31), (6, 30), (9, 30), (12, 31))
CORRECTION_RATE = 0.022
"""The share of a year's figures (tables, budget records, task states) the next document
corrects; the last year's are never corrected and a bureau's task states at most once a year, so
about 2% of all facts are corrections."""
REORGANISATION_RATE = 0.3
"""The chance that a government reorganises some departments in a year."""
CHECKED_RATE = 0.2
"""The share of documents that print totals of their year-end tables ([[checks]])."""
CHECKS_PER_TABLE = 3
"""총계 정원, 총계 현원 and 일반직 소계 현원, of the government's and each bureau's own table."""
NEW_TASKS = (3, 6)
IN_PROGRESS, PLANNED, COMPLETED, NOT_ADOPTED = "IN_PROGRESS", "PLANNED", "COMPLETED", "NOT_ADOPTED"
FINAL = (COMPLETED, NOT_ADOPTED)

DAYS = tuple(timedelta(days=n) for n in range(100))
State = tuple[str, date]
"""A task's status and the day it holds from (status_since)."""


class Task(NamedTuple):
    """A task of a bureau; its title and responsible department are worded when written."""

    key: str
    bureau: int


class TaskYear(NamedTuple):
    """A task on its bureau's lists in one year: listed from dates[first] to the year's end."""

    task: Task
    new: bool
    first: int
    states: tuple[State, ...]


class Change(NamedTuple):
    """A department renamed, moved or both (or a government renamed) from a day on."""

    unit: int
    on: date
    name: str
    parent: int
    renamed: bool
    moved: bool


@dataclass
class Fixes:
    """The facts of a year a later document restates with a changed value."""

    staffing: set[tuple[int, int]] = field(default_factory=set)
    """(unit, date index)"""
    budget: set[tuple[int, int]] = field(default_factory=set)
    """(unit, line index)"""
    tasks: set[tuple[str, date]] = field(default_factory=set)
    """(task key, date), at most one a bureau"""

    def counts(self) -> dict[str, int]:
        return {
            "staffing": len(self.staffing),
            "budget": len(self.budget),
            "tasks": len(self.tasks),
        }


@dataclass(frozen=True)
class YearPlan:
    government: Government
    year: int
    dates: tuple[date, ...]
    registers: bool
    changes: tuple[Change, ...]
    tasks: tuple[TaskYear, ...]
    unlisted: tuple[tuple[Task, State], ...]
    """Last year's tasks that left the list: listed = false at dates[0], with their last state."""
    checked: bool
    fixes: Fixes
    """This year's facts the next document corrects."""
    fixed: dict[str, int]
    """How many of last year's facts this document corrects, by kind."""


def quarter_ends(year: int, founded: date) -> tuple[date, ...]:
    return tuple(d for m, n in QUARTER_ENDS if (d := date(year, m, n)) >= founded)


class Planner:
    """One government's years, planned in order from its first (2005 or its founding year)."""

    def __init__(self, government: Government, seed: int) -> None:
        self.government, self.seed = government, seed
        units = government.units
        self.names = [unit.name for unit in units]
        self.parents = [unit.parent for unit in units]
        self.used = {unit.name for unit in units if unit.level == DEPARTMENT}
        self.bureaus = government.of_level(BUREAU)
        self.departments = government.of_level(DEPARTMENT)
        self.under: dict[int, list[int]] = {b: [] for b in self.bureaus}
        for u in self.departments:
            self.under[self.parents[u]].append(u)
        self.lines = [(u, n) for u, unit in enumerate(units) for n in range(len(unit.lines))]
        self.carried: list[tuple[Task, State]] = []
        self.finished: list[tuple[Task, State]] = []
        self.fixes = Fixes()
        self.first_year = max(FIRST_YEAR, government.founded.year)

    def plan(self, year: int) -> YearPlan:
        rng = random.Random(f"{self.seed}/{self.government.key}/{year}/plan")
        dates = quarter_ends(year, self.government.founded)
        changes = self.reorganise(rng, year) if year > self.first_year else []
        changes += self.renames(year)
        unlisted, self.finished = tuple(self.finished), []
        tasks = self.task_years(rng, year, dates)
        checked = rng.random() < CHECKED_RATE
        fixed, self.fixes = self.fixes.counts(), self.pick_fixes(rng, year, dates, tasks)
        return YearPlan(
            self.government,
            year,
            dates,
            year == self.first_year,
            tuple(changes),
            tasks,
            unlisted,
            checked,
            self.fixes,
            fixed,
        )

    def renames(self, year: int) -> list[Change]:
        """The government's own renames of the year (제주도 -> 제주특별자치도 in 2006, …)."""
        return [
            Change(0, on, name, -1, True, False)
            for on, name in self.government.place.renames
            if on.year == year
        ]

    def reorganise(self, rng: random.Random, year: int) -> list[Change]:
        if rng.random() >= REORGANISATION_RATE or not self.departments:
            return []
        on = date(year, 1, 1) if rng.random() < 0.5 else date(year, 7, 1)
        count = min(len(self.departments), rng.randint(1, 3))
        changes = []
        for u in rng.sample(self.departments, count):
            draw = rng.random()
            parent = self.parents[u]
            moved = draw >= 0.6 and len(self.bureaus) > 1
            if moved:
                parent = rng.choice([b for b in self.bureaus if b != parent])
            renamed = not moved or draw >= 0.9
            if renamed:
                themes = self.government.units[parent].themes
                self.names[u] = fresh_name(rng, themes, self.used)[1]
            if moved:
                self.under[self.parents[u]].remove(u)
                self.under[parent].append(u)
            self.parents[u] = parent
            changes.append(Change(u, on, self.names[u], parent, renamed, moved))
        return changes

    def task_years(
        self, rng: random.Random, year: int, dates: tuple[date, ...]
    ) -> tuple[TaskYear, ...]:
        """Each bureau's list of the year: last year's unfinished tasks, then 3-6 new ones (most
        listed from the first report, some from a later one), each IN_PROGRESS (or PLANNED first)
        until COMPLETED or NOT_ADOPTED; a fifth of the new ones carry on into the next year."""
        carried: dict[int, list[tuple[Task, State]]] = {}
        for task, state in self.carried:
            carried.setdefault(task.bureau, []).append((task, state))
        self.carried = []
        years = []
        for b in self.bureaus:
            for task, state in carried.get(b, []):
                years.append(TaskYear(task, False, 0, finishing(rng, dates, state)))
            for n in range(1, between(rng.random, *NEW_TASKS) + 1):
                later = rng.random() >= 0.85 and len(dates) > 1
                first = between(rng.random, 1, len(dates) - 1) if later else 0
                task = Task(f"{self.government.units[b].key}.t{year}-{n}", b)
                years.append(TaskYear(task, True, first, starting(rng, dates[first:])))
        for task_year in years:
            last = task_year.states[-1]
            ended = self.finished if last[0] in FINAL else self.carried
            ended.append((task_year.task, last))
        return tuple(years)

    def pick_fixes(
        self, rng: random.Random, year: int, dates: tuple[date, ...], tasks: tuple[TaskYear, ...]
    ) -> Fixes:
        """About 2% of the year's figures, for the next year's document to correct: departments'
        tables (never a table a document's totals check), budget records, listed task states."""
        fixes = Fixes()
        if year >= LAST_YEAR:
            return fixes
        tables = len(self.departments) * len(dates)
        records = sum(len(t.states) for t in tasks)
        figures = len(self.government.units) * len(dates) + len(self.lines) + records
        wanted = CORRECTION_RATE * figures
        count = int(wanted) + (rng.random() < wanted - int(wanted))
        pool = tables + len(self.lines) + records
        fixed_bureaus: set[int] = set()
        for i in sorted(rng.sample(range(pool), min(count, pool))):
            if i < tables:
                fixes.staffing.add((self.departments[i // len(dates)], i % len(dates)))
            elif i < tables + len(self.lines):
                fixes.budget.add(self.lines[i - tables])
            else:
                task_year, at = record(tasks, i - tables - len(self.lines))
                if task_year.task.bureau not in fixed_bureaus:
                    fixed_bureaus.add(task_year.task.bureau)
                    fixes.tasks.add((task_year.task.key, dates[task_year.first + at]))
        return fixes


def record(tasks: tuple[TaskYear, ...], i: int) -> tuple[TaskYear, int]:
    """The i-th listed task state of the year, as (task, index of the state)."""
    for task_year in tasks:
        if i < len(task_year.states):
            return task_year, i
        i -= len(task_year.states)
    raise IndexError(i)


def starting(rng: random.Random, dates: tuple[date, ...]) -> tuple[State, ...]:
    """A new task's states at its dates: IN_PROGRESS (a fifth PLANNED at first), then COMPLETED
    (72%) or NOT_ADOPTED (8%) at a later date, else still in progress at the year's end."""
    rnd = rng.random
    status = PLANNED if rnd() < 0.2 else IN_PROGRESS
    since = dates[0] - DAYS[between(rnd, 5, 80)]
    draw = rnd()
    end = COMPLETED if draw < 0.72 else NOT_ADOPTED if draw < 0.8 else None
    at = between(rnd, min(1, len(dates) - 1), len(dates) - 1) if end else len(dates)
    states = []
    for i, day in enumerate(dates):
        if i == at and end:
            status, since = end, max(since, day - DAYS[between(rnd, 0, 80)])
        elif status == PLANNED and i > 0:
            status, since = IN_PROGRESS, max(since, day - DAYS[between(rnd, 0, 80)])
        states.append((status, since))
    return tuple(states)


def finishing(rng: random.Random, dates: tuple[date, ...], state: State) -> tuple[State, ...]:
    """A task carried from last year: in progress until it ends at one of this year's dates."""
    end = COMPLETED if rng.random() < 0.9 else NOT_ADOPTED
    at = between(rng.random, 0, len(dates) - 1)
    states = []
    for i, day in enumerate(dates):
        if i == at:
            state = end, max(state[1], day - DAYS[between(rng.random, 0, 80)])
        states.append(state)
    return tuple(states)
