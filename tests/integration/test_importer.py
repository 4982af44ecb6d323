"""The importer on a real ledger: nothing recorded unless every printed total agrees, idempotent
re-import, one correction per changed cell, dry runs, and the command line."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from api.runtime import Runtime
from domain import ids
from domain.orgunit import OrgUnit
from ledger.database import Database
from ledger.importing.checks import CheckError
from ledger.importing.importer import Importer, ImportStopped
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]
REPORT = "001_8609ec9c98224de6.toml"
"""The Mayor's Office in 2020.4: small, self-contained, with a misprint among its totals."""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "data" / "seoul" / REPORT, tmp_path / REPORT)
    return tmp_path


def edit(folder: Path, old: str, new: str) -> None:
    path = folder / REPORT
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def log_size(runtime: Runtime) -> int:
    return runtime.ledger.recorder.max_notification_id() or 0


def test_an_altered_total_fails_naming_its_cell_and_records_nothing(
    runtime: Runtime, folder: Path
) -> None:
    edit(folder, "printed = 357200", "printed = 357300")
    with pytest.raises(CheckError) as raised:
        Importer(runtime.ledger).import_folder(folder)
    message = str(raised.value)
    assert f"{REPORT}: table '" in message
    assert "row '계', column '예산액': printed 357300, the facts give 357200" in message
    assert log_size(runtime) == 0


def test_an_altered_cell_fails_by_the_totals_it_breaks(runtime: Runtime, folder: Path) -> None:
    edit(folder, "authorized = 11, current = 11", "authorized = 11, current = 12")
    with pytest.raises(CheckError) as raised:
        Importer(runtime.ledger).import_folder(folder)
    assert "row '현원', column '총계': printed 20, the facts give 21" in str(raised.value)
    assert log_size(runtime) == 0


def test_import_again_records_nothing(runtime: Runtime, folder: Path) -> None:
    first = Importer(runtime.ledger).import_folder(folder)
    size = log_size(runtime)
    again = Importer(runtime.ledger).import_folder(folder)
    assert first.recorded == first.facts > 0
    assert first.checks == again.checks == 14
    assert again.recorded == 0
    assert log_size(runtime) == size


def test_a_changed_cell_records_exactly_one_correction(runtime: Runtime, folder: Path) -> None:
    Importer(runtime.ledger).import_folder(folder)
    size = log_size(runtime)
    row = 'grade = "6급이하", authorized = 2, current = 1'
    edit(folder, f"{row} }}", f"{row}, resolution = \"printed '1'\" }}")
    report = Importer(runtime.ledger).import_folder(folder)
    assert report.by_kind() == {"staffing": (1, 1)}
    assert report.events == {"OrgUnit.StaffingRecorded": 1}
    assert log_size(runtime) == size + 1
    unit = runtime.ledger.load(OrgUnit, ids.unit_id("mayors-office"), "unit")
    table = unit.staffing.exactly(date(2020, 3, 31))
    assert table is not None
    assert table["rows"][-1]["resolution"] == "printed '1'"


def test_a_dry_run_plans_what_an_import_records_and_records_nothing(
    runtime: Runtime, folder: Path
) -> None:
    planned = Importer(runtime.ledger).import_folder(folder, dry_run=True)
    assert log_size(runtime) == 0
    assert planned.recorded == planned.facts
    assert [p.what for _, p in planned.plans][:3] == [
        "unit seoul (서울특별시) from 1946-08-15",
        "unit mayors-office (시장비서실) from 2019-03-31",
        "staffing of mayors-office at 2020-03-31",
    ]
    recorded = Importer(runtime.ledger).import_folder(folder)
    assert [p.what for _, p in recorded.plans] == [p.what for _, p in planned.plans]
    assert Importer(runtime.ledger).import_folder(folder, dry_run=True).plans == []


def test_a_list_that_drops_a_task_silently_is_refused(runtime: Runtime, folder: Path) -> None:
    shutil.copy(ROOT / "data" / "seoul" / "000_cfa35aeae6f4c650.toml", folder)
    text = (folder / REPORT).read_text(encoding="utf-8")
    cut = text.index('[[tasks]]\nunit = "mayors-office"\nkey = "mayor-strategic-city-diplomacy"')
    (folder / REPORT).write_text(
        text[:cut] + text[text.index("# Printed totals", cut) :], encoding="utf-8"
    )
    with pytest.raises(CheckError, match="does not name mayor-strategic-city-diplomacy"):
        Importer(runtime.ledger).import_folder(folder)
    assert log_size(runtime) == 0


def govledger(database: Database, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env={"DATABASE_URL": database.config.url(), "COLUMNS": "200"})


