"""Import of a data folder (docs/data-format.md): each fact is recorded unless the ledger
already holds it with the same values, so importing again records nothing, and a corrected
transcription is recorded as a correction."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from domain import commands as c
from domain import ids
from domain.budget import BudgetLine, check_account
from domain.names import clean
from domain.orgunit import OrgUnit
from domain.provenance import Provenance
from domain.staffing import make_row
from domain.task import Task, TaskKind, TaskStatus, check_milestones
from ledger.application import Ledger

ACTOR = "importer"
Plan = tuple[c.Command, bool]
"""A command to record, and whether it corrects a fact recorded before."""
MONEY_UNITS = {"원": 1, "천원": 1_000, "백만원": 1_000_000, "억원": 100_000_000}


@dataclass
class ImportReport:
    files: int = 0
    facts: int = 0
    recorded: int = 0


class Importer:
    def __init__(self, ledger: Ledger, on_fact: Callable[[], None] | None = None) -> None:
        self.ledger = ledger
        self.on_fact = on_fact
        self.report = ImportReport()

    def import_folder(self, folder: Path) -> ImportReport:
        for path in sorted(folder.glob("*.toml")):
            self.import_file(path)
        return self.report

    def import_file(self, path: Path) -> None:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
        source = document["source"]["file"]
        self.report.files += 1
        for kind, entry in entries(document):
            plan: Callable[[dict[str, Any]], Plan | None] = getattr(self, kind)
            planned = plan(entry)
            self.report.facts += 1
            if planned is not None:
                command, correction = planned
                reason = "re-import: transcription corrected" if correction else "import"
                self.ledger.execute(command, Provenance(ACTOR, reason, source))
                self.report.recorded += 1
            if self.on_fact:
                self.on_fact()

    def units(self, entry: dict[str, Any]) -> Plan | None:
        unit_id = ids.unit_id(entry["key"])
        if not self.ledger.exists(unit_id):
            parent = ids.unit_id(entry["parent"]) if entry["parent"] else None
            on = _date(entry["valid_from"])
            return c.RegisterOrgUnit(entry["name"], parent, on, unit_id), False
        unit = self.ledger.load(OrgUnit, unit_id, "unit")
        on = _date(entry["valid_from"])
        if unit.names.exactly(on) not in (None, clean(entry["name"])):
            return c.RenameOrgUnit(unit_id, entry["name"], on), True
        return None

    def staffing(self, entry: dict[str, Any]) -> Plan | None:
        unit_id = ids.unit_id(entry["unit"])
        on = _date(entry["reference_date"])
        rows = tuple(
            c.StaffingRowInput(
                job_category=r["category"],
                grade=r.get("grade"),
                authorized=r.get("authorized"),
                current=r["current"],
                women=r.get("women"),
                series_key=r["series"],
            )
            for r in entry["rows"]
        )
        wanted = {
            "rows": [make_row(**asdict(r), index=i).as_dict() for i, r in enumerate(rows)],
            "women": entry.get("women"),
            "note": entry.get("note") and clean(entry["note"]),
        }
        held = self.ledger.load(OrgUnit, unit_id, "unit").staffing.exactly(on)
        if held == wanted:
            return None
        command = c.RecordStaffing(unit_id, on, rows, entry.get("women"), entry.get("note"))
        return command, held is not None

    def budget(self, entry: dict[str, Any]) -> Plan | None:
        line_id = ids.budget_line_id(f"{entry['line']}:{entry['fiscal_year']}")
        on = _date(entry["reference_date"])
        unit = entry["money_unit"]
        scale = MONEY_UNITS[unit]
        printed = {"unit": unit, "budgeted": entry["budgeted"], "executed": entry.get("executed")}
        executed = entry.get("executed")
        exists = self.ledger.exists(line_id)
        command = c.RecordBudgetLine(
            line_id=line_id if exists else None,
            new_line_id=line_id,
            org_unit_id=ids.unit_id(entry["unit"]),
            fiscal_year=entry["fiscal_year"],
            account=entry.get("account"),
            item=entry["item"],
            reference_date=on,
            budgeted=entry["budgeted"] * scale,
            executed=None if executed is None else executed * scale,
            projects=entry.get("projects"),
            note=entry.get("note"),
            as_printed=printed,
        )
        if not exists:
            return command, False
        held = self.ledger.load(BudgetLine, line_id, "line").records.exactly(on)
        wanted = {
            "account": check_account(command.account),
            "item": clean(command.item),
            "budgeted": command.budgeted,
            "executed": command.executed,
            "projects": command.projects,
            "note": command.note and clean(command.note),
            "as_printed": printed,
        }
        return None if held == wanted else (command, held is not None)

    def tasks(self, entry: dict[str, Any]) -> Plan | None:
        task_id = ids.task_id(entry["key"])
        on = _date(entry["valid_from"])
        exists = self.ledger.exists(task_id)
        command = c.RecordTask(
            task_id=task_id if exists else None,
            new_task_id=task_id,
            org_unit_id=ids.unit_id(entry["unit"]),
            kind=TaskKind(entry["kind"]),
            title=entry["title"],
            status=TaskStatus(entry["status"]) if "status" in entry else None,
            valid_from=on,
            listed=entry.get("listed", True),
            status_since=_date(entry["status_since"]) if "status_since" in entry else None,
            category=entry.get("category"),
            number=entry.get("number"),
            responsible=entry.get("responsible"),
            milestones=tuple(entry.get("milestones", [])),
        )
        if not exists:
            return command, False
        held = self.ledger.load(Task, task_id, "task").states.exactly(on)
        wanted = {
            "title": clean(command.title),
            "status": entry.get("status"),
            "status_since": command.status_since,
            "number": command.number,
            "category": command.category and clean(command.category),
            "responsible": command.responsible and clean(command.responsible),
            "listed": command.listed,
            "milestones": check_milestones(list(command.milestones)),
        }
        return None if held == wanted else (command, held is not None)


def entries(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for kind in ("units", "staffing", "budget", "tasks"):
        for entry in document.get(kind, []):
            yield kind, entry


def count_facts(folder: Path) -> int:
    return sum(
        len(list(entries(tomllib.loads(p.read_text(encoding="utf-8")))))
        for p in sorted(folder.glob("*.toml"))
    )


def _date(text: str) -> date:
    return date.fromisoformat(text)
