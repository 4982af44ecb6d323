"""The importer's bulk path (issue 19) on a real ledger: the subjects of a folder read in one
query and handed to the unit of work, the texts checked once, rows sent in binary, no full pass
of the collector meanwhile. It keeps every guarantee of the command path: each event chained
and in the tree, a re-import records nothing, a subject moved on by another writer after planning
is decided again, and the quick checks refuse exactly what the full ones refuse."""

from __future__ import annotations

import gc
import random
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

import domain.commands as commands
import domain.staffing as staffing
from api.runtime import Runtime
from benchmarks.national import governments_of
from benchmarks.national.__main__ import write
from benchmarks.national.documents import documents
from domain import commands as c
from domain import ids
from domain.orgunit import OrgUnit
from domain.text import TextLimits
from domain.timeline import Timeline
from ledger.importing.checks import load_file
from ledger.importing.importer import Importer, ImportStopped
from tests.conftest import EDITOR, staffing_rows

ROOT = Path(__file__).resolve().parents[2]
REPORT = "001_8609ec9c98224de6.toml"
SCALE, SEED, LAST_YEAR = 0.001, 7, 2009


def government() -> str:
    return min(governments_of(SCALE, SEED), key=lambda g: len(g.units)).key


@pytest.fixture
def national(tmp_path: Path) -> Path:
    folder = tmp_path / "national"
    write(folder, SCALE, SEED, LAST_YEAR, [government()])
    return folder


@pytest.fixture
def mayor(tmp_path: Path) -> Path:
    folder = tmp_path / "mayor"
    folder.mkdir()
    shutil.copy(ROOT / "data" / "seoul" / REPORT, folder / REPORT)
    return folder


def log_size(runtime: Runtime) -> int:
    return runtime.ledger.recorder.max_notification_id() or 0


def events_held(runtime: Runtime) -> int:
    with runtime.connect() as conn:
        row = conn.execute(f"SELECT count(*) FROM {runtime.ledger.events_table}").fetchone()
    return int(row[0]) if row else 0


def test_a_bulk_import_chains_every_event_into_the_tree(runtime: Runtime, national: Path) -> None:
    thresholds = gc.get_threshold()
    report = Importer(runtime.ledger).import_folder(national)
    events = sum(report.events.values())
    assert events == log_size(runtime) > 1000
    assert gc.get_threshold() == thresholds, "the collector runs as before the import"
    checked = runtime.ledger.verify_chain()
    assert checked.broken is None and checked.position == log_size(runtime)
    tree = runtime.ledger.tree.check()
    assert tree.ok and tree.size == events
    again = Importer(runtime.ledger).import_folder(national)
    assert (again.recorded, log_size(runtime)) == (0, events)


def test_the_generator_imports_its_documents_as_its_folder(runtime: Runtime) -> None:
    generated = list(documents(SCALE, SEED, governments=[government()], last_year=LAST_YEAR))
    report = Importer(runtime.ledger).import_documents(generated)
    assert sum(report.events.values()) == log_size(runtime) > 1000
    assert Importer(runtime.ledger).import_documents(generated).recorded == 0


def state(value: Any) -> Any:
    """An aggregate's state as plain values, to compare two reconstructions of it."""
    if isinstance(value, Timeline):
        return state(value.by_date())
    if isinstance(value, dict):
        return {key: state(item) for key, item in value.items()}
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return {"type": type(value).__name__, **state(vars(value))}
    return value


def test_the_bulk_read_rebuilds_each_subject_as_the_repository_does(
    runtime: Runtime, national: Path
) -> None:
    Importer(runtime.ledger).import_folder(national)
    with runtime.connect() as conn:
        rows = conn.execute(
            f"SELECT DISTINCT originator_id FROM {runtime.ledger.events_table}"
        ).fetchall()
    subjects: list[UUID] = [row[0] for row in rows]
    missing = uuid4()
    found = runtime.ledger.load_many([*subjects, missing])
    assert set(found) == set(subjects)
    for subject in subjects:
        assert state(found[subject]) == state(runtime.ledger.repository.get(subject))


