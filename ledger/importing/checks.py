"""The document checks itself: every total a report prints is a `[[checks]]` entry of its data
file (docs/data-format.md), computed here from the facts of the whole data folder before
anything is recorded. Pure: parsed TOML in, findings out."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import tomli

MONEY_UNITS = {"원": 1, "천원": 1_000, "백만원": 1_000_000, "억원": 100_000_000}
SELECTORS = ("staffing", "budget", "tasks", "indicators")

Document = dict[str, Any]
Index = dict[Any, list[dict[str, Any]]]
Number = int | Decimal


class CheckError(Exception):
    """A data file whose facts disagree with its own printed totals, or a malformed check."""


@dataclass(frozen=True)
class Finding:
    file: str
    table: str
    row: str
    column: str
    printed: Any
    computed: Number | None
    misprint: str | None = None
    problem: str | None = None

    @property
    def passed(self) -> bool:
        return self.problem is None

    def __str__(self) -> str:
        where = f"{self.file}: table '{self.table}', row '{self.row}', column '{self.column}'"
        return f"{where}: {self.problem}" if self.problem else f"{where}: {self.printed} agrees"


@dataclass(frozen=True)
class Facts:
    """The facts of every document of a folder, as the checks read them."""

    parents: dict[str, str]
    documents: list[tuple[str, Document]]
    indices: dict[tuple[str, tuple[str, ...]], Index | None] = dataclasses.field(
        default_factory=dict, compare=False
    )
    """Entries by the value of a field, made as the checks ask (candidates)."""

    @classmethod
    def of(cls, documents: list[tuple[str, Document]]) -> Facts:
        parents = {u["key"]: u["parent"] for _, d in documents for u in d.get("units", [])}
        return cls(parents, documents)

    def entries(self, kind: str) -> Iterator[dict[str, Any]]:
        for _, document in self.documents:
            yield from document.get(kind, [])

    def candidates(
        self, kind: str, fields: tuple[str, ...], value: Any
    ) -> Iterable[dict[str, Any]]:
        """The entries of a kind that may have fields[0] equal to value, in folder order, for
        the caller's own test: found through an index of that field, made once, where every
        entry has every field of the test, each a value that can be a key (so the test raises
        for none of the entries the index leaves out); else every entry."""
        if (kind, fields) not in self.indices:
            self.indices[kind, fields] = self._index(kind, fields)
        index = self.indices[kind, fields]
        try:
            return self.entries(kind) if index is None else index.get(value, [])
        except TypeError:  # a value that cannot be a key
            return self.entries(kind)

    def _index(self, kind: str, fields: tuple[str, ...]) -> Index | None:
        index: Index = {}
        try:
            for entry in self.entries(kind):
                hash(tuple(entry[name] for name in fields))
                index.setdefault(entry[fields[0]], []).append(entry)
        except (KeyError, TypeError):
            return None
        return index

    def units(self, unit: str, descendants: bool) -> set[str]:
        if not descendants:
            return {unit}
        found = {unit}
        for key in self.parents:
            if self._under(key, unit):
                found.add(key)
        return found

    def _under(self, key: str, ancestor: str) -> bool:
        seen = set()
        while key and key not in seen:
            seen.add(key)
            if key == ancestor:
                return True
            key = self.parents.get(key, "")
        return False


def run_checks(documents: list[tuple[str, Document]]) -> list[Finding]:
    """Every check of every document, passed or not."""
    facts = Facts.of(documents)
    return [
        _finding(name, check, facts)
        for name, document in documents
        for check in document.get("checks", [])
    ]


def verify(documents: list[tuple[str, Document]]) -> list[Finding]:
    """The findings, or CheckError naming every check that fails and every list that drops a
    task silently."""
    findings = run_checks(documents)
    failed = [str(f) for f in findings if not f.passed]
    problems = (
        [f"{len(failed)} of {len(findings)} printed totals disagree:", *failed] if failed else []
    )
    gaps = list_gaps(documents)
    if gaps:
        problems += ["task lists that drop a task without listed = false:", *gaps]
    if problems:
        raise CheckError("\n  ".join(problems))
    return findings


def list_gaps(documents: list[tuple[str, Document]]) -> list[str]:
    """A report's list (the tasks of one kind of one unit at one date) must name every task the
    unit's previous list named: listed, or with listed = false to take it off. A report without
    such a list leaves the earlier list as it was."""
    lists: dict[tuple[str, str], dict[str, tuple[str, set[str]]]] = {}
    for name, document in documents:
        for task in document.get("tasks", []):
            dates = lists.setdefault((task["unit"], task["kind"]), {})
            file, keys = dates.setdefault(task["valid_from"], (name, set()))
            keys.add(task["key"])
    listed = {
        (t["key"], t["valid_from"])
        for _, d in documents
        for t in d.get("tasks", [])
        if t.get("listed", True)
    }
    gaps = []
    for (unit, kind), dates in sorted(lists.items()):
        ordered = sorted(dates.items())
        for (before, (_, earlier)), (on, (file, named)) in pairwise(ordered):
            for key in sorted(k for k in earlier - named if (k, before) in listed):
                gaps.append(
                    f"{file}: the {kind} list of {unit} at {on} does not name {key}, listed at "
                    f"{before}: list it, or add it with listed = false"
                )
    return gaps


def _finding(file: str, check: dict[str, Any], facts: Facts) -> Finding:
    labels = (
        file,
        str(check.get("table", "?")),
        str(check.get("row", "?")),
        str(check.get("column", "?")),
    )
    printed = check.get("printed")
    try:
        computed = compute(check, facts)
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as error:
        return Finding(*labels, printed, None, problem=f"malformed check: {error!r}")
    misprint = check.get("misprint")
    if misprint is None:
        problem = (
            None if _equal(computed, printed) else f"printed {printed}, the facts give {computed}"
        )
        return Finding(*labels, printed, computed, problem=problem)
    reads, why = misprint["reads"], misprint["why"]
    if not _equal(computed, reads):
        problem = f"a misprint said to read {reads}, but the facts give {computed}"
    elif _equal(computed, printed):
        problem = f"marked as a misprint, but the facts give the printed {printed}"
    else:
        problem = None
    return Finding(*labels, printed, computed, misprint=why, problem=problem)


def _equal(computed: Number | None, printed: Any) -> bool:
    if computed is None or printed is None:
        return computed is printed
    return Decimal(str(printed)) == computed


def compute(check: dict[str, Any], facts: Facts) -> Number | None:
    chosen = [name for name in SELECTORS if name in check]
    if len(chosen) != 1:
        raise ValueError(f"needs exactly one of {', '.join(SELECTORS)}, has {chosen}")
    name = chosen[0]
    selector: dict[str, Any] = check[name]
    if name == "staffing":
        return staffing_total(selector, facts)
    if name == "budget":
        return budget_figure(selector, facts)
    if name == "tasks":
        return task_count(selector, facts)
    return indicator_total(selector, facts)


def staffing_total(s: dict[str, Any], facts: Facts) -> int | None:
    units = facts.units(s["unit"], s.get("descendants", False))
    tables = [
        t
        for t in facts.candidates("staffing", ("reference_date", "unit"), s["reference_date"])
        if t["unit"] in units and t["reference_date"] == s["reference_date"]
    ]
    if not tables:
        raise ValueError(f"no staffing table of {sorted(units)} at {s['reference_date']}")
    field, category = s["field"], s.get("category")
    if field == "women" and category is None:
        return _sum(t.get("women", _sum(r.get("women") for r in t["rows"])) for t in tables)
    rows = [r for t in tables for r in t["rows"] if category in (None, r["category"])]
    if not rows:
        raise ValueError(f"no rows of category {category}")
    return _sum(r.get(field) for r in rows)


def budget_figure(s: dict[str, Any], facts: Facts) -> Number | None:
    figure = _budget(s, s["fiscal_year"], s["reference_date"], facts)
    if "minus" in s:
        before = _budget(s, s["minus"]["fiscal_year"], s["minus"]["reference_date"], facts)
        if figure is None or before is None:
            return None
        figure -= before
    return figure


BUDGET_TEST = ("reference_date", "unit", "fiscal_year", "item")
"""The fields _budget's test of a line reads."""


