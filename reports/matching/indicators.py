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
    joined = _continuations(context, series)
    keys = {found: _indicator(context, points) for found, points in series.items()}
    return keys | {found: keys[into] for found, into in joined.items()}


def _continuations(
    context: Context, series: dict[Identity, list[IndicatorPointFact]]
) -> dict[Identity, Identity]:
    """Indicators that continue another of the report's series, joined into it (and taken out
    of series): a target line (정책 목표표) whose actual figure for a period is the other's for
    that period, of the same unit and measure, whose name begins with a word of the other's
    name (행정직군 시구 인사교류 확대 144명('12) ⇨ 420명('13), beside the table's 행정직군 row
    of exchanges, 144 in '12): its other points extend that series."""
    joined: dict[Identity, Identity] = {}
    for found, points in list(series.items()):
        into = next((other for other in series if other != found and other not in joined
                     and _continues(points, series[other])), None)
        if into is None:
            continue
        shared = {(p.period, p.kind) for p in series[into]}
        series[into].extend(p for p in points if (p.period, p.kind) not in shared)
        joined[found] = into
        first, other = points[0], series[into][0]
        if _held_already(context, other):
            continue
        context.propose(Proposal(
            f"indicator {first.name}", "key", other.name,
            f"its actual figure is the one {other.name} gives for the same period: its other "
            "points are taken as that series' (a person confirms they measure one thing)",
            first.source))
    for found in joined:
        del series[found]
    return joined


def _held_already(context: Context, fact: IndicatorPointFact) -> bool:
    """Whether the series joined into is held (the join was confirmed when it was recorded)."""
    owner = context.unit(fact.unit).held
    return owner is not None and any(_same(held, fact) for held in owner.indicators)


def _continues(points: list[IndicatorPointFact], other: list[IndicatorPointFact]) -> bool:
    first, theirs = points[0], other[0]
    if (unspaced(first.unit), unspaced(first.measure)) != (
        unspaced(theirs.unit), unspaced(theirs.measure)
    ) or not first.name.split():
        return False
    if unspaced(first.name.split()[0]) not in unspaced(theirs.name):
        return False
    actual = {(p.period, p.value) for p in other if p.kind == "ACTUAL"}
    return any(p.kind == "ACTUAL" and (p.period, p.value) in actual for p in points) and any(
        p.kind == "TARGET" for p in points
    ) and not any(p.kind == "TARGET" for p in other)


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
                             "reference_date": fact.reference_date.isoformat(),
                             "source_line": fact.source.line}
    if fact.printed is not None:
        point["printed"] = fact.printed
    return point
