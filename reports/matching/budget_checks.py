"""The selector of a printed budget total: the lines whose printed figures the reader summed for
it (the cells it covers), selected exactly by the fewest filters (a unit, or a unit and those
under it; an account; an item), the field its column names, and a change (증감) where it covers
two fiscal years."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from domain.names import unspaced
from reports.matching.totals import MONEY_UNITS, budget_lines, chain
from reports.model import BudgetFact, Cell, Check, Reading

Entry = dict[str, Any]
Place = tuple[str, bool]
"""A unit's key, and whether the units under it count too."""


def cell_facts(reading: Reading) -> dict[tuple[int, int], BudgetFact]:
    """Each printed figure of a budget fact (by line and start), mapped to its fact: the fact of
    that table printed on the cell's line, or named by the cell's row; of two fiscal years, the
    one the cell's column names."""
    found: dict[tuple[int, int], BudgetFact] = {}
    for table in reading.tables:
        facts = [f for f in table.facts if isinstance(f, BudgetFact)]
        for cell in table.cells:
            fact = _fact_of(cell, facts)
            if fact is not None:
                found[(cell.line, cell.start)] = fact
    return found


def _fact_of(cell: Cell, facts: list[BudgetFact]) -> BudgetFact | None:
    row = unspaced(cell.row)
    on_line = [f for f in facts if f.source.line == cell.line] or [
        f for f in facts if row in (unspaced(f.item), unspaced(f.unit))]
    if len(on_line) > 1:
        on_line = [f for f in on_line if str(f.fiscal_year) in cell.column]
    return on_line[0] if len(on_line) == 1 else None


def budget_selector(document: Entry, check: Check, covered: list[Entry]) -> Entry | None:
    """The selector that selects exactly the covered lines, or None."""
    years = sorted({line["fiscal_year"] for line in covered})
    dates = {line["fiscal_year"]: line["reference_date"] for line in covered}
    money = {line["money_unit"] for line in covered}
    if not covered or len(years) > 2 or len(money) != 1 or len(dates) != len(years):
        return None
    column = unspaced(check.column)
    base: Entry = {"fiscal_year": years[-1], "reference_date": dates[years[-1]],
                   "field": field_of(column)}
    if column in MONEY_UNITS:
        base |= {"money_unit": column, "rounded": True}
    else:
        base["money_unit"] = money.pop()
    if len(years) == 2:
        base["minus"] = {"fiscal_year": years[0], "reference_date": dates[years[0]]}
    wanted = sorted(id(line) for line in covered)
    for selector in _candidates(document, covered, base):
        if sorted(id(line) for line in budget_lines(document, selector)) == wanted:
            return selector
    return None


def field_of(column: str) -> str:
    """The figure a column prints: 집행률 (or %), 잔액, 사업수, 집행액, else 예산액."""
    if "집행률" in column or "%" in column:
        return "rate"
    for word, field in (("잔액", "remaining"), ("사업수", "projects"), ("집행액", "executed")):
        if word in column:
            return field
    return "budgeted"


def _candidates(document: Entry, covered: list[Entry], base: Entry) -> Iterator[Entry]:
    """Selectors in order of preference: the nearest place first, then the fewest filters."""
    accounts = {line.get("account") for line in covered}
    items = {line["item"] for line in covered}
    account = accounts.pop() if len(accounts) == 1 else None
    item = items.pop() if len(items) == 1 else None
    filters = [{}, {"account": account}, {"item": item}, {"account": account, "item": item}]
    for unit, descendants in _places(document, {line["unit"] for line in covered}):
        below: Entry = {"descendants": True} if descendants else {}
        for extra in filters:
            if None not in extra.values():
                yield {"unit": unit, **base, **below, **extra}


def _places(document: Entry, units: set[str]) -> Iterator[Place]:
    """The one unit alone, then the units above all of them (with the units under them),
    nearest first."""
    parents = {u["key"]: u["parent"] for u in document.get("units", [])}
    chains = [chain(parents, unit) for unit in sorted(units)]
    if len(units) == 1:
        yield next(iter(units)), False
    for unit in chains[0]:
        if all(unit in other for other in chains):
            yield unit, True