def test_a_history_imported_a_year_at_a_time_starts_each_year_from_what_the_last_left(
    runtime: Runtime, national: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[set[UUID]] = []
    load_many = runtime.ledger.load_many
    monkeypatch.setattr(
        runtime.ledger, "load_many", lambda wanted: read.append(set(wanted)) or load_many(wanted)
    )
    files = sorted(national.glob("*.toml"))
    known: dict[UUID, Any] = {}
    for year in sorted({path.name[:4] for path in files}):
        importer = Importer(runtime.ledger, known=known)
        chunk = [(path.name, load_file(path)) for path in files if path.name.startswith(year)]
        importer.plan_documents(chunk)
        importer.record()
        assert not read[-1] & known.keys(), "a subject the last year left is read again"
        known = importer.left
    assert len(read) > 1 and log_size(runtime) > 1000
    held = {subject: a for subject, a in known.items() if a is not None}
    assert held and all(
        state(a) == state(runtime.ledger.repository.get(subject)) for subject, a in held.items()
    )
    assert runtime.ledger.verify_chain().broken is None
    assert Importer(runtime.ledger).import_folder(national).recorded == 0


def corrected(folder: Path) -> None:
    path = folder / REPORT
    row = 'grade = "6급이하", authorized = 2, current = '
    text = path.read_text(encoding="utf-8")
    for old, new in ((f"{row}1 }}", f"{row}2 }}"), ("printed = 20\n", "printed = 21\n")):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path.write_text(text.replace("printed = 14\n", "printed = 15\n", 1), encoding="utf-8")


def test_a_subject_another_writer_moved_on_after_planning_is_decided_again(
    runtime: Runtime, mayor: Path
) -> None:
    Importer(runtime.ledger).import_folder(mayor)
    corrected(mayor)
    importer = Importer(runtime.ledger)
    importer.plan_folder(mayor)
    unit = ids.unit_id("mayors-office")
    meanwhile = c.RecordStaffing(unit, date(2021, 6, 30), staffing_rows(7))
    runtime.ledger.execute(meanwhile, EDITOR)
    size = events_held(runtime)
    importer.record()
    assert importer.report.events == {"OrgUnit.StaffingRecorded": 1}
    assert events_held(runtime) == size + 1
    assert log_size(runtime) == size + 2, "the first try, from the subject as planned, failed"
    held = runtime.ledger.load(OrgUnit, unit, "unit")
    assert held.staffing.exactly(date(2021, 6, 30)) is not None
    table = held.staffing.exactly(date(2020, 3, 31))
    assert table is not None and table["rows"][-1]["current"] == 2
    assert runtime.ledger.verify_chain().broken is None


def test_a_subject_another_writer_opened_after_planning_stops_the_import(
    runtime: Runtime, mayor: Path
) -> None:
    importer = Importer(runtime.ledger)
    importer.plan_folder(mayor)
    opened = c.RegisterOrgUnit("서울특별시", None, date(1946, 8, 15), ids.unit_id("seoul"))
    runtime.ledger.execute(opened, EDITOR)
    thresholds = gc.get_threshold()
    with pytest.raises(ImportStopped, match="already registered"):
        importer.record()
    assert log_size(runtime) == 1
    assert gc.get_threshold() == thresholds


TEXTS = [None, "", " ", "일반직", "5급", "a\x00b", "x" * 120, "x" * 250, "\ud800", "e\u0301", 7]
COUNTS: list[Any] = [None, 0, 3, -1, True, 10**7, 2.0]


def outcome(call: Any, *args: Any, **kwargs: Any) -> Any:
    """What a call gives, or the error it raises (the full and the quick check must agree on
    any)."""
    try:
        return ("passed", call(*args, **kwargs))
    except Exception as error:
        return (type(error).__name__, str(error))


def test_the_quick_check_of_a_command_refuses_as_the_full_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = random.Random(19)
    limits = TextLimits(name=100, label=100, reason=200, description=200, key=100)
    quick = commands._passes
    for _ in range(3000):
        row = c.StaffingRowInput(*(rng.choice(TEXTS) for _ in range(2)), 1, 2)
        row = replace(row, series_key=rng.choice(TEXTS), resolution=rng.choice(TEXTS))
        command: c.Command = rng.choice(
            [
                c.RecordStaffing(uuid4(), date(2020, 1, 1), (row, row), None, rng.choice(TEXTS)),
                c.RecordBudgetLine(
                    line_id=None,
                    new_line_id=None,
                    org_unit_id=uuid4(),
                    fiscal_year=2020,
                    account=rng.choice(TEXTS),
                    item=rng.choice(TEXTS),  # type: ignore[arg-type]
                    reference_date=date(2020, 1, 1),
                    budgeted=1,
                    executed=None,
                    as_printed={rng.choice(["unit", "x" * 150, "b\x01"]): rng.choice(TEXTS)},
                ),
            ]
        )
        monkeypatch.setattr(commands, "_passes", quick)
        fast = outcome(command.check_text, limits)
        monkeypatch.setattr(commands, "_passes", lambda *_: False)
        assert outcome(command.check_text, limits) == fast


def test_the_quick_make_row_refuses_as_the_full_one(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(19)
    quick = staffing._valid_row
    for _ in range(20000):
        fields = {
            "job_category": rng.choice(TEXTS),
            "grade": rng.choice(TEXTS),
            "authorized": rng.choice(COUNTS),
            "current": rng.choice(COUNTS),
            "women": rng.choice(COUNTS),
            "series_key": rng.choice(TEXTS),
            "resolution": rng.choice(TEXTS),
        }
        monkeypatch.setattr(staffing, "_valid_row", quick)
        fast = outcome(staffing.make_row, **fields, index=3)
        monkeypatch.setattr(staffing, "_valid_row", lambda *_: None)
        assert outcome(staffing.make_row, **fields, index=3) == fast
