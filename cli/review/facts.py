"""The facts of one table of a report as read, one rich table per kind of fact: the unit, the
date and the figures as printed (money in the table's own unit), with the line each is on."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.console import Group

from cli.review.figures import figure, line, table, titled
from reports.model import (
    BudgetFact,
    Fact,
    IndicatorPointFact,
    StaffingFact,
    Table,
    TaskFact,
    UnitFact,
)

Row = Sequence[str]


def facts_table(found: Table) -> Group | None:
    """The table's facts (None when it has none: a table of totals only), with the notes printed
    under a staffing table."""
    if not found.facts:
        return None
    columns, numeric, rows = LAYOUTS[found.kind]
    printed = table(*columns, numeric=numeric)
    for fact in found.facts:
        for row in rows(fact):
            printed.add_row(*row)
    notes = [f"※ {fact.unit}: {fact.note}" for fact in found.facts
             if isinstance(fact, StaffingFact) and fact.note]
    return titled(f"facts ({len(found.facts)})", printed, *notes)


def staffing_rows(fact: Fact) -> list[Row]:
    assert isinstance(fact, StaffingFact)
    at = (line(fact.source.line), fact.unit, fact.reference_date.isoformat())
    rows: list[Row] = [
        (*at, row.category, row.grade or "", figure(row.authorized), figure(row.current),
         figure(row.women))
        for row in fact.rows
    ]
    if fact.women is not None:
        rows.append((*at, "(the unit)", "", "", "", figure(fact.women)))
    return rows


def budget_rows(fact: Fact) -> list[Row]:
    assert isinstance(fact, BudgetFact)
    return [(
        line(fact.source.line), fact.unit, fact.reference_date.isoformat(),
        str(fact.fiscal_year), fact.account or "", fact.item, fact.money_unit,
        figure(fact.budgeted), figure(fact.executed), figure(fact.projects),
    )]


def unit_rows(fact: Fact) -> list[Row]:
    assert isinstance(fact, UnitFact)
    return [(line(fact.source.line), fact.name, fact.parent or "(the report's own unit)")]


def task_rows(fact: Fact) -> list[Row]:
    assert isinstance(fact, TaskFact)
    number = "" if fact.number is None else str(fact.number)
    about = " / ".join(filter(None, (fact.category, fact.responsible)))
    since = f" since {fact.status_since}" if fact.status_since else ""
    status = f"{fact.status}{since}" if fact.status else ""
    return [(
        line(fact.source.line), fact.unit, fact.valid_from.isoformat(), fact.kind, number,
        fact.title, status, about, figure(len(fact.milestones)),
    )]


def indicator_rows(fact: Fact) -> list[Row]:
    assert isinstance(fact, IndicatorPointFact)
    return [(
        line(fact.source.line), fact.unit, fact.group or "", fact.name, fact.period, fact.kind,
        figure(fact.value), fact.measure, fact.reference_date.isoformat(), fact.printed or "",
    )]


Layout = tuple[Sequence[str], Sequence[str], Callable[[Fact], list[Row]]]
FIGURES = ("정원 authorized", "현원 current", "여성 women")
MONEY = ("예산액 budgeted", "집행액 executed", "사업수 projects")
LAYOUTS: dict[str, Layout] = {
    "staffing": (("line", "unit", "date", "category", "grade", *FIGURES), FIGURES, staffing_rows),
    "budget": (
        ("line", "unit", "date", "year", "account", "item", "money", *MONEY), MONEY, budget_rows
    ),
    "units": (("line", "unit", "under"), (), unit_rows),
    "tasks": (
        ("line", "unit", "from", "kind", "no.", "title", "status", "category / responsible",
         "milestones"),
        ("no.", "milestones"),
        task_rows,
    ),
    "indicators": (
        ("line", "unit", "group", "name", "period", "kind", "value", "measure", "date",
         "printed"),
        ("value",),
        indicator_rows,
    ),
}
