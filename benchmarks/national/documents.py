"""The data documents (docs/data-format.md) of the national dataset: one a government a year, in
the order a ledger records them (year by year; within a year, government by government).

A government's first document registers its whole tree (valid from its founding day); later ones
carry its reorganisations as `[[units]]` entries of a unit already registered. Each document holds
the year's quarterly staffing tables of every unit, one year-end record of every budget line (a
line of a fiscal year is its own fact: its first record opens it), each bureau's task list at each
quarter end (a task that left the list gets `listed = false` at the next year's first date), the
corrections of last year's facts (same fact, one changed value; `section = "정오표"`), and in a
fifth of the documents the totals of the year-end tables as `[[checks]]`."""

from __future__ import annotations

import random
import zlib
from collections.abc import Collection, Iterator
from datetime import date, timedelta

from benchmarks.national.figures import ERRATA, Entry, Figures
from benchmarks.national.places import PLACES
from benchmarks.national.plan import FIRST_YEAR, LAST_YEAR, Planner, Task, YearPlan
from benchmarks.national.structure import BUREAU, ROOT, Government, build, chosen
from benchmarks.national.words import TASK_NOUNS, TASK_PREFIXES, TASK_VERBS
from ledger.importing.checks import Document

SECTIONS = {
    "units": "Ⅰ. 조직 현황",
    "staffing": "Ⅱ. 인력 현황",
    "budget": "Ⅲ. 예산 집행현황",
    "tasks": "Ⅳ. 주요업무 추진현황",
}
KINDS = ("units", "staffing", "budget", "tasks")


def documents(
    scale: float,
    seed: int,
    *,
    governments: Collection[str] | None = None,
    last_year: int = LAST_YEAR,
) -> Iterator[tuple[str, Document]]:
    """The dataset's documents as (file name, document), in a valid recording order; streaming:
    what it holds at a time is one document and each government's current figures.
    governments (keys) keeps only those of the scale's choice; last_year stops the history there
    (each document is the same as in the whole history)."""
    made: dict[int, Entry] = {}
    kept = governments_of(scale, seed, governments)
    writers = [Writer(government, seed, made) for government in kept]
    for year in range(FIRST_YEAR, last_year + 1):
        for writer in writers:
            if writer.government.founded.year <= year:
                yield writer.document(year)


def governments_of(
    scale: float, seed: int, keys: Collection[str] | None = None
) -> list[Government]:
    """The governments of a scale, built (their trees, rows and lines), in recording order;
    keys keeps only those."""
    picked, share = chosen(scale, seed)
    kept = [i for i in picked if keys is None or PLACES[i].key in keys]
    return [build(index, share, seed) for index in kept]


def file_name(plan: YearPlan) -> str:
    government = plan.government
    return f"{plan.year}-{government.index:03d}-{government.key}.toml"


