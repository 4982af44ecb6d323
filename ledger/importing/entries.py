"""A data file's entries (docs/data-format.md) read as the commands that record them: where each
fact is printed, and what it asks the ledger to hold. Pure: parsed TOML in, commands out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any
from uuid import UUID

from domain import commands as c
from domain import ids
from domain.indicator import IndicatorKind
from domain.task import TaskKind, TaskStatus
from ledger.importing.checks import MONEY_UNITS, Document

KINDS = ("units", "staffing", "budget", "tasks", "indicators")
"""The kinds of fact a data file holds, in recording order (a unit before its figures)."""


def facts(document: Document) -> Iterator[tuple[str, dict[str, Any]]]:
    """The document's facts in recording order; each point of an indicator is a fact."""
    for kind in KINDS:
        for entry in document.get(kind, []):
            if kind == "indicators":
                series = {k: v for k, v in entry.items() if k != "points"}
                for point in entry["points"]:
                    yield kind, {**series, **point}
            else:
                yield kind, entry


def source_of(document: Document, kind: str, entry: dict[str, Any]) -> str:
    """The document, and where in it the fact is printed: "<file> § <section>", with the line
    ("<file>:<line> § <section>") where the entry gives it (`source_line`)."""
    file: str = document["source"]["file"]
    if "source_line" in entry:
        file = f"{file}:{int(entry['source_line'])}"
    section = entry.get("section") or document["source"].get("sections", {}).get(kind)
    return f"{file} § {section}" if section else file


def describe(entry: dict[str, Any]) -> str:
    """An entry as a reader finds it in its file."""
    for name in ("key", "line", "unit"):
        if name in entry:
            when = entry.get("reference_date") or entry.get("valid_from") or ""
            return f"{entry[name]} {when}".strip()
    return "entry"


def day(text: str) -> date:
    return date.fromisoformat(text)


def staffing_command(entry: dict[str, Any]) -> c.RecordStaffing:
    rows = tuple(
        c.StaffingRowInput(
            job_category=r["category"],
            grade=r.get("grade"),
            authorized=r.get("authorized"),
            current=r["current"],
            women=r.get("women"),
            series_key=r["series"],
            resolution=r.get("resolution"),
        )
        for r in entry["rows"]
    )
    unit_id = ids.unit_id(entry["unit"])
    on = day(entry["reference_date"])
    return c.RecordStaffing(unit_id, on, rows, entry.get("women"), entry.get("note"))


def budget_command(entry: dict[str, Any], line_id: UUID) -> c.RecordBudgetLine:
    """The line's figures in won, as printed in the file's money unit (e.g. 천원) kept too."""
    unit = entry["money_unit"]
    scale = MONEY_UNITS[unit]
    executed = entry.get("executed")
    return c.RecordBudgetLine(
        line_id=None,
        new_line_id=line_id,
        org_unit_id=ids.unit_id(entry["unit"]),
        fiscal_year=entry["fiscal_year"],
        account=entry.get("account"),
        item=entry["item"],
        reference_date=day(entry["reference_date"]),
        budgeted=entry["budgeted"] * scale,
        executed=None if executed is None else executed * scale,
        projects=entry.get("projects"),
        note=entry.get("note"),
        as_printed={"unit": unit, "budgeted": entry["budgeted"], "executed": executed},
    )


def task_command(entry: dict[str, Any], task_id: UUID) -> c.RecordTask:
    return c.RecordTask(
        task_id=None,
        new_task_id=task_id,
        org_unit_id=ids.unit_id(entry["unit"]),
        kind=TaskKind(entry["kind"]),
        title=entry["title"],
        status=TaskStatus(entry["status"]) if "status" in entry else None,
        valid_from=day(entry["valid_from"]),
        listed=entry.get("listed", True),
        status_since=day(entry["status_since"]) if "status_since" in entry else None,
        category=entry.get("category"),
        number=entry.get("number"),
        responsible=entry.get("responsible"),
        milestones=tuple(entry.get("milestones", [])),
        description=entry.get("description"),
    )


def indicator_command(entry: dict[str, Any], indicator_id: UUID) -> c.RecordIndicatorValue:
    return c.RecordIndicatorValue(
        indicator_id=None,
        new_indicator_id=indicator_id,
        org_unit_id=ids.unit_id(entry["unit"]),
        name=entry["name"],
        group=entry.get("group"),
        measure=entry["measure"],
        period=str(entry["period"]),
        kind=IndicatorKind(entry["kind"]),
        value=entry["value"],
        reference_date=day(entry["reference_date"]),
        printed=entry.get("printed"),
    )


def subjects_of(kind: str, entry: dict[str, Any]) -> list[UUID]:
    """The ids of the aggregates planning an entry reads (its subject, and its unit or parent),
    so that they can be read at once beforehand; none for an entry that cannot be read (planning
    says why)."""
    try:
        if kind == "units":
            parent = entry.get("parent")
            return [ids.unit_id(entry["key"]), *([ids.unit_id(parent)] if parent else [])]
        unit = [ids.unit_id(entry["unit"])]
        if kind == "budget":
            return [ids.budget_line_id(f"{entry['line']}:{entry['fiscal_year']}"), *unit]
        if kind == "tasks":
            return [ids.task_id(entry["key"]), *unit]
        if kind == "indicators":
            return [ids.indicator_id(entry["key"]), *unit]
        return unit
    except (KeyError, TypeError, ValueError, AttributeError):
        return []


def fact_key(kind: str, entry: dict[str, Any]) -> tuple[Any, ...] | None:
    """What identifies the fact an entry states (the importer's key for it): the same fact
    stated twice in one import has one key. None for units, whose entries are dated changes."""
    if kind == "staffing":
        return ("staffing", ids.unit_id(entry["unit"]), day(entry["reference_date"]))
    if kind == "budget":
        line_id = ids.budget_line_id(f"{entry['line']}:{entry['fiscal_year']}")
        return ("budget", line_id, day(entry["reference_date"]))
    if kind == "tasks":
        return ("task", ids.task_id(entry["key"]), day(entry["valid_from"]))
    if kind == "indicators":
        indicator, on = ids.indicator_id(entry["key"]), day(entry["reference_date"])
        return ("indicator", indicator, str(entry["period"]), IndicatorKind(entry["kind"]), on)
    return None
