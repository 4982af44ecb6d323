"""Import of a data folder (docs/data-format.md). The folder's printed totals and task lists are
checked first, and nothing is recorded unless all agree. Then each fact is recorded unless the
ledger already holds it with the same values, so importing again records nothing, and a
corrected transcription is recorded as one correction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import commands as c
from domain import ids
from domain.budget import BudgetLine, check_account
from domain.errors import DomainError
from domain.indicator import Indicator, IndicatorKind
from domain.names import clean
from domain.orgunit import OrgUnit
from domain.provenance import Provenance
from domain.staffing import make_row
from domain.task import Task, TaskKind, TaskStatus, check_milestones
from ledger.application import Ledger, Outcome
from ledger.checks import MONEY_UNITS, CheckError, Document, load_folder, verify
from ledger.work import Refused, UnitOfWork

ACTOR = "importer"
CHUNK = 500
"""Facts recorded per transaction."""
STOPPED = "are recorded; fix the file and import again to record the rest."
DRY_RUN_STOPPED = "would be recorded (a dry run records none); fix the file before importing it."
KINDS = ("units", "staffing", "budget", "tasks", "indicators")
A = TypeVar("A", bound=Aggregate)


def provenance(plan: Plan) -> Provenance:
    reason = "re-import: transcription corrected" if plan.correction else "import"
    return Provenance(ACTOR, reason, plan.source)


class ImportStopped(Exception):
    """The ledger refused a fact of the folder; the facts before it are recorded."""


@dataclass(frozen=True)
class Plan:
    """A command to record: what it records, and whether it corrects a fact recorded before."""

    kind: str
    what: str
    command: c.Command
    correction: bool
    source: str | None = None


@dataclass
class ImportReport:
    files: int = 0
    facts: int = 0
    checks: int = 0
    unchanged: int = 0
    """Facts the ledger holds already (or the folder named before) with the same values."""
    plans: list[tuple[str, Plan]] = field(default_factory=list)
    events: Counter[str] = field(default_factory=Counter)

    @property
    def recorded(self) -> int:
        return len(self.plans)

    def by_kind(self) -> dict[str, tuple[int, int]]:
        """Per kind of fact: (facts recorded, of which corrections)."""
        new = Counter(plan.kind for _, plan in self.plans)
        fixed = Counter(plan.kind for _, plan in self.plans if plan.correction)
        return {kind: (new[kind], fixed[kind]) for kind in KINDS if new[kind]}


class Importer:
    def __init__(self, ledger: Ledger, on_fact: Callable[[], None] | None = None) -> None:
        self.ledger = ledger
        self.on_fact = on_fact
        self.report = ImportReport()
        self.planned: dict[tuple[Any, ...], Any] = {}
        """What this import records, by fact: what a dry run reads instead of the ledger."""
        self.created: set[UUID] = set()
        self.unit_plans: dict[UUID, dict[str, dict[date, Any]]] = {}

    def import_folder(self, folder: Path, dry_run: bool = False) -> ImportReport:
        """Check the folder and plan every fact before recording any; then record the plan
        (a dry run decides every command of the plan, and records none)."""
        self.plan_folder(folder)
        self.record(dry_run)
        return self.report

    def plan_folder(self, folder: Path) -> ImportReport:
        """Check the printed totals and task lists, and plan what to record: CheckError, with
        nothing recorded, where the folder cannot be imported."""
        documents = load_folder(folder)
        self.report.checks = len(verify(documents))
        for name, document in documents:
            self.report.files += 1
            for kind, entry in facts(document):
                self.report.facts += 1
                try:
                    plans: list[Plan] = getattr(self, kind)(entry)
                    for plan in plans:
                        plan.command.check_text(self.ledger.limits)
                except (KeyError, TypeError, ValueError, DomainError) as error:
                    raise CheckError(f"{name}: {kind} {describe(entry)}: {error!r}") from error
                self.report.unchanged += not plans
                source = source_of(document, kind, entry)
                self.report.plans.extend((name, replace(p, source=source)) for p in plans)
        return self.report

    def record(self, dry_run: bool = False) -> None:
        """Record the plan in order, a chunk of facts per transaction. A fact the ledger refuses
        stops the import; what was recorded before it stays, and importing again goes on from
        there. A dry run decides every command the same way and records none."""
        work = UnitOfWork(self.ledger)
        plans = self.report.plans
        for start in range(0, len(plans), CHUNK):
            chunk = plans[start : start + CHUNK]
            items = [(plan.command, provenance(plan)) for _, plan in chunk]
            try:
                outcomes = work.rehearse(items) if dry_run else work.execute(items)
            except Refused as refused:
                self.recorded(refused.recorded)
                name, plan = chunk[len(refused.recorded)]
                done = start + len(refused.recorded)
                then = DRY_RUN_STOPPED if dry_run else STOPPED
                raise ImportStopped(
                    f"{name}: {plan.what}: {refused.error}. The {done} facts before it {then}"
                ) from refused.error
            self.recorded(outcomes)

    def recorded(self, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            self.report.events.update(outcome.event_types)
            if self.on_fact:
                self.on_fact()

    def held(
        self, key: tuple[Any, ...], cls: type[A], subject: UUID, read: Callable[[A], Any]
    ) -> Any:
        if key in self.planned:
            return self.planned[key]
        if not self.ledger.exists(subject):
            return None
        return read(self.ledger.load(cls, subject, cls.__name__))

    def decide(self, key: tuple[Any, ...], held: Any, wanted: Any, plan: Plan) -> list[Plan]:
        self.planned[key] = wanted
        if held == wanted:
            return []
        return [replace(plan, correction=held is not None)]

    def claim(self, subject: UUID) -> bool:
        """Whether the subject exists, in the ledger or planned earlier in this import; from
        now on it does."""
        existed = subject in self.created or self.ledger.exists(subject)
        self.created.add(subject)
        return existed

    def units(self, entry: dict[str, Any]) -> list[Plan]:
        """A unit's name and parent from valid_from on: registered when new, else renamed or
        moved where they differ from what is in force on that date."""
        unit_id = ids.unit_id(entry["key"])
        on = _date(entry["valid_from"])
        name = clean(entry["name"])
        parent = ids.unit_id(entry["parent"]) if entry["parent"] else None
        key = entry["key"]
        if not self.claim(unit_id):
            self.unit_plans[unit_id] = {"name": {on: name}, "parent": {on: parent}}
            command = c.RegisterOrgUnit(entry["name"], parent, on, unit_id)
            return [Plan("units", f"unit {key} ({name}) from {on}", command, False)]
        timelines = self.unit_timelines(unit_id)
        plans = []
        if in_force(timelines["name"], on) != name:
            rename = c.RenameOrgUnit(unit_id, entry["name"], on)
            named = on in timelines["name"]
            plans.append(Plan("units", f"name of {key}: {name} from {on}", rename, named))
        if in_force(timelines["parent"], on) != parent:
            move = c.MoveOrgUnit(unit_id, parent, on)
            where = f"under {entry['parent']}" if parent else "at the top"
            placed = on in timelines["parent"]
            plans.append(Plan("units", f"place of {key}: {where} from {on}", move, placed))
        timelines["name"][on] = name
        timelines["parent"][on] = parent
        return plans

    def unit_timelines(self, unit_id: UUID) -> dict[str, dict[date, Any]]:
        """The unit's names and parents by date: the ledger's, then this import's plan."""
        if unit_id not in self.unit_plans:
            unit = self.ledger.load(OrgUnit, unit_id, "unit")
            self.unit_plans[unit_id] = {
                field: {day: timeline.exactly(day) for day in timeline.dates()}
                for field, timeline in (("name", unit.names), ("parent", unit.parents))
            }
        return self.unit_plans[unit_id]

    def staffing(self, entry: dict[str, Any]) -> list[Plan]:
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
                resolution=r.get("resolution"),
            )
            for r in entry["rows"]
        )
        wanted = {
            "rows": [make_row(**r.fields(), index=i).as_dict() for i, r in enumerate(rows)],
            "women": entry.get("women"),
            "note": entry.get("note") and clean(entry["note"]),
        }
        key = ("staffing", unit_id, on)
        held = self.held(key, OrgUnit, unit_id, lambda u: u.staffing.exactly(on))
        command = c.RecordStaffing(unit_id, on, rows, entry.get("women"), entry.get("note"))
        plan = Plan("staffing", f"staffing of {entry['unit']} at {on}", command, False)
        return self.decide(key, held, wanted, plan)

    def budget(self, entry: dict[str, Any]) -> list[Plan]:
        line_key = f"{entry['line']}:{entry['fiscal_year']}"
        line_id = ids.budget_line_id(line_key)
        on = _date(entry["reference_date"])
        unit = entry["money_unit"]
        scale = MONEY_UNITS[unit]
        printed = {"unit": unit, "budgeted": entry["budgeted"], "executed": entry.get("executed")}
        executed = entry.get("executed")
        exists = self.claim(line_id)
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
        wanted = {
            "account": check_account(command.account),
            "item": clean(command.item),
            "budgeted": command.budgeted,
            "executed": command.executed,
            "projects": command.projects,
            "note": command.note and clean(command.note),
            "as_printed": printed,
        }
        key = ("budget", line_id, on)
        held = self.held(key, BudgetLine, line_id, lambda b: b.records.exactly(on))
        plan = Plan("budget", f"budget line {line_key} at {on}", command, False)
        return self.decide(key, held, wanted, plan)

    def tasks(self, entry: dict[str, Any]) -> list[Plan]:
        task_id = ids.task_id(entry["key"])
        on = _date(entry["valid_from"])
        exists = self.claim(task_id)
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
            description=entry.get("description"),
        )
        wanted = {
            "title": clean(command.title),
            "description": command.description and clean(command.description),
            "status": entry.get("status"),
            "status_since": command.status_since,
            "number": command.number,
            "category": command.category and clean(command.category),
            "responsible": command.responsible and clean(command.responsible),
            "listed": command.listed,
            "milestones": check_milestones(list(command.milestones)),
        }
        key = ("task", task_id, on)
        held = self.held(key, Task, task_id, lambda t: t.states.exactly(on))
        return self.decide(
            key, held, wanted, Plan("tasks", f"task {entry['key']} from {on}", command, False)
        )

    def indicators(self, entry: dict[str, Any]) -> list[Plan]:
        indicator_id = ids.indicator_id(entry["key"])
        on = _date(entry["reference_date"])
        exists = self.claim(indicator_id)
        period, kind = str(entry["period"]), IndicatorKind(entry["kind"])
        command = c.RecordIndicatorValue(
            indicator_id=indicator_id if exists else None,
            new_indicator_id=indicator_id,
            org_unit_id=ids.unit_id(entry["unit"]),
            name=entry["name"],
            group=entry.get("group"),
            measure=entry["measure"],
            period=period,
            kind=kind,
            value=entry["value"],
            reference_date=on,
            printed=entry.get("printed"),
        )
        wanted = {
            "value": entry["value"],
            "printed": entry.get("printed") and clean(entry["printed"]),
        }
        key = ("indicator", indicator_id, period, kind, on)
        held = self.held(key, Indicator, indicator_id, lambda i: i.point(period, kind, on))
        what = f"indicator {entry['key']} {period} {kind.value} at {on}"
        return self.decide(key, held, wanted, Plan("indicators", what, command, False))


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


def in_force(dated: dict[date, Any], on: date) -> Any:
    """The value of the latest date on or before on, or None."""
    before = [day for day in dated if day <= on]
    return dated[max(before)] if before else None


def source_of(document: Document, kind: str, entry: dict[str, Any]) -> str:
    """The document, and where in it the fact is printed: "<file> § <section>"."""
    file: str = document["source"]["file"]
    section = entry.get("section") or document["source"].get("sections", {}).get(kind)
    return f"{file} § {section}" if section else file


def describe(entry: dict[str, Any]) -> str:
    """An entry as a reader finds it in its file."""
    for name in ("key", "line", "unit"):
        if name in entry:
            when = entry.get("reference_date") or entry.get("valid_from") or ""
            return f"{entry[name]} {when}".strip()
    return "entry"


def _date(text: str) -> date:
    return date.fromisoformat(text)
