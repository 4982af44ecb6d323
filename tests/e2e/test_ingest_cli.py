"""`govledger ingest` as a user runs it, on a ledger loaded from data/seoul: every seed reviews
as nothing new and nothing corrected; a reissued report shows its one correction old -> new,
writes a draft that `govledger import` records as --apply does, and --apply records it once; a
report whose printed total disagrees, or whose text names no unit, stops every report of the
command with one line per problem, and nothing is recorded."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.runtime import Runtime
from ledger.database import Database
from ledger.importing.importer import Importer
from ledger.settings import PgConfig
from tests.conftest import fresh_database, run_cli
from tests.support.ingest import SEEDS, SEOUL_DATA, seed

PRINTED = "현 원\t20\t6\t2\t2\t-\t2\t14\t1\t1\t11\t1"
"""001's 현원 row: 총계, 일반직 소계 and grades, 별정직 소계 and grades."""
REISSUED = "현 원\t21\t6\t2\t2\t-\t2\t15\t1\t2\t11\t1"
"""The same row with 별정직 4급상당 1 -> 2 (and its 소계 and 총계 with it)."""
MISPRINTED = "현 원\t20\t6\t2\t2\t-\t2\t13\t1\t1\t11\t1"
"""The same row with a 별정직 소계 of 13 that its cells (14) do not give."""
PROVENANCE = ("timestamp", "actor", "reason")
"""What differs between an event recorded by --apply and by import of the draft: when, by whom
(ingest, importer) and why (the command's own reason)."""


def seoul_runtime(database: Database) -> Runtime:
    runtime = Runtime(database=database)
    Importer(runtime.ledger).import_folder(SEOUL_DATA)
    runtime.catch_up()
    return runtime


@pytest.fixture(scope="module")
def seoul(server: PgConfig) -> Iterator[Runtime]:
    with fresh_database(server) as database:
        runtime = seoul_runtime(database)
        yield runtime
        runtime.close()


@pytest.fixture
def fresh_seoul(database: Database) -> Iterator[Runtime]:
    runtime = seoul_runtime(database)
    yield runtime
    runtime.close()


def govledger(runtime: Runtime, *args: str) -> tuple[int, str, str]:
    done = run_cli(*args, env={"DATABASE_URL": runtime.config.url(), "COLUMNS": "200"},
                   timeout=120)
    return done.returncode, done.stdout, done.stderr


def report(folder: Path, name: str, old: str, new: str) -> Path:
    text = seed("001").read_text(encoding="utf-8")
    assert old in text
    path = folder / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def head(runtime: Runtime) -> int:
    return runtime.ledger.recorder.max_notification_id() or 0


def events_after(runtime: Runtime, position: int) -> list[tuple[str, dict[str, Any]]]:
    """The events recorded after position, each as its type and its fields but provenance."""
    ledger = runtime.ledger
    found = []
    for stored in ledger.recorder.select_notifications(position + 1, 1000):
        event = ledger.mapper.to_domain_event(stored)
        fields = {k: v for k, v in vars(event).items() if k not in PROVENANCE}
        found.append((type(event).__qualname__, fields))
    return found


def test_every_seed_reviews_as_nothing_new_and_nothing_corrected(seoul: Runtime) -> None:
    before = head(seoul)
    code, out, err = govledger(seoul, "ingest", *map(str, SEEDS), "--unit", "시장비서실")
    assert code == 0, err
    for path in SEEDS:
        assert path.name in out
    summaries = re.findall(r"against the ledger as known now: (\d+) new, (\d+) corrections?,", out)
    assert summaries == [("0", "0")] * len(SEEDS)
    assert out.count("nothing to record: the ledger holds every fact of this report") == 5
    assert "기관운영업무추진비" in out and "277,200" in out  # labels as printed, separators
    assert head(seoul) == before


def test_a_report_that_names_no_unit_asks_for_one(seoul: Runtime) -> None:
    code, _, err = govledger(seoul, "ingest", str(seed("002")))
    assert code == 1
    problem, closing = err.strip().splitlines()
    assert problem.startswith(f"{seed('002').name}:1: ") and "--unit NAME" in problem
    assert closing.startswith("govledger: ingest: nothing recorded")


def test_a_disagreeing_total_stops_every_report_and_records_nothing(
    seoul: Runtime, tmp_path: Path
) -> None:
    corrected = report(tmp_path, seed("001").name, PRINTED, REISSUED)
    wrong = report(tmp_path, "001_misprinted.txt", PRINTED, MISPRINTED)
    before = head(seoul)
    code, out, err = govledger(seoul, "ingest", str(corrected), str(wrong), "--apply")
    assert code == 1 and out == ""
    problem, closing = err.strip().splitlines()
    assert problem == (
        "001_misprinted.txt:26: 인력 현황 (기준 / 단위 : '20. 3. 31. / 명), row 현원, "
        "column 별정직 소계: the printed total disagrees with the cells it totals: "
        "printed 13, computed 14"
    )
    assert "1 of 2 reports cannot be read fully" in closing
    assert head(seoul) == before


def test_a_reissued_report_is_one_correction_recorded_once(
    fresh_seoul: Runtime, server: PgConfig, tmp_path: Path
) -> None:
    path = report(tmp_path, seed("001").name, PRINTED, REISSUED)
    drafts = tmp_path / "drafts"
    code, out, err = govledger(fresh_seoul, "ingest", str(path), "--out", str(drafts))
    assert code == 0, err
    assert "0 new, 1 correction, 9 unchanged" in out
    correction = re.search(
        r"staffing of 시장비서실 at 2020-03-31 .*별정직 4급상당 current .*1 -> 2", out
    )
    assert correction is not None, out
    assert "nothing recorded; --apply records 1 fact" in out
    assert sorted(p.name for p in drafts.iterdir()) == [f"{path.stem}.toml"]

    before = head(fresh_seoul)
    code, out, err = govledger(fresh_seoul, "ingest", str(path), "--apply")
    assert code == 0, err
    assert "recorded 1 event" in out and "OrgUnit.StaffingRecorded" in out
    applied = events_after(fresh_seoul, before)
    assert [kind for kind, _ in applied] == ["OrgUnit.StaffingRecorded"]
    assert applied[0][1]["source"].startswith(f"{path.name}:25 § 인력 현황")
    code, out, err = govledger(fresh_seoul, "ingest", str(path), "--apply")
    assert code == 0 and "recorded nothing: the ledger holds this report already" in out, err
    assert head(fresh_seoul) == before + 1

    with fresh_database(server) as other:
        imported = seoul_runtime(other)
        try:
            start = head(imported)
            code, out, err = govledger(imported, "import", str(drafts))
            assert code == 0, err
            assert events_after(imported, start) == applied
            code, out, err = govledger(imported, "import", str(drafts))
            assert code == 0 and head(imported) == start + 1, out + err
        finally:
            imported.close()
