"""The `[[checks]]` of a draft: every printed total the reader checked, with the selector
(docs/data-format.md) that makes the importer compute it again from the draft's facts. A
selector is written only when it gives the figure the reader computed; a total the format cannot
select (a count of units) or that no selector gives is left out, and the draft says so."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from domain.names import unspaced
from reports.matching.budget_checks import budget_selector, cell_facts
from reports.matching.context import Context
from reports.matching.indicators import Identity, identity
from reports.matching.totals import agrees, value
from reports.model import (
    BudgetFact,
    Check,
    IndicatorPointFact,
    StaffingFact,
    Table,
    TaskFact,
)
from reports.reading.audit_summary import status_of

Entry = dict[str, Any]
SELECTORS = ("staffing", "budget", "tasks", "indicators")
"""The kinds of table whose totals a selector of the same name selects."""
_TOTALS = ("계", "합계", "총계", "소계", "총")
_FIELDS = (("여성", "women"), ("현원", "current"), ("정원", "authorized"))
_YEAR = re.compile(r"^['’‘`]?(?P<year>\d{2}|\d{4})년?$")


@dataclass(frozen=True)
class Written:
    """What the draft wrote that a selector names: the budget entries by id(fact), the
    indicators' keys by identity, and each printed budget figure's fact by line and start."""

    lines: dict[int, Entry]
    keys: dict[Identity, str]
    cells: dict[tuple[int, int], BudgetFact]

    def covered(self, check: Check) -> list[Entry]:
        """The budget entries whose printed figures the check sums, once each."""
        found = [self.lines[id(self.cells[(c.line, c.start)])] for c in check.covers
                 if (c.line, c.start) in self.cells]
        return list({id(line): line for line in found}.values())


def write_checks(context: Context, lines: dict[int, Entry], keys: dict[Identity, str]) -> None:
    """Write a check for each printed total of the reading; lines: the budget entries by
    id(fact); keys: the indicators' keys by identity."""
    written = Written(lines, keys, cell_facts(context.reading))
    for table in context.reading.tables:
        for check in table.checks:
            selector = _selector(context, table, check, written)
            if selector is None:
                context.draft.left_out.append(_left_out(table, check))
                continue
            entry: Entry = {"table": check.table, "row": check.row, "column": check.column,
                            "printed": check.printed, table.kind: selector}
            if check.misprint is not None:
                entry["misprint"] = {"reads": check.computed, "why": check.misprint}
            context.entries("checks").append(entry)


def _left_out(table: Table, check: Check) -> str:
    why = ("the format has no selector for it" if table.kind not in SELECTORS
           else "no selector over the draft's facts gives the figure read")
    return (f"{check.table}, row {check.row}, column {check.column} (printed {check.printed}, "
            f"line {check.source.line}): {why}")


def _selector(context: Context, table: Table, check: Check, written: Written) -> Entry | None:
    """The selector of the check, if it gives the figure the reader computed."""
    if table.kind == "staffing":
        selector = _staffing(context, table, check)
    elif table.kind == "budget":
        selector = budget_selector(context.document, check, written.covered(check))
    elif table.kind == "tasks":
        selector = _tasks(context, table, check)
    elif table.kind == "indicators":
        selector = _indicators(context, table, check, written.keys)
    else:
        return None
    computed = value(context.document, table.kind, selector) if selector else None
    if selector is None or not agrees(computed, check.computed):
        return None
    return selector


def _labels(check: Check) -> str:
    return f"{unspaced(check.row)}|{unspaced(check.column)}"


def _named(labels: str, names: list[str]) -> str | None:
    """The longest of names printed in the labels."""
    found = [name for name in names if unspaced(name) and unspaced(name) in labels]
    return max(found, key=lambda name: len(unspaced(name)), default=None)


def _staffing(context: Context, table: Table, check: Check) -> Entry | None:
    facts = [fact for fact in table.facts if isinstance(fact, StaffingFact)]
    labels = _labels(check)
    field = next((name for word, name in _FIELDS if word in labels), None)
    if not facts or field is None:
        return None
    units = list(dict.fromkeys(fact.unit for fact in facts))
    named = _named(labels, units)
    chosen = named or (units[0] if len(units) == 1 else None)
    day = next(f.reference_date for f in facts if chosen in (None, f.unit))
    selector: Entry = {"unit": context.unit(chosen or context.reading.unit).key,
                       "reference_date": day.isoformat(), "field": field}
    categories = list(dict.fromkeys(row.category for fact in facts for row in fact.rows))
    category = _named(labels, categories)
    if category is not None:
        selector["category"] = category
    if chosen is None:
        selector["descendants"] = True
    return selector


def _tasks(context: Context, table: Table, check: Check) -> Entry | None:
    facts = [fact for fact in table.facts if isinstance(fact, TaskFact)]
    if not facts:
        return None
    first = facts[0]
    selector: Entry = {"unit": context.unit(first.unit).key, "kind": first.kind,
                       "as_of": first.valid_from.isoformat()}
    category = _named(unspaced(check.row), [f.category or "" for f in facts])
    if category is not None:
        selector["category"] = category
    status = status_of(check.column)
    if status is not None:
        selector["status"] = status
    return selector


def _indicators(context: Context, table: Table, check: Check,
                keys: dict[Identity, str]) -> Entry | None:
    """The indicators of the check's row (every row for a 계 row) and column (a year, a part
    such as 시, or every column for 전체 and 평균)."""
    facts = [fact for fact in table.facts if isinstance(fact, IndicatorPointFact)]
    if unspaced(check.row) not in _TOTALS:
        facts = [fact for fact in facts if fact.source.line == check.source.line]
    facts = _in_column(context, facts, check.column)
    periods = sorted({fact.period for fact in facts})
    kinds = {fact.kind for fact in facts}
    if not facts or len(kinds) != 1 or (len(periods) > 1 and unspaced(check.column) != "평균"):
        return None
    selector: Entry = {"keys": list(dict.fromkeys(keys[identity(f)] for f in facts))}
    if unspaced(check.column) == "평균":
        return selector | {"periods": periods, "kind": kinds.pop(), "average": True}
    return selector | {"period": periods[0], "kind": kinds.pop()}


def _in_column(context: Context, facts: list[IndicatorPointFact],
               column: str) -> list[IndicatorPointFact]:
    year = _YEAR.match(column.strip())
    if year is not None:
        return [fact for fact in facts if fact.period == _period(context, year["year"])]
    if unspaced(column) in (*_TOTALS, "전체", "평균"):
        return facts
    return [fact for fact in facts if f"({unspaced(column)})" in unspaced(fact.name)]


def _period(context: Context, year: str) -> str:
    if len(year) == 4:
        return year
    day = context.reading.reference_date
    century = (day.year // 100 * 100) if day else 2000
    return str(century + int(year))

