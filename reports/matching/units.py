"""The report's units: its own and the departments it lists under it, found by unspaced name
among the units the ledger holds (a department's by its parent where two share a name), or new,
under the parent the report names (the report's own unit: a proposal)."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.ids import unit_id
from domain.names import unspaced
from reports.draft import NEW, Match, Proposal
from reports.holdings import HeldUnit
from reports.matching.context import Context, UnitRef
from reports.matching.keys import id_key, new_key
from reports.model import Source, UnitFact


def match_units(context: Context) -> None:
    """Match the report's own unit, then its departments, and write their [[units]] entries."""
    own = _own(context)
    context.units[unspaced(own.name)] = own
    for name in context.departments():
        context.units[unspaced(name)] = _department(context, name, own)


def _source(context: Context, name: str) -> Source | None:
    return next((fact.source for fact in context.reading.facts()
                 if isinstance(fact, UnitFact) and unspaced(fact.name) == unspaced(name)), None)


def _earliest(context: Context, names: list[str]) -> date:
    day = context.earliest({unspaced(name) for name in names})
    assert day is not None, "a report without a reference date has no facts to match"
    return day


def _entry(context: Context, unit: UnitRef, parent: str, valid_from: date) -> None:
    entry: dict[str, Any] = {"key": unit.key, "name": unit.name, "parent": parent,
                             "valid_from": valid_from.isoformat()}
    source = _source(context, unit.name)
    if source is not None:
        entry["source_line"] = source.line
    context.entries("units").append(entry)


def _own(context: Context) -> UnitRef:
    name = context.reading.unit
    everything = [name, *context.departments()]
    held, why = _held_own(context, name)
    source = _source(context, name)
    if held is None:
        return _new_own(context, name, _earliest(context, everything), source)
    unit = UnitRef(held.name, id_key(held.id), held.id, held)
    parent = id_key(held.parent_id) if held.parent_id else ""
    _entry(context, unit, parent, held.valid_from)
    context.matched(Match("unit", name, unit.key, why, held.id, source))
    if len(context.holdings.named(name)) > 1:
        context.propose(Proposal(f"unit {name}", "key", unit.key, why, source))
    return unit


def _held_own(context: Context, name: str) -> tuple[HeldUnit | None, str]:
    found = context.holdings.named(name)
    if len(found) > 1:
        on = context.reading.reference_date
        found = tuple(u for u in found if on is None or u.valid_from <= on) or found
        return found[0], f"same name (one of {len(found)} units of that name, the first held)"
    return (found[0], "same name") if found else (None, NEW)


def _new_own(context: Context, name: str, valid_from: date, source: Source | None) -> UnitRef:
    roots = context.holdings.roots()
    parent = roots[0] if len(roots) == 1 and context.holdings.children(roots[0]) else None
    key = new_key("unit", str(parent.id) if parent else "", name)
    unit = UnitRef(name, key, unit_id(key), None)
    _entry(context, unit, id_key(parent.id) if parent else "", valid_from)
    context.matched(Match("unit", name, key, NEW, None, source))
    where = (f"the ledger's only root unit, {parent.name}, which holds the others" if parent
             else "the ledger has no single root unit holding others: a root")
    context.propose(Proposal(f"unit {name}", "parent", parent.name if parent else "",
                             f"the report does not name its unit's parent; {where}", source))
    _propose_start(context, unit, valid_from, source)
    return unit


def _department(context: Context, name: str, own: UnitRef) -> UnitRef:
    source = _source(context, name)
    valid_from = _earliest(context, [name])
    held, why = _held_department(context, name, own)
    if held is None:
        key = new_key("unit", str(own.id), name)
        unit = UnitRef(name, key, unit_id(key), None)
        _entry(context, unit, own.key, valid_from)
        context.matched(Match("unit", name, key, why, None, source))
        _propose_start(context, unit, valid_from, source)
        return unit
    unit = UnitRef(held.name, id_key(held.id), held.id, held)
    if held.parent_id == own.id:
        _entry(context, unit, own.key, held.valid_from)
    else:
        before = context.holdings.unit(held.parent_id)
        why += (f"; the report places it under {own.name}, the ledger under "
                f"{before.name if before else 'no unit'}: moved from {valid_from}")
        _entry(context, unit, own.key, valid_from)
    context.matched(Match("unit", name, unit.key, why, held.id, source))
    return unit


def _held_department(context: Context, name: str, own: UnitRef) -> tuple[HeldUnit | None, str]:
    found = context.holdings.named(name)
    if len(found) <= 1:
        return (found[0], "same name") if found else (None, NEW)
    under = [u for u in found if u.parent_id == own.id or _parent_named(context, u, own.name)]
    if len(under) == 1:
        return under[0], f"same name, under {own.name} (one of {len(found)} of that name)"
    return None, f"{NEW}: {len(found)} units of that name, none alone under {own.name}"


def _parent_named(context: Context, unit: HeldUnit, name: str) -> bool:
    parent = context.holdings.unit(unit.parent_id)
    return parent is not None and unspaced(parent.name) == unspaced(name)


def _propose_start(context: Context, unit: UnitRef, valid_from: date,
                   source: Source | None) -> None:
    context.propose(Proposal(
        f"unit {unit.name}", "valid_from", valid_from.isoformat(),
        "the earliest reference date of the report's facts for the unit (and the units under "
        "it); the report does not say since when it exists", source))


def check_registrations(context: Context) -> None:
    """A held unit registered after the earliest of the draft's facts that it owns: the ledger
    has no command to re-date a registration, so a person must decide."""
    for unit in context.units.values():
        days = [day for kind, entry in _owned(context) if entry["unit"] == unit.key
                for day in _dates(kind, entry)]
        earliest = min(days, default=None)
        if unit.held is not None and earliest is not None and \
                unit.held.valid_from.isoformat() > earliest:
            context.propose(Proposal(
                f"unit {unit.name}", "valid_from", earliest,
                f"the ledger holds the unit from {unit.held.valid_from}, after the report's "
                f"facts for it of {earliest}; a registration cannot be re-dated by an import"))


def _owned(context: Context) -> list[tuple[str, dict[str, Any]]]:
    return [(kind, entry) for kind in ("staffing", "budget", "tasks", "indicators")
            for entry in context.document.get(kind, [])]


def _dates(kind: str, entry: dict[str, Any]) -> list[str]:
    if kind == "indicators":
        return [point["reference_date"] for point in entry["points"]]
    return [entry["valid_from" if kind == "tasks" else "reference_date"]]
