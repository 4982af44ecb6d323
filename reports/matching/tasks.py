"""Tasks, per unit and kind (and category: an audit follow-up's, and a major task's group, within
which numbers restart): the held task whose state in force has the same date and number (a
re-read), else the same title, else the same number with a similar title (a proposal), else new.
A held task listed at the report's date that the report no longer lists leaves the list."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from domain.names import unspaced
from reports.draft import NEW, Match, Proposal
from reports.holdings import HeldTask
from reports.matching.context import Context, UnitRef
from reports.matching.keys import id_key, new_key, unique
from reports.model import TaskFact

AUDIT = "AUDIT_FOLLOW_UP"
SIMILAR = 0.6
"""The least difflib ratio (of the unspaced titles) at which a task of the same number is the
held one retitled."""
Found = tuple[HeldTask, str] | None
Rule = Callable[[TaskFact, HeldTask], str | None]


def match_tasks(context: Context) -> None:
    facts = [fact for fact in context.reading.facts() if isinstance(fact, TaskFact)]
    for unit, kind in dict.fromkeys((unspaced(f.unit), f.kind) for f in facts):
        listed = [f for f in facts if (unspaced(f.unit), f.kind) == (unit, kind)]
        _list(context, listed)


def _list(context: Context, facts: list[TaskFact]) -> None:
    """One list: a unit's tasks of one kind at one date."""
    unit = context.unit(facts[0].unit)
    held = [t for t in (unit.held.tasks if unit.held else ()) if t.kind == facts[0].kind]
    found: list[Found] = [None] * len(facts)
    claimed: set[UUID] = set()
    for rule in (_same_date_and_number, _same_title, _similar_title):
        for index, fact in enumerate(facts):
            if found[index] is None:
                found[index] = _first(fact, held, claimed, rule)
    taken = context.keys("tasks")
    for fact, match in zip(facts, found, strict=True):
        _entry(context, fact, unit, match, taken)
    day = facts[0].valid_from
    for task in held:
        if task.id not in claimed and _leaves(task, day):
            _unlisted(context, unit.key, task, day)


def _first(fact: TaskFact, held: list[HeldTask], claimed: set[UUID], rule: Rule) -> Found:
    for task in held:
        if task.id in claimed or not _comparable(fact, task, rule):
            continue
        why = rule(fact, task)
        if why is not None:
            claimed.add(task.id)
            return task, why
    return None


def _comparable(fact: TaskFact, task: HeldTask, rule: Rule) -> bool:
    """Follow-ups compare within their category; major tasks too where a number is compared."""
    if fact.kind != AUDIT and rule is _same_title:
        return True
    return unspaced(fact.category or "") == unspaced(task.category or "")


def _same_date_and_number(fact: TaskFact, task: HeldTask) -> str | None:
    same = task.valid_from == fact.valid_from and fact.number is not None
    return "same date and number" if same and task.number == fact.number else None


def _same_title(fact: TaskFact, task: HeldTask) -> str | None:
    printed = unspaced(fact.title)
    if unspaced(task.title) == printed:
        return "same title"
    if task.description and unspaced(task.description) == printed:
        return "same title (the printed text is the ledger's description)"
    return None


def _similar_title(fact: TaskFact, task: HeldTask) -> str | None:
    if fact.number is None or task.number != fact.number:
        return None
    ratio = difflib.SequenceMatcher(None, unspaced(task.title), unspaced(fact.title)).ratio()
    return f"title similar ({ratio:.2f}) with the same number" if ratio >= SIMILAR else None


def _leaves(task: HeldTask, day: date) -> bool:
    """Whether a held task the report does not list gets listed = false at the report's date:
    listed then, or taken off the list at that very date (a re-read of the report that did)."""
    return task.valid_from <= day if task.listed else task.valid_from == day


def _entry(context: Context, fact: TaskFact, unit: UnitRef, match: Found,
           taken: set[str]) -> None:
    if match is None:
        key = unique(new_key("task", str(unit.id), fact.kind, fact.category or "", fact.title),
                     taken)
        context.matched(Match("task", fact.title, key, NEW, None, fact.source))
        title, description = fact.title, fact.description
    else:
        key, title, description = _held_entry(context, fact, *match)
    entry = {"unit": unit.key, "key": key, "kind": fact.kind,
             "valid_from": fact.valid_from.isoformat(), "source_line": fact.source.line}
    entry |= _optional(fact, title, description)
    entry.update(context.section("tasks", fact.section))
    context.entries("tasks").append(entry)


def _held_entry(context: Context, fact: TaskFact, task: HeldTask,
                why: str) -> tuple[str, str, str | None]:
    """The key, title and description of a fact that restates a held task."""
    key = id_key(task.id)
    title, description = fact.title, fact.description
    if _condensed(task, fact):
        title, description = task.title, task.description
        why += "; the ledger's shorter title kept (its description is the printed text)"
    context.matched(Match("task", fact.title, key, why, task.id, fact.source))
    if why.startswith("title similar"):
        context.propose(Proposal(f"task {fact.title}", "key", key,
                                 f"{why}: the held task {task.title!r} retitled", fact.source))
    return key, title, description


def _condensed(task: HeldTask, fact: TaskFact) -> bool:
    """The ledger holds the printed text as the description of a shorter title (a transcriber's
    condensed title)."""
    printed = unspaced(fact.description or fact.title)
    held = unspaced(task.description or "")
    return held == printed and len(unspaced(task.title)) < len(printed)


def _optional(fact: TaskFact, title: str, description: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    if fact.number is not None:
        entry["number"] = fact.number
    entry["title"] = title
    values: dict[str, Any] = {
        "description": description,
        "status": fact.status,
        "status_since": fact.status_since.isoformat() if fact.status_since else None,
        "category": fact.category,
        "responsible": fact.responsible,
    }
    entry |= {name: value for name, value in values.items() if value is not None}
    if fact.milestones:
        entry["milestones"] = [{"when": m.when, "what": m.what} for m in fact.milestones]
    return entry


def _unlisted(context: Context, unit: str, task: HeldTask, day: date) -> None:
    key = id_key(task.id)
    entry: dict[str, Any] = {"unit": unit, "key": key, "kind": task.kind,
                             "valid_from": day.isoformat(), "title": task.title}
    if task.description is not None:
        entry["description"] = task.description
    if task.category is not None:
        entry["category"] = task.category
    entry["listed"] = False
    context.entries("tasks").append(entry)
    why = (f"listed from {task.valid_from}, not listed by this report: off the list from {day} "
           "(not thereby completed)" if task.listed else
           f"off the list from {day}, as the ledger holds it")
    context.matched(Match("task", task.title, key, why, task.id))
