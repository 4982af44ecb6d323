"""Helpers for the matcher's tests (tests/unit/test_match.py): what the ledger would hold after
importing data documents (the hand transcriptions data/seoul/*.toml, or drafts the matcher
made), as the Holdings the read model's query gives the matcher; and a transcription's entries
with the ids its keys derive, as a draft names the facts the ledger holds."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any
from uuid import UUID

from domain.ids import budget_line_id, indicator_id, task_id, unit_id
from reports.holdings import (
    HeldIndicator,
    HeldLine,
    HeldRow,
    HeldSeries,
    HeldTable,
    HeldTask,
    HeldUnit,
    Holdings,
)
from reports.matching.keys import id_key, id_of

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "seoul"
SEEDS = ROOT / "data" / "seeds"
Document = dict[str, Any]


@cache
def transcription(stem: str) -> Document:
    """The data file of a seed, parsed once (shared: not to be changed)."""
    with (DATA / f"{stem}.toml").open("rb") as file:
        return tomllib.load(file)


def seed_text(stem: str) -> str:
    return (SEEDS / f"{stem}.txt").read_text(encoding="utf-8")


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _unit(key: str) -> UUID:
    return id_of(key, unit_id)


def _line(entry: Document) -> UUID:
    return id_of(entry["line"], lambda key: budget_line_id(f"{key}:{entry['fiscal_year']}"))


def holdings_of(documents: Iterable[Document], on: date) -> Holdings:
    """What the ledger holds after importing the documents in order, as known on the report's
    date `on`: units with the name and parent of their latest entry on or before it, and tasks
    with their state in force then (tasks first recorded later are not held then)."""
    documents = list(documents)
    entries = {kind: [e for d in documents for e in d.get(kind, [])]
               for kind in ("units", "staffing", "budget", "tasks", "indicators")}
    dated: dict[UUID, list[Document]] = {}
    for entry in sorted(entries["units"], key=lambda e: e["valid_from"]):
        dated.setdefault(_unit(entry["key"]), []).append(entry)
    units = {uid: _in_force(found, on) for uid, found in dated.items()}
    return Holdings(tuple(_held_unit(uid, entry, entries, on) for uid, entry in units.items()))


def _in_force(dated: list[Document], on: date) -> Document:
    """The unit's latest entry on or before on (else its first), dated from the first entry of
    the run with the same name and parent that it ends."""
    before = [e for e in dated if e["valid_from"] <= on.isoformat()] or dated[:1]
    since = before[-1]
    for entry in reversed(before):
        if (entry["name"], entry["parent"]) != (since["name"], since["parent"]):
            break
        since = {**since, "valid_from": entry["valid_from"]}
    return since


def _held_unit(uid: UUID, entry: Document, entries: dict[str, list[Document]],
               on: date) -> HeldUnit:
    def mine(kind: str) -> list[Document]:
        return [e for e in entries[kind] if _unit(e["unit"]) == uid]

    parent = _unit(entry["parent"]) if entry["parent"] else None
    return HeldUnit(
        uid, entry["name"], parent, _day(entry["valid_from"]),
        series=_series(mine("staffing")), tables=_tables(mine("staffing")),
        lines=tuple(dict.fromkeys(HeldLine(_line(e), e["fiscal_year"], e.get("account"),
                                           e["item"]) for e in mine("budget"))),
        tasks=_tasks(mine("tasks"), on),
        indicators=tuple(dict.fromkeys(
            HeldIndicator(id_of(e["key"], indicator_id), e["name"], e.get("group"), e["measure"])
            for e in mine("indicators"))),
    )


def _series(tables: list[Document]) -> tuple[HeldSeries, ...]:
    seen: dict[tuple[str, str, str | None], date] = {}
    for table in tables:
        for row in table["rows"]:
            label = (row["series"], row["category"], row.get("grade"))
            seen[label] = max(seen.get(label, date.min), _day(table["reference_date"]))
    return tuple(HeldSeries(*label, last_seen=day) for label, day in seen.items())


def _tables(tables: list[Document]) -> tuple[HeldTable, ...]:
    return tuple(
        HeldTable(_day(t["reference_date"]), tuple(
            HeldRow(r["series"], r.get("authorized"), r["current"], r.get("women"),
                    r.get("resolution")) for r in t["rows"]))
        for t in tables
    )


def _tasks(entries: list[Document], on: date) -> tuple[HeldTask, ...]:
    latest: dict[UUID, Document] = {}
    for entry in sorted(entries, key=lambda e: e["valid_from"]):
        if entry["valid_from"] <= on.isoformat():
            latest[id_of(entry["key"], task_id)] = entry
    return tuple(
        HeldTask(tid, e["kind"], e["title"], _day(e["valid_from"]), e.get("number"),
                 e.get("description"), e.get("category"), e.get("listed", True))
        for tid, e in latest.items()
    )


def with_ids(document: Document) -> Document:
    """The transcription with its keys as a draft names held facts: `id:<uuid>`."""
    unit: Callable[[str], str] = lambda key: id_key(unit_id(key)) if key else ""  # noqa: E731
    found: Document = {"units": [
        {**u, "key": unit(u["key"]), "parent": unit(u["parent"])} for u in document["units"]]}
    found["staffing"] = [{**s, "unit": unit(s["unit"])} for s in document.get("staffing", [])]
    found["budget"] = [{**b, "unit": unit(b["unit"]), "line": id_key(_line(b))}
                       for b in document.get("budget", [])]
    found["tasks"] = [{**t, "unit": unit(t["unit"]), "key": id_key(task_id(t["key"]))}
                      for t in document.get("tasks", [])]
    found["indicators"] = [
        {**i, "unit": unit(i["unit"]), "key": id_key(indicator_id(i["key"]))}
        for i in document.get("indicators", [])]
    found["checks"] = [_check_with_ids(c) for c in document.get("checks", [])]
    return found


def _check_with_ids(check: Document) -> Document:
    found = dict(check)
    for kind in ("staffing", "budget", "tasks"):
        if kind in check:
            found[kind] = {**check[kind], "unit": id_key(unit_id(check[kind]["unit"]))}
    if "indicators" in check:
        keys = [id_key(indicator_id(key)) for key in check["indicators"]["keys"]]
        found["indicators"] = {**check["indicators"], "keys": keys}
    return found


PROVENANCE = ("source_line",)
"""Where a fact is printed: the draft says it, a transcription need not."""


def without(entries: Iterable[Document], *names: str) -> list[Document]:
    """The entries (and an indicator's points) without the named fields and PROVENANCE."""
    dropped = {*names, *PROVENANCE}
    return [
        {k: without(v, *names) if k == "points" else v for k, v in e.items() if k not in dropped}
        for e in entries
    ]
