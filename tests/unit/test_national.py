"""The national dataset generator (benchmarks/national): deterministic by seed, its counts what the
importer records, every document valid for the importer and the domain, and the 243 governments
of the full size. The documents at scale 0.001 are replayed in memory the way the importer decides
them (a fact held with the same values records nothing, a changed one one correction) on the
domain's own aggregates; the import into a real database is tests/integration/
test_national_import.py."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.domain import Aggregate

from benchmarks.national import PLACES, documents, expected_counts, governments_of
from benchmarks.national.__main__ import main
from benchmarks.national.counts import counted
from benchmarks.national.documents import Writer
from benchmarks.national.structure import DEPARTMENT, Government
from domain import commands as c
from domain import ids, normalised
from domain.budget import BudgetLine
from domain.orgunit import OrgUnit, staffing_table, unit_name
from domain.provenance import Provenance
from domain.task import Task
from domain.text import DEFAULT_LIMITS
from ledger.importing.checks import Document, load_folder, verify
from ledger.importing.entries import budget_command, day, facts, staffing_command, task_command

SCALE, SEED = 0.001, 7
IMPORT = Provenance("importer", "import", "national.txt")


@pytest.fixture(scope="module")
def small() -> list[tuple[str, Document]]:
    return list(documents(SCALE, SEED))


class Replay:
    """The importer's decisions on documents, on aggregates held in memory: each entry's command
    built as the importer builds it, recorded unless the fact holds the same values."""

    def __init__(self) -> None:
        self.subjects: dict[UUID, Aggregate] = {}
        self.held: dict[tuple[Any, ...], Any] = {}
        self.events: Counter[str] = Counter()
        self.facts: Counter[str] = Counter()
        self.corrections: Counter[str] = Counter()

    def document(self, document: Document) -> None:
        for kind, entry in facts(document):
            self.facts[kind] += 1
            getattr(self, kind)(entry)

    def changed(self, kind: str, key: tuple[Any, ...], wanted: Any) -> bool:
        held = self.held.get(key)
        self.held[key] = wanted
        changed = bool(held != wanted)
        self.corrections[kind] += held is not None and changed
        return changed

    def recorded(self, subject: Aggregate) -> None:
        self.subjects[subject.id] = subject
        self.events.update(type(event).__qualname__ for event in subject.collect_events())

    def unit(self, key: str) -> OrgUnit:
        subject = self.subjects[ids.unit_id(key)]
        assert isinstance(subject, OrgUnit)
        return subject

    def units(self, entry: dict[str, Any]) -> None:
        unit_id, on = ids.unit_id(entry["key"]), day(entry["valid_from"])
        parent = self.unit(entry["parent"]) if entry["parent"] else None
        command = c.RegisterOrgUnit(entry["name"], parent.id if parent else None, on, unit_id)
        command.check_text(DEFAULT_LIMITS)
        if unit_id not in self.subjects:
            self.recorded(
                OrgUnit.register(
                    unit_id=unit_id,
                    name=entry["name"],
                    parent=parent,
                    valid_from=on,
                    provenance=IMPORT,
                )
            )
            return
        unit = self.unit(entry["key"])
        if unit.names.at(on) != unit_name(entry["name"]):
            unit.rename(entry["name"], on, IMPORT)
        if unit.parents.at(on) != command.parent_id:
            above = [] if parent is None else [p for p in [parent.parents.at(on)] if p]
            unit.move(parent, above, on, IMPORT)
        self.recorded(unit)

    def staffing(self, entry: dict[str, Any]) -> None:
        command = staffing_command(entry)
        command.check_text(DEFAULT_LIMITS)
        key = (command.org_unit_id, command.reference_date)
        rows = normalised.staffing_rows(command)
        if self.changed("staffing", key, staffing_table(rows, command.women, command.note)):
            unit = self.unit(entry["unit"])
            unit.record_staffing(command.reference_date, rows, command.women, None, IMPORT)
            self.recorded(unit)

    def budget(self, entry: dict[str, Any]) -> None:
        line_id = ids.budget_line_id(f"{entry['line']}:{entry['fiscal_year']}")
        command = budget_command(entry, line_id)
        command.check_text(DEFAULT_LIMITS)
        if not self.changed(
            "budget", (line_id, command.reference_date), normalised.budget_record(command)
        ):
            return
        owner = self.unit(entry["unit"])
        owner.check_after_registration("referenceDate", command.reference_date)
        line = self.subjects.get(line_id) or BudgetLine.open(
            line_id=line_id, owner_id=owner.id, fiscal_year=command.fiscal_year, provenance=IMPORT
        )
        assert isinstance(line, BudgetLine)
        line.record(
            reference_date=command.reference_date,
            account=command.account,
            item=command.item,
            budgeted=command.budgeted,
            executed=command.executed,
            projects=command.projects,
            as_printed=command.as_printed,
            provenance=IMPORT,
        )
        self.recorded(line)

    def tasks(self, entry: dict[str, Any]) -> None:
        task_id = ids.task_id(entry["key"])
        command = task_command(entry, task_id)
        command.check_text(DEFAULT_LIMITS)
        if not self.changed("tasks", (task_id, command.valid_from), normalised.task_state(command)):
            return
        owner = self.unit(entry["unit"])
        owner.check_after_registration("validFrom", command.valid_from)
        task = self.subjects.get(task_id) or Task.open(
            task_id=task_id, owner_id=owner.id, kind=command.kind, provenance=IMPORT
        )
        assert isinstance(task, Task)
        task.record(
            valid_from=command.valid_from,
            title=command.title,
            description=None,
            status=command.status,
            status_since=command.status_since,
            number=command.number,
            category=None,
            responsible=command.responsible,
            listed=command.listed,
            milestones=[],
            provenance=IMPORT,
        )
        self.recorded(task)


def test_the_same_seed_gives_the_same_documents_and_another_seed_others(
    small: list[tuple[str, Document]],
) -> None:
    assert list(documents(SCALE, SEED)) == small
    assert expected_counts(SCALE, SEED) == expected_counts(SCALE, SEED)
    other = list(documents(SCALE, SEED + 1))
    assert other != small
    assert expected_counts(SCALE, SEED + 1) != expected_counts(SCALE, SEED)


def test_the_counts_are_what_the_importer_records_and_the_domain_accepts(
    small: list[tuple[str, Document]],
) -> None:
    replay = Replay()
    for _, document in small:
        replay.document(document)
    counts = expected_counts(SCALE, SEED)
    assert replay.events == counts.events
    assert replay.facts == counts.facts
    assert replay.corrections == counts.corrections
    assert counts.documents == len(small)
    assert 3_000 <= counts.total_events <= 12_500
    assert set(counts.events) == {
        "OrgUnit.Registered",
        "OrgUnit.Renamed",
        "OrgUnit.Moved",
        "OrgUnit.StaffingRecorded",
        "BudgetLine.Opened",
        "BudgetLine.Recorded",
        "Task.Opened",
        "Task.Recorded",
    }
    assert all(counts.corrections[kind] > 0 for kind in ("staffing", "budget", "tasks"))


def test_every_document_and_the_whole_folder_pass_their_checks(
    small: list[tuple[str, Document]],
) -> None:
    """Each document alone (as a loader checks it) and all together (as `govledger import`
    does): every printed total agrees and no task list drops a task silently."""
    checked = sum(len(verify([document])) for document in small)
    assert checked == len(verify(small)) == expected_counts(SCALE, SEED).checks > 0
    unlisted = [t for _, d in small for t in d.get("tasks", []) if t.get("listed") is False]
    assert unlisted


def test_a_government_and_a_shorter_history_are_the_same_documents(
    small: list[tuple[str, Document]],
) -> None:
    key = governments_of(SCALE, SEED)[-1].key
    one = list(documents(SCALE, SEED, governments=[key], last_year=2010))
    assert one == [(n, d) for n, d in small if n.endswith(f"-{key}.toml") and n < "2011"]
    counts = expected_counts(SCALE, SEED, governments=[key], last_year=2010)
    assert (counts.governments, counts.documents) == (1, len(one))


def test_the_files_read_back_as_the_documents(tmp_path: Path) -> None:
    main(
        ["--scale", str(SCALE), "--seed", str(SEED), "--last-year", "2006", "--out", str(tmp_path)]
    )
    assert load_folder(tmp_path) == list(documents(SCALE, SEED, last_year=2006))


@pytest.fixture(scope="module")
def full_size() -> list[Government]:
    return governments_of(1.0, SEED)


def test_the_full_size_has_243_governments_as_roots(full_size: list[Government]) -> None:
    assert [g.key for g in full_size] == [p.key for p in PLACES]
    assert len({g.key for g in full_size}) == 243
    assert sum(g.place.metropolitan for g in full_size) == 17
    names = Counter(g.place.name for g in full_size)
    assert names["중구"] == 6 and names["고성군"] == 2
    for government in full_size:
        assert 80 <= len(government.units) <= 400
        assert 8 <= government.bureaus <= 15
        assert all(u.parent >= 0 for u in government.units[1:])
        writer = Writer(government, SEED)
        entries = writer.units(writer.planner.plan(max(2005, government.founded.year)))
        root = entries[0]
        assert root["parent"] == "" and root["key"] == government.key
        assert root["name"] == government.place.registered_name
        assert root["valid_from"] == government.founded.isoformat()
        departments = [u.name for u in government.units if u.level == DEPARTMENT]
        assert len(set(departments)) == len(departments)


def test_the_full_size_is_about_ten_million_events(full_size: list[Government]) -> None:
    counts = counted(full_size, SEED)
    assert 9_500_000 <= counts.total_events <= 10_500_000
    assert 0.018 <= sum(counts.corrections.values()) / counts.total_facts <= 0.022
    assert counts.documents == sum(2025 - max(2005, p.founded.year) for p in PLACES)
