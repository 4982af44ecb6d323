"""Budget lines: matched by unit, fiscal year, account and item among the lines the ledger holds.
A line the reader gives to the report's own unit because the report names no department for it
(a fund in 004) is matched under the department that holds it, and its owner proposed; new lines
are keyed by unit, account and item (not the fiscal year: next year's line gets the same key)."""

from __future__ import annotations

from typing import Any

from domain.names import unspaced
from reports.draft import NEW, Match, Proposal
from reports.holdings import HeldLine
from reports.matching.context import Context, UnitRef
from reports.matching.keys import id_key, new_key
from reports.model import BudgetFact

SAME = "same unit, fiscal year, account and item"


def match_budget(context: Context) -> dict[int, dict[str, Any]]:
    """Write the [[budget]] entries; each fact's entry by id(fact), for the checks."""
    entries: dict[int, dict[str, Any]] = {}
    for fact in context.reading.facts():
        if isinstance(fact, BudgetFact):
            entries[id(fact)] = _line(context, fact)
    return entries


def _same(line: HeldLine, fact: BudgetFact, year: bool = True) -> bool:
    return (
        (not year or line.fiscal_year == fact.fiscal_year)
        and unspaced(line.account or "") == unspaced(fact.account or "")
        and unspaced(line.item) == unspaced(fact.item)
    )


def _held(unit: UnitRef, fact: BudgetFact) -> HeldLine | None:
    lines = unit.held.lines if unit.held else ()
    return next((line for line in lines if _same(line, fact)), None)


def _line(context: Context, fact: BudgetFact) -> dict[str, Any]:
    owner = context.unit(fact.unit)
    label = f"{fact.item} {fact.fiscal_year} of {fact.unit}"
    held = _held(owner, fact)
    if held is None and owner.key == context.own.key:
        owner = _owner(context, fact, owner)
        held = _held(owner, fact)
    if held is None:
        key = new_key("line", str(owner.id), fact.account or "", fact.item)
        context.matched(Match("line", label, key, NEW, None, fact.source))
    else:
        key = id_key(held.id)
        context.matched(Match("line", label, key, SAME, held.id, fact.source))
    entry = _entry(fact, owner.key, key)
    entry.update(context.section("budget", fact.table))
    context.entries("budget").append(entry)
    return entry


def _owner(context: Context, fact: BudgetFact, own: UnitRef) -> UnitRef:
    """The owner of a line the reader left to the report's own unit: the one department of the
    report that the ledger holds the line (of any year) under, if any; a proposal either way
    where the report lists departments."""
    departments = [context.unit(name) for name in context.departments()]
    if not departments:
        return own
    holding = [unit for unit in departments
               if unit.held and any(_same(line, fact, year=False) for line in unit.held.lines)]
    subject = f"budget line {fact.item} {fact.fiscal_year}"
    if len(holding) == 1:
        owner = holding[0]
        why = (f"the report names no department for {fact.item}; the ledger holds the line "
               f"under {owner.name}, which is kept")
        context.propose(Proposal(subject, "unit", owner.name, why, fact.source))
        return owner
    why = (f"the report names no department for {fact.item}: given to the report's unit "
           f"{own.name}")
    context.propose(Proposal(subject, "unit", own.name, why, fact.source))
    return own


def _entry(fact: BudgetFact, unit: str, key: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"unit": unit, "line": key, "fiscal_year": fact.fiscal_year}
    if fact.account is not None:
        entry["account"] = fact.account
    entry |= {"item": fact.item, "reference_date": fact.reference_date.isoformat(),
              "money_unit": fact.money_unit, "budgeted": fact.budgeted,
              "source_line": fact.source.line}
    for name in ("executed", "projects", "note"):
        value = getattr(fact, name)
        if value is not None:
            entry[name] = value
    return entry
