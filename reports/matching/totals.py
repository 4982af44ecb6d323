"""What a `[[checks]]` selector selects from a draft document, and the figure it gives, as
docs/data-format.md defines them (the importer computes the same over the folder it imports):
used to choose, among the selectors a printed total could have, the one that selects exactly
the facts the reader summed for it and gives the figure the reader computed."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

MONEY_UNITS = {"원": 1, "천원": 1_000, "백만원": 1_000_000, "억원": 100_000_000}
Entry = dict[str, Any]
Number = int | Decimal


def units_under(document: Entry, unit: str, descendants: bool) -> set[str]:
    """unit, and with descendants every unit of the document below it."""
    if not descendants:
        return {unit}
    parents = {u["key"]: u["parent"] for u in document.get("units", [])}
    return {unit} | {key for key in parents if unit in chain(parents, key)[1:]}


def chain(parents: dict[str, str], key: str) -> list[str]:
    """key and the units above it, nearest first."""
    found: list[str] = []
    while key and key not in found:
        found.append(key)
        key = parents.get(key, "")
    return found


def staffing_tables(document: Entry, s: Entry) -> list[Entry]:
    units = units_under(document, s["unit"], s.get("descendants", False))
    return [t for t in document.get("staffing", [])
            if t["unit"] in units and t["reference_date"] == s["reference_date"]]


def staffing_value(document: Entry, s: Entry) -> int | None:
    tables = staffing_tables(document, s)
    field, category = s["field"], s.get("category")
    if field == "women" and category is None:
        return _sum(t.get("women", _sum(r.get("women") for r in t["rows"])) for t in tables)
    rows = [r for t in tables for r in t["rows"] if category in (None, r["category"])]
    return _sum(r.get(field) for r in rows) if rows else None


def budget_lines(document: Entry, s: Entry) -> list[Entry]:
    """The lines of the selection and, for a change (minus), of the year it is taken from."""
    found = _lines(document, s, s["fiscal_year"], s["reference_date"])
    if "minus" in s:
        found += _lines(document, s, s["minus"]["fiscal_year"], s["minus"]["reference_date"])
    return found


def _lines(document: Entry, s: Entry, year: int, on: str) -> list[Entry]:
    units = units_under(document, s["unit"], s.get("descendants", False))
    return [
        b for b in document.get("budget", [])
        if b["unit"] in units and b["fiscal_year"] == year and b["reference_date"] == on
        and s.get("account", b.get("account")) == b.get("account")
        and s.get("item", b["item"]) == b["item"]
    ]


def budget_value(document: Entry, s: Entry) -> Number | None:
    figure = _budget(_lines(document, s, s["fiscal_year"], s["reference_date"]), s)
    if "minus" not in s or figure is None:
        return figure
    before = _lines(document, s, s["minus"]["fiscal_year"], s["minus"]["reference_date"])
    earlier = _budget(before, s)
    return None if earlier is None else figure - earlier


def _budget(lines: list[Entry], s: Entry) -> Number | None:
    if not lines:
        return None
    if s["field"] == "projects":
        return _sum(b.get("projects") for b in lines)
    budgeted = sum(b["budgeted"] * MONEY_UNITS[b["money_unit"]] for b in lines)
    executed = _sum(None if b.get("executed") is None
                    else b["executed"] * MONEY_UNITS[b["money_unit"]] for b in lines)
    if s["field"] == "rate":
        return None if executed is None else _round(Decimal(executed) * 100 / budgeted, "0.1")
    remaining = None if executed is None else budgeted - executed
    amount = {"budgeted": budgeted, "executed": executed, "remaining": remaining}[s["field"]]
    scale = MONEY_UNITS[s["money_unit"]]
    if amount is None or (amount % scale and not s.get("rounded")):
        return None
    return _round(Decimal(amount) / scale, "1") if s.get("rounded") else amount // scale


def task_count(document: Entry, s: Entry) -> int:
    latest: dict[str, Entry] = {}
    for task in document.get("tasks", []):
        if (task["unit"], task["kind"]) == (s["unit"], s["kind"]) and \
                task["valid_from"] <= s["as_of"]:
            held = latest.get(task["key"])
            if held is None or held["valid_from"] <= task["valid_from"]:
                latest[task["key"]] = task
    return sum(
        1 for task in latest.values()
        if task.get("listed", True)
        and s.get("category", task.get("category")) == task.get("category")
        and s.get("status", task.get("status")) == task.get("status")
    )


def indicator_value(document: Entry, s: Entry) -> Number | None:
    periods = s["periods"] if "periods" in s else [s["period"]]
    values = {
        (indicator["key"], point["period"]): point["value"]
        for indicator in document.get("indicators", []) if indicator["key"] in s["keys"]
        for point in indicator["points"]
        if point["period"] in periods and point["kind"] == s["kind"]
    }
    if len(values) != len(s["keys"]) * len(periods):
        return None
    total = sum(values.values())
    return _round(Decimal(total) / len(periods), "1") if s.get("average") else total


def value(document: Entry, kind: str, selector: Entry) -> Number | None:
    """The figure a selector of that kind gives over the document, None where it gives none."""
    if kind == "staffing":
        return staffing_value(document, selector)
    if kind == "budget":
        return budget_value(document, selector)
    if kind == "tasks":
        return task_count(document, selector)
    return indicator_value(document, selector)


def agrees(computed: Number | None, expected: int | float) -> bool:
    return computed is not None and Decimal(str(expected)) == computed


def _sum(values: Iterable[int | None]) -> int | None:
    total = 0
    for found in values:
        if found is None:
            return None
        total += found
    return total


def _round(number: Decimal, places: str) -> Decimal:
    return number.quantize(Decimal(places), rounding=ROUND_HALF_UP)
