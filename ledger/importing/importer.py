"""Import of a data folder (docs/data-format.md). The folder's printed totals and task lists are
checked first, and nothing is recorded unless all agree. Then each fact is recorded unless the
ledger already holds it with the same values, so importing again records nothing, and a
corrected transcription is recorded as one correction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import commands as c
from domain import ids, normalised
from domain.budget import BudgetLine
from domain.errors import DomainError, NotFound
from domain.indicator import Indicator
from domain.orgunit import OrgUnit, unit_name
from domain.provenance import Provenance
from domain.task import Task
from ledger.application import Ledger, Outcome
from ledger.importing.checks import CheckError, Document, load_file, verify
from ledger.importing.collector import quiet_collector
from ledger.importing.entries import (
    KINDS,
    budget_command,
    day,
    describe,
    fact_key,
    facts,
    indicator_command,
    source_of,
    staffing_command,
    subjects_of,
    task_command,
)
from ledger.work import Refused, UnitOfWork

ACTOR = "importer"
ONE_DAY = timedelta(days=1)
REASONS = ("import", "re-import: transcription corrected")
"""The reason of a new fact's record, and of a correction's."""
CHUNK = 2000
"""Facts recorded per transaction (a few thousand events: the log's lock is held for the
insert of the chunk alone, some tenths of a second)."""
STOPPED = "are recorded; fix the file and import again to record the rest."
DRY_RUN_STOPPED = "would be recorded (a dry run records none); fix the file before importing it."
A = TypeVar("A", bound=Aggregate)


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
    held: Any = None
    """What the ledger holds for the fact now (None for a new fact), normalised as wanted is."""
    wanted: Any = None
    """What the fact will hold once recorded."""
    before: Any = None
    """For a new fact of a subject the ledger holds: its value in force the day before (the
    previous table, record or state), which the new one follows."""


@dataclass(frozen=True)
class Planned:
    """One entry of a document and what the import plans for it (nothing when the ledger holds
    it already)."""

    file: str
    kind: str
    entry: dict[str, Any]
    source: str
    plans: tuple[Plan, ...]


@dataclass
class ImportReport:
    files: int = 0
    facts: int = 0
    checks: int = 0
    unchanged: int = 0
    """Facts the ledger holds already (or the folder named before) with the same values."""
    plans: list[tuple[str, Plan]] = field(default_factory=list)
    entries: list[Planned] = field(default_factory=list)
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
    def __init__(
        self,
        ledger: Ledger,
        on_fact: Callable[[], None] | None = None,
        *,
        actor: str = ACTOR,
        reasons: tuple[str, str] = REASONS,
        known: dict[UUID, Aggregate | None] | None = None,
    ) -> None:
        """known: subjects as an earlier import of this process left them (its `left`), so
        that a long history imported a part at a time is not read again from the log for each
        part; a writer that moved one on since makes its transaction fail and the subject is
        read again, as for any subject planning read."""
        self.ledger = ledger
        self.on_fact = on_fact
        self.actor, self.reasons = actor, reasons
        self.report = ImportReport()
        self.planned: dict[tuple[Any, ...], Any] = {}
        """What this import records, by fact: what a dry run reads instead of the ledger."""
        self.created: set[UUID] = set()
        self.restated: Counter[tuple[Any, ...]] = Counter()
        """How many more times the input states each fact (a later document's correction)."""
        self.loaded: dict[UUID, Aggregate | None] = dict(known or {})
        """The subjects planning read, each loaded once per import (None: the ledger has none)."""
        self.left: dict[UUID, Aggregate | None] = {}
        """After a record (not a dry run): every subject this import read or changed, as the
        ledger holds it now; what a following import may be given as `known`."""
        self.unit_plans: dict[UUID, dict[str, dict[date, Any]]] = {}

    def import_folder(self, folder: Path, dry_run: bool = False) -> ImportReport:
        """Check the folder and plan every fact before recording any; then record the plan
        (a dry run decides every command of the plan, and records none)."""
        with quiet_collector():
            self.plan_folder(folder)
            self.record(dry_run)
        return self.report

    def import_documents(
        self, documents: Iterable[tuple[str, Document]], dry_run: bool = False
    ) -> ImportReport:
        """import_folder for documents already read (the national generator's, in memory), as
        (file name, document) in recording order: checked and planned whole before any is
        recorded."""
        with quiet_collector():
            self.plan_documents(list(documents))
            self.record(dry_run)
        return self.report

    def plan_folder(self, folder: Path) -> ImportReport:
        """Check the printed totals and task lists, and plan what to record: CheckError, with
        nothing recorded, where the folder cannot be imported."""
        with quiet_collector():
            documents = [(path.name, load_file(path)) for path in sorted(folder.glob("*.toml"))]
            return self.plan_documents(documents)

    def plan_documents(self, documents: list[tuple[str, Document]]) -> ImportReport:
        """plan_folder for documents already read (a draft of `govledger ingest`)."""
        with quiet_collector():
            return self._plan_documents(documents)

    def _plan_documents(self, documents: list[tuple[str, Document]]) -> ImportReport:
        self.report.checks = len(verify(documents))
        self.preload(documents)
        self.restated = Counter(
            key
            for _, document in documents
            for kind, entry in facts(document)
            if (key := fact_key_of(kind, entry)) is not None
        )
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
                plans = [replace(p, source=source) for p in plans]
                self.report.plans.extend((name, plan) for plan in plans)
                self.report.entries.append(Planned(name, kind, entry, source, tuple(plans)))
        return self.report

    def preload(self, documents: list[tuple[str, Document]]) -> None:
        """Read every subject the documents name that this import has not read yet, in one
        read of the log (planning then finds each in `loaded`, None for one the ledger lacks)."""
        wanted = {
            subject
            for _, document in documents
            for kind, entry in facts(document)
            for subject in subjects_of(kind, entry)
            if subject not in self.loaded
        }
        found = self.ledger.load_many(wanted)
        for subject in wanted:
            self.loaded[subject] = found.get(subject)

    def record(self, dry_run: bool = False) -> None:
        """Record the plan in order, a chunk of facts per transaction. A fact the ledger refuses
        stops the import; what was recorded before it stays, and importing again goes on from
        there. A dry run decides every command the same way and records none. The commands start
        from the subjects planning read (a writer that moved one on since makes the transaction
        fail, and the unit of work read them again)."""
        with quiet_collector():
            self._record(dry_run)

    def _record(self, dry_run: bool) -> None:
        # The subjects planning read go to the unit of work, which changes them as it decides:
        # read again should this import plan more.
        loaded, self.loaded = self.loaded, {}
        held = {subject: a for subject, a in loaded.items() if a is not None}
        absent = {subject for subject, a in loaded.items() if a is None}
        work = UnitOfWork(self.ledger, held, absent, texts_checked=True)
        plans = self.report.plans
        for start in range(0, len(plans), CHUNK):
            chunk = plans[start : start + CHUNK]
            items = [(plan.command, self.provenance(plan)) for _, plan in chunk]
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
        if not dry_run:
            self.left = dict.fromkeys(work.absent - work.held.keys()) | work.held

    def provenance(self, plan: Plan) -> Provenance:
        return Provenance(self.actor, self.reasons[plan.correction], plan.source)

    def recorded(self, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            self.report.events.update(outcome.event_types)
            if self.on_fact:
                self.on_fact()

    def held(
        self, key: tuple[Any, ...], cls: type[A], subject: UUID, read: Callable[[A], Any]
    ) -> Any:
        """What the fact holds now: as this import planned it earlier, else as the subject
        holds it in the ledger (read), else None."""
        if key in self.planned:
            return self.planned[key]
        held = self.aggregate(cls, subject)
        return None if held is None else read(held)

    def aggregate(self, cls: type[A], subject: UUID) -> A | None:
        """The subject as the ledger holds it (None when it holds none), loaded once; NotFound
        for a subject of another kind."""
        if subject not in self.loaded:
            try:
                self.loaded[subject] = self.ledger.load(cls, subject, cls.__name__)
            except NotFound:
                if self.ledger.exists(subject):
                    raise  # a subject of another kind
                self.loaded[subject] = None
        held = self.loaded[subject]
        if held is not None and not isinstance(held, cls):
            name = cls.__name__
            raise NotFound(f"{name}: {subject} is not a {name}", field=name)
        return held

    def decide(
        self,
        key: tuple[Any, ...],
        held: Any,
        wanted: Any,
        plan: Plan,
        before: Callable[[], Any] = lambda: None,
    ) -> list[Plan]:
        """The plan, unless the fact holds the wanted value already (nothing to record); a
        correction where it holds another; for a new fact, with what it follows (before). A
        fact the input states again later (its correction, in a later document) and the ledger
        holds already is left to that later statement, so that importing again records
        nothing."""
        self.restated[key] -= 1
        superseded = self.restated[key] > 0 and key not in self.planned and held is not None
        self.planned[key] = held if superseded else wanted
        if held == wanted or superseded:
            return []
        follows = before() if held is None else None
        correction = held is not None
        return [replace(plan, correction=correction, held=held, wanted=wanted, before=follows)]

    def followed(self, cls: type[A], subject: UUID, read: Callable[[A], Any]) -> Callable[[], Any]:
        """What a held subject holds the day before a new fact (read), asked only when needed."""

        def before() -> Any:
            held = self.aggregate(cls, subject)
            return None if held is None else read(held)

        return before

    def claim(self, subject: UUID) -> bool:
        """Whether the subject exists, in the ledger or planned earlier in this import; from
        now on it does."""
        existed = subject in self.created or self.aggregate(OrgUnit, subject) is not None
        self.created.add(subject)
        return existed

    def held_subject(self, key: str, cls: type[Aggregate], subject: UUID) -> UUID:
        """The subject, refused (ValueError) where an `id:` key names one the ledger does not
        hold: such a key names a held fact, it never opens one."""
        if ids.held_id(key) is not None and self.aggregate(cls, subject) is None:
            raise ValueError(f"{key!r} names nothing the ledger holds")
        return subject

    def units(self, entry: dict[str, Any]) -> list[Plan]:
        """A unit's name and parent from valid_from on: registered when new, else renamed or
        moved where they differ from what is in force on that date."""
        key = entry["key"]
        unit_id = self.held_subject(key, OrgUnit, ids.unit_id(key))
        on = day(entry["valid_from"])
        name = unit_name(entry["name"])
        parent = ids.unit_id(entry["parent"]) if entry["parent"] else None
        if not self.claim(unit_id):
            self.unit_plans[unit_id] = {"name": {on: name}, "parent": {on: parent}}
            command = c.RegisterOrgUnit(entry["name"], parent, on, unit_id)
            wanted = {"name": name, "parent": parent}
            what = f"unit {key} ({name}) from {on}"
            return [Plan("units", what, command, False, wanted=wanted)]
        timelines = self.unit_timelines(unit_id)
        plans = []
        if (held_name := in_force(timelines["name"], on)) != name:
            rename = c.RenameOrgUnit(unit_id, entry["name"], on)
            named = on in timelines["name"]
            what = f"name of {key}: {name} from {on}"
            cells: tuple[dict[str, Any], dict[str, Any]] = {"name": held_name}, {"name": name}
            plans.append(Plan("units", what, rename, named, None, *cells))
        if (held_parent := in_force(timelines["parent"], on)) != parent:
            move = c.MoveOrgUnit(unit_id, parent, on)
            where = f"under {entry['parent']}" if parent else "at the top"
            placed = on in timelines["parent"]
            what = f"place of {key}: {where} from {on}"
            cells = {"parent": held_parent}, {"parent": parent}
            plans.append(Plan("units", what, move, placed, None, *cells))
        timelines["name"][on] = name
        timelines["parent"][on] = parent
        return plans

    def unit_timelines(self, unit_id: UUID) -> dict[str, dict[date, Any]]:
        """The unit's names and parents by date: the ledger's, then this import's plan."""
        if unit_id not in self.unit_plans:
            unit = self.aggregate(OrgUnit, unit_id)
            assert unit is not None, unit_id  # claimed: held by the ledger
            self.unit_plans[unit_id] = {
                "name": unit.names_by_date(),
                "parent": unit.parents_by_date(),
            }
        return self.unit_plans[unit_id]

    def staffing(self, entry: dict[str, Any]) -> list[Plan]:
        command = staffing_command(entry)
        unit_id, on = command.org_unit_id, command.reference_date
        wanted = normalised.staffing_table(command)
        key = ("staffing", unit_id, on)
        held = self.held(key, OrgUnit, unit_id, lambda unit: unit.staffing_on(on))
        plan = Plan("staffing", f"staffing of {entry['unit']} at {on}", command, False)
        before = self.followed(OrgUnit, unit_id, lambda u: u.staffing_in_force(on - ONE_DAY))
        return self.decide(key, held, wanted, plan, before)

    def budget(self, entry: dict[str, Any]) -> list[Plan]:
        line_key = f"{entry['line']}:{entry['fiscal_year']}"
        line_id = self.held_subject(entry["line"], BudgetLine, ids.budget_line_id(line_key))
        command = budget_command(entry, line_id)
        on = command.reference_date
        wanted = normalised.budget_record(command)
        key = ("budget", line_id, on)
        held = self.held(key, BudgetLine, line_id, lambda line: line.record_on(on))
        plan = Plan("budget", f"budget line {line_key} at {on}", command, False)
        before = self.followed(BudgetLine, line_id, lambda b: b.record_in_force(on - ONE_DAY))
        return self.decide(key, held, wanted, plan, before)

    def tasks(self, entry: dict[str, Any]) -> list[Plan]:
        task_id = self.held_subject(entry["key"], Task, ids.task_id(entry["key"]))
        command = task_command(entry, task_id)
        on = command.valid_from
        wanted = normalised.task_state(command)
        key = ("task", task_id, on)
        held = self.held(key, Task, task_id, lambda task: task.state_on(on))
        plan = Plan("tasks", f"task {entry['key']} from {on}", command, False)
        before = self.followed(Task, task_id, lambda t: t.state_in_force(on - ONE_DAY))
        return self.decide(key, held, wanted, plan, before)

    def indicators(self, entry: dict[str, Any]) -> list[Plan]:
        indicator_id = self.held_subject(entry["key"], Indicator, ids.indicator_id(entry["key"]))
        command = indicator_command(entry, indicator_id)
        period, kind, on = command.period, command.kind, command.reference_date
        wanted = normalised.point_value(command)
        key = ("indicator", indicator_id, period, kind, on)
        held = self.held(key, Indicator, indicator_id, lambda i: i.point(period, kind, on))
        what = f"indicator {entry['key']} {period} {kind.value} at {on}"
        return self.decide(key, held, wanted, Plan("indicators", what, command, False))


def in_force(dated: dict[date, Any], on: date) -> Any:
    """The value of the latest date on or before on, or None."""
    before = [when for when in dated if when <= on]
    return dated[max(before)] if before else None


def fact_key_of(kind: str, entry: dict[str, Any]) -> tuple[Any, ...] | None:
    """fact_key, or None for an entry that does not name its fact (planning says why)."""
    try:
        return fact_key(kind, entry)
    except (KeyError, TypeError, ValueError):
        return None