def test_the_command_line_dry_run_then_import_then_a_failing_total(
    database: Database, folder: Path
) -> None:
    dry = govledger(database, "import", "--dry-run", str(folder))
    assert dry.returncode == 0, dry.stderr
    assert f"would record  {REPORT}  staffing of mayors-office at 2020-03-31" in dry.stderr
    assert "14 printed totals agree" in dry.stderr
    done = govledger(database, "import", str(folder))
    assert done.returncode == 0, done.stderr
    assert "Task.Recorded" in done.stderr and "would record" not in done.stderr
    edit(folder, "printed = 357200", "printed = 1")
    failed = govledger(database, "import", str(folder))
    assert failed.returncode == 1
    assert (
        "nothing recorded" in failed.stderr and "printed 1, the facts give 357200" in failed.stderr
    )


def test_a_corrected_figure_is_one_correction_the_ledger_remembers(
    runtime: Runtime, folder: Path
) -> None:
    Importer(runtime.ledger).import_folder(folder)
    row = 'grade = "6급이하", authorized = 2, current = '
    edit(folder, f"{row}1 }}", f"{row}2 }}")
    edit(folder, "printed = 20\n", "printed = 21\n")
    edit(folder, "printed = 14\n", "printed = 15\n")
    report = Importer(runtime.ledger).import_folder(folder)
    assert report.events == {"OrgUnit.StaffingRecorded": 1}
    assert [(p.what, p.correction) for _, p in report.plans] == [
        ("staffing of mayors-office at 2020-03-31", True)
    ]


def test_an_entry_that_cannot_be_read_is_named_and_nothing_is_recorded(
    runtime: Runtime, folder: Path
) -> None:
    edit(
        folder,
        'key = "mayor-council-communication"\nkind = "MAJOR_TASK"',
        'key = "mayor-council-communication"\nkind = "MAJOR"',
    )
    with pytest.raises(
        CheckError, match=f"{REPORT}: tasks mayor-council-communication 2020-03-31: ValueError"
    ):
        Importer(runtime.ledger).import_folder(folder)
    assert log_size(runtime) == 0


def test_a_fact_the_ledger_refuses_stops_the_import_and_the_next_goes_on(
    runtime: Runtime, folder: Path
) -> None:
    task = 'key = "mayor-field-visits"\nkind = "MAJOR_TASK"'
    late = f'{task}\nstatus = "IN_PROGRESS"\nstatus_since = "2020-04-30"'
    edit(folder, task, late)
    with pytest.raises(ImportStopped) as stopped:
        Importer(runtime.ledger).import_folder(folder)
    message = str(stopped.value)
    assert f"{REPORT}: task mayor-field-visits from 2020-03-31: statusSince" in message
    assert "The 5 facts before it are recorded" in message
    assert log_size(runtime) == 2 + 1 + 2 * 2
    edit(folder, late, task)
    report = Importer(runtime.ledger).import_folder(folder)
    assert report.by_kind() == {"tasks": (6, 0)}


def unit_entry(key: str, name: str, parent: str, valid_from: str) -> str:
    return (
        f'[[units]]\nkey = "{key}"\nname = "{name}"\nparent = "{parent}"\n'
        f'valid_from = "{valid_from}"\n'
    )


def test_a_later_report_renames_and_moves_a_unit_once(runtime: Runtime, tmp_path: Path) -> None:
    source = '[source]\nfile = "{}.txt"\ntitle = "t"\npublished = "p"\nnotes = []\n'
    (tmp_path / "a.toml").write_text(
        source.format("a")
        + unit_entry("hq", "본부", "", "2019-01-01")
        + unit_entry("dept", "기획과", "hq", "2019-01-01")
        + unit_entry("other", "총무과", "hq", "2019-01-01"),
        encoding="utf-8",
    )
    (tmp_path / "b.toml").write_text(
        source.format("b")
        + unit_entry("hq", "본부", "", "2019-01-01")
        + unit_entry("dept", "기획담당관", "other", "2020-01-01"),
        encoding="utf-8",
    )
    planned = Importer(runtime.ledger).import_folder(tmp_path, dry_run=True)
    assert [p.what for _, p in planned.plans][3:] == [
        "name of dept: 기획담당관 from 2020-01-01",
        "place of dept: under other from 2020-01-01",
    ]
    assert (planned.recorded, planned.unchanged) == (5, 1)
    report = Importer(runtime.ledger).import_folder(tmp_path)
    assert report.events == {
        "OrgUnit.Registered": 3,
        "OrgUnit.Renamed": 1,
        "OrgUnit.Moved": 1,
    }
    unit = runtime.ledger.load(OrgUnit, ids.unit_id("dept"), "unit")
    assert unit.names.at(date(2019, 6, 1)) == "기획과"
    assert unit.names.at(date(2020, 6, 1)) == "기획담당관"
    assert unit.parents.at(date(2020, 6, 1)) == ids.unit_id("other")
    assert Importer(runtime.ledger).import_folder(tmp_path).plans == []