class Writer:
    """One government's documents, year after year: its planner, its figures as they drift, and
    the corrections it owes the next document."""

    def __init__(
        self, government: Government, seed: int, made: dict[int, Entry] | None = None
    ) -> None:
        self.government, self.seed = government, seed
        self.planner = Planner(government, seed)
        self.figures = Figures(government, made)
        self.owed: dict[str, list[Entry]] = {kind: [] for kind in KINDS}
        """The corrections of this year's facts, for the next document."""
        self.wording: dict[str, Entry] = {}
        """Each task's title and responsible department in the document being written."""

    def document(self, year: int) -> tuple[str, Document]:
        plan = self.planner.plan(year)
        rng = random.Random(f"{self.seed}/{self.government.key}/{year}/figures")
        if plan.registers:
            self.figures.start(rng)
        owed, self.owed = self.owed, {kind: [] for kind in KINDS}
        self.wording = {}
        document: Document = {"source": self.source(plan)}
        parts = {
            "units": self.units(plan),
            "staffing": self.figures.staffing(rng, plan, self.owed["staffing"]),
            "budget": self.figures.budget(rng, plan, self.owed["budget"]),
            "tasks": self.tasks(plan),
        }
        for kind in KINDS:
            entries = parts[kind] + owed[kind]
            if entries:
                document[kind] = entries
        if plan.checked:
            document["checks"] = self.checks(plan, parts["staffing"])
        return file_name(plan), document

    def source(self, plan: YearPlan) -> Entry:
        title = f"{plan.year}년 {self.name_in(plan.year)} 조직·인력·예산·주요업무 현황"
        return {
            "file": f"{self.government.key}-{plan.year}.txt",
            "title": title,
            "published": f"{plan.year + 1}-02",
            "notes": [f"synthetic: benchmarks/national (seed {self.seed})"],
            "sections": dict(SECTIONS),
        }

    def name_in(self, year: int) -> str:
        """The government's name at the end of a year."""
        place = self.government.place
        renamed = [name for on, name in place.renames if on.year <= year]
        return renamed[-1] if renamed else place.registered_name

    def units(self, plan: YearPlan) -> list[Entry]:
        units = self.government.units
        entries = []
        if plan.registers:
            founded = self.government.founded.isoformat()
            for unit in units:
                parent = units[unit.parent].key if unit.parent >= 0 else ""
                entries.append(
                    {"key": unit.key, "name": unit.name, "parent": parent, "valid_from": founded}
                )
        for change in plan.changes:
            parent = units[change.parent].key if change.parent >= 0 else ""
            entries.append(
                {
                    "key": units[change.unit].key,
                    "name": change.name,
                    "parent": parent,
                    "valid_from": change.on.isoformat(),
                }
            )
        return entries

    def tasks(self, plan: YearPlan) -> list[Entry]:
        """Each bureau's list at each date: the tasks that left it (at the first date only),
        then the listed ones, numbered in order."""
        entries: list[Entry] = []
        by_bureau: dict[int, list[Entry]] = {}
        for task, (status, since) in plan.unlisted:
            entry = self.task_entry(task, plan.dates[0].isoformat())
            entry.update(status=status, status_since=since.isoformat(), listed=False)
            by_bureau.setdefault(task.bureau, []).append(entry)
        for at, day in enumerate(plan.dates):
            on = day.isoformat()
            numbers: dict[int, int] = {}
            for task_year in plan.tasks:
                if task_year.first > at:
                    continue
                task = task_year.task
                status, since = task_year.states[at - task_year.first]
                entry = self.task_entry(task, on)
                numbers[task.bureau] = number = numbers.get(task.bureau, 0) + 1
                entry.update(number=number, status=status, status_since=since.isoformat())
                by_bureau.setdefault(task.bureau, []).append(entry)
                if (task.key, day) in plan.fixes.tasks:
                    self.owed["tasks"].append(corrected_task(entry))
        for bureau in sorted(by_bureau):
            entries.extend(by_bureau[bureau])
        return entries

    def task_entry(self, task: Task, on: str) -> Entry:
        """A task's entry at a date: its title and responsible department, as worded for this
        document, and the date."""
        if task.key not in self.wording:
            self.wording[task.key] = self.words(task)
        return {**self.wording[task.key], "valid_from": on}

    def words(self, task: Task) -> Entry:
        """A task's title, worded from its key (the same every year), and its responsible
        department: one of its bureau's at the time."""
        bureau = self.government.units[task.bureau]
        words = zlib.crc32(f"{self.seed}/{task.key}".encode())
        title = (
            f"{TASK_PREFIXES[words % len(TASK_PREFIXES)]} "
            f"{bureau.themes[(words >> 5) % len(bureau.themes)]} "
            f"{TASK_NOUNS[(words >> 10) % len(TASK_NOUNS)]} "
            f"{TASK_VERBS[(words >> 15) % len(TASK_VERBS)]}"
        )
        entry = {"unit": bureau.key, "key": task.key, "kind": "MAJOR_TASK", "title": title}
        under = self.planner.under[task.bureau]
        if under:
            entry["responsible"] = self.planner.names[under[(words >> 25) % len(under)]]
        return entry

    def checks(self, plan: YearPlan, tables: list[Entry]) -> list[Entry]:
        """The totals the year-end tables of the government and its bureaus print."""
        heads = {u.key: u.name for u in self.government.units if u.level in (ROOT, BUREAU)}
        heads[self.government.key] = self.name_in(plan.year)
        on = plan.dates[-1].isoformat()
        checks = []
        for table in tables:
            if table["reference_date"] != on or table["unit"] not in heads:
                continue
            rows = table["rows"]
            selector = {"unit": table["unit"], "reference_date": on}
            label = f"인력 현황 ({heads[table['unit']]}, {plan.year}. 12. 31. 현재)"
            general = sum(r["current"] for r in rows if r["category"] == "일반직")
            for row, column, field, printed, category in (
                ("총계", "정원", "authorized", sum(r["authorized"] for r in rows), None),
                ("총계", "현원", "current", sum(r["current"] for r in rows), None),
                ("일반직 소계", "현원", "current", general, "일반직"),
            ):
                chosen_rows = {**selector, "field": field}
                if category:
                    chosen_rows["category"] = category
                check = {"table": label, "row": row, "column": column, "printed": printed}
                checks.append({**check, "staffing": chosen_rows})
        return checks


def corrected_task(entry: Entry) -> Entry:
    """The state with its status three days older (a date misread)."""
    earlier = date.fromisoformat(entry["status_since"]) - timedelta(days=3)
    return {**entry, "status_since": earlier.isoformat(), "section": ERRATA}