def _budget(s: dict[str, Any], year: int, on: str, facts: Facts) -> Number | None:
    units = facts.units(s["unit"], s.get("descendants", False))
    lines = [
        b
        for b in facts.candidates("budget", BUDGET_TEST, on)
        if b["unit"] in units
        and b["fiscal_year"] == year
        and b["reference_date"] == on
        and s.get("account", b.get("account")) == b.get("account")
        and s.get("item", b["item"]) == b["item"]
    ]
    if not lines:
        raise ValueError(f"no budget line of {sorted(units)} for {year} at {on}")
    field = s["field"]
    if field == "projects":
        return _sum(b.get("projects") for b in lines)
    budgeted = sum(int(b["budgeted"]) * MONEY_UNITS[b["money_unit"]] for b in lines)
    executed = _sum(won(b, "executed") for b in lines)
    if field == "rate":
        return None if executed is None else _round(Decimal(executed) * 100 / budgeted, "0.1")
    amount = {
        "budgeted": budgeted,
        "executed": executed,
        "remaining": None if executed is None else budgeted - executed,
    }[field]
    if amount is None:
        return None
    scale = MONEY_UNITS[s["money_unit"]]
    if s.get("rounded"):
        return _round(Decimal(amount) / scale, "1")
    if amount % scale:
        raise ValueError(f"{amount} won is not a whole number of {s['money_unit']}")
    return amount // scale


