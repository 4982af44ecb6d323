"""Indicators: the points the report prints, one indicator per unit, name and group; matched by
name and group among the unit's held indicators, else among those of a unit above or below it
(an indicator the ledger gives to the city it describes: its owner kept, as a proposal), else
new."""

from __future__ import annotations

from typing import Any

from domain.names import unspaced
from reports.draft import NEW, Match, Proposal
from reports.holdings import HeldIndicator, HeldUnit
from reports.matching.context import Context, UnitRef
from reports.matching.keys import id_key, new_key, unique
from reports.model import IndicatorPointFact

Identity = tuple[str, str, str]
"""An indicator of the reading: unspaced unit, name and group."""


def identity(fact: IndicatorPointFact) -> Identity:
    return unspaced(fact.unit), unspaced(fact.name), unspaced(fact.group or "")


def match_indicators(context: Context) -> dict[Identity, str]:
    """Write the [[indicators]] entries; each indicator's key by its identity, for the checks."""
    series: dict[Identity, list[IndicatorPointFact]] = {}
    for fact in context.reading.facts():
        if isinstance(fact, IndicatorPointFact):
            series.setdefault(identity(fact), []).append(fact)
    return {found: _indicator(context, points) for found, points in series.items()}


def _same(held: HeldIndicator, fact: IndicatorPointFact) -> bool:
    return (unspaced(held.name), unspaced(held.group or "")) == identity(fact)[1:]


def _indicator(context: Context, points: list[IndicatorPointFact]) -> str:
    first = points[0]
    owner = context.unit(first.unit)
    held, unit, why = _held(context, owner, first)
    key = _key(context, owner, first, held)
    context.matched(Match("indicator", first.name, key, why, held.id if held else None,
                          first.source))
    entry: dict[str, Any] = {"key": key, "unit": unit, "name": held.name if held else first.name}
    group = held.group if held else first.group
    if group is not None:
        entry["group"] = group
    entry["measure"] = held.measure if held else first.measure
    entry["points"] = [_point(point) for point in points]
    entry.update(context.section("indicators", first.group))
    context.entries("indicators").append(entry)
    return key


def _held(context: Context, owner: UnitRef,
          fact: IndicatorPointFact) -> tuple[HeldIndicator | None, str, str]:
    """The held indicator, the key of the unit it stays under, and why."""
    mine = owner.held.indicators if owner.held else ()
    held = next((indicator for indicator in mine if _same(indicator, fact)), None)
    if held is not None:
        return held, owner.key, "same name and group"
    found = _elsewhere(context, owner.held, fact) if owner.held else None
    if found is None:
        return None, owner.key, NEW
    other, held = found
    context.propose(Proposal(
        f"indicator {fact.name}", "unit", other.name,
        f"the reader gives it to the report's unit {owner.name}; the ledger holds it under "
        f"{other.name}, which is kept", fact.source))
    return held, id_key(other.id), f"same name and group, held under {other.name}"


def _elsewhere(context: Context, unit: HeldUnit,
               fact: IndicatorPointFact) -> tuple[HeldUnit, HeldIndicator] | None:
    """The one indicator of that name, group and measure held by a unit above or below."""
    found = [(other, held) for other in context.holdings.related(unit)
             for held in other.indicators
             if _same(held, fact) and unspaced(held.measure) == unspaced(fact.measure)]
    return found[0] if len(found) == 1 else None


def _key(context: Context, owner: UnitRef, fact: IndicatorPointFact,
         held: HeldIndicator | None) -> str:
    if held is not None:
        return id_key(held.id)
    key = new_key("indicator", str(owner.id), fact.group or "", fact.name)
    return unique(key, context.keys("indicators"))


def _point(fact: IndicatorPointFact) -> dict[str, Any]:
    point: dict[str, Any] = {"period": fact.period, "kind": fact.kind, "value": fact.value,
                             "reference_date": fact.reference_date.isoformat()}
    if fact.printed is not None:
        point["printed"] = fact.printed
    return point
