"""The projector on a real PostgreSQL: crashes mid-batch lose nothing and apply nothing twice,
a changed layout rebuilds, and corrections and retractions close facts in transaction time."""

from __future__ import annotations

from datetime import date

import pytest

from api.runtime import Runtime
from domain import commands as c
from domain.provenance import Provenance
from projections import schema as layout
from tests.conftest import EDITOR, register, staffing_rows
from tests.support.read_model import clean_rebuild, snapshot


def busy_history(runtime: Runtime) -> None:
    root = register(runtime, "서울특별시")
    units = [register(runtime, f"부서{i}", root) for i in range(5)]
    for round_ in range(4):
        for i, unit in enumerate(units):
            day = date(2020, 1 + round_ % 2, 1)
            cmd = c.RecordStaffing(unit, day, staffing_rows(i + round_, 10))
            runtime.ledger.execute(cmd, EDITOR)
    runtime.ledger.execute(c.RenameOrgUnit(units[0], "기획담당관", date(2020, 1, 1)), EDITOR)
    runtime.ledger.execute(c.MoveOrgUnit(units[1], units[2], date(2020, 1, 1)), EDITOR)
    retract = Provenance("tester", "recorded under the wrong unit", "x.txt")
    runtime.ledger.execute(c.RetractStaffing(units[3], date(2020, 2, 1)), retract)


class Crash(Exception):
    pass


def test_a_crash_mid_batch_then_restart_equals_a_clean_rebuild(runtime: Runtime) -> None:
    busy_history(runtime)
    runtime.projector.batch_size = 7

    def crash_at_position_12(position: int) -> None:
        if position == 12:
            raise Crash

    runtime.projector.on_event = crash_at_position_12
    with pytest.raises(Crash), runtime.projector.session() as conn:
        assert conn is not None
        runtime.projector.catch_up(conn)
    with runtime.connect() as conn:
        assert conn.execute("SELECT position FROM rm_meta").fetchone() == (7,)
    runtime.projector.on_event = None
    runtime.catch_up()
    resumed = snapshot(runtime)
    assert clean_rebuild(runtime) == resumed
    assert len(resumed["rm_events"]) == runtime.ledger.recorder.max_notification_id()


def test_a_changed_layout_rebuilds_the_read_model_from_the_log(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    busy_history(runtime)
    runtime.catch_up()
    before = snapshot(runtime)
    with runtime.connect() as conn:
        conn.execute("DELETE FROM rm_staffing")
        conn.commit()
    monkeypatch.setattr("projections.build.layout.LAYOUT_VERSION", layout.LAYOUT_VERSION + 1)
    runtime.catch_up()
    assert snapshot(runtime) == before
    with runtime.connect() as conn:
        row = conn.execute("SELECT layout_version FROM rm_meta").fetchone()
    assert row == (layout.LAYOUT_VERSION + 1,)


def test_only_one_projector_runs_at_a_time(runtime: Runtime) -> None:
    with runtime.projector.session() as first:
        assert first is not None
        other = Runtime(database=runtime.database)
        try:
            with other.projector.session() as second:
                assert second is None
        finally:
            other.close()


def test_corrections_and_retractions_close_facts_in_transaction_time(runtime: Runtime) -> None:
    unit = register(runtime, "시장비서실")
    day = date(2020, 1, 31)
    runtime.ledger.execute(c.RecordStaffing(unit, day, staffing_rows(21, 22)), EDITOR)
    runtime.ledger.execute(c.RecordStaffing(unit, day, staffing_rows(20, 22)), EDITOR)
    retract = Provenance("tester", "wrong unit", None)
    runtime.ledger.execute(c.RetractStaffing(unit, day), retract)
    runtime.catch_up()
    with runtime.connect() as conn:
        rows = conn.execute(
            "SELECT current[1], recorded_from, recorded_to FROM rm_staffing "
            "ORDER BY recorded_from"
        ).fetchall()
    assert [r[0] for r in rows] == [21, 20]
    assert rows[0][2] == rows[1][1]
    assert rows[1][2] is not None and rows[1][2] > rows[1][1]