def won(line: dict[str, Any], field: str) -> int | None:
    value = line.get(field)
    return None if value is None else int(value) * MONEY_UNITS[line["money_unit"]]


def task_count(s: dict[str, Any], facts: Facts) -> int:
    latest: dict[str, dict[str, Any]] = {}
    for task in facts.entries("tasks"):
        if task["unit"] != s["unit"] or task["kind"] != s["kind"]:
            continue
        if task["valid_from"] > s["as_of"]:
            continue
        held = latest.get(task["key"])
        if held is None or held["valid_from"] <= task["valid_from"]:
            latest[task["key"]] = task
    return sum(
        1
        for task in latest.values()
        if task.get("listed", True)
        and s.get("category", task.get("category")) == task.get("category")
        and s.get("status", task.get("status")) == task.get("status")
    )


def indicator_total(s: dict[str, Any], facts: Facts) -> Number:
    """The sum over the keys of each period's value; over several periods, their sum, or with
    average = true their mean (평균 of a row over years)."""
    periods = s["periods"] if "periods" in s else [s["period"]]
    values = {
        (indicator["key"], point["period"]): point["value"]
        for indicator in facts.entries("indicators")
        if indicator["key"] in s["keys"]
        for point in indicator["points"]
        if point["period"] in periods and point["kind"] == s["kind"]
    }
    missing = [(k, p) for k in s["keys"] for p in periods if (k, p) not in values]
    if missing:
        raise ValueError(f"no {s['kind']} point for {missing}")
    total = sum(values.values())
    return _round(Decimal(total) / len(periods), "1") if s.get("average") else total


def _sum(values: Iterable[int | None]) -> int | None:
    """The sum, or None where any value is missing (a total of unknowns is unknown)."""
    total = 0
    for value in values:
        if value is None:
            return None
        total += value
    return total


def _round(value: Decimal, places: str) -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def load_folder(folder: Path) -> list[tuple[str, Document]]:
    return [(path.name, load_file(path)) for path in sorted(folder.glob("*.toml"))]


def load_file(path: Path) -> Document:
    try:
        return tomli.loads(path.read_text(encoding="utf-8"))
    except tomli.TOMLDecodeError as error:
        raise CheckError(f"{path.name} is not valid TOML: {error}") from None
    except UnicodeDecodeError as error:
        raise CheckError(f"{path.name} is not UTF-8 text: {error}") from None


if __name__ == "__main__":
    for finding in run_checks(
        load_folder(Path(sys.argv[1] if len(sys.argv) > 1 else "data/seoul"))
    ):
        print(("ok   " if finding.passed else "FAIL ") + str(finding))
