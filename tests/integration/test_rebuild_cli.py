"""`govledger rebuild`: the read model dropped and built again from the log, the same answers
after it; refused while another process projects."""

from __future__ import annotations

from datetime import date

from api.runtime import Runtime
from domain import commands as c
from ledger.database import Database
from tests.conftest import EDITOR, register, run_cli, staffing_rows


def test_rebuild_builds_the_read_model_again_from_the_log(
    runtime: Runtime, database: Database
) -> None:
    unit = register(runtime, "재건 대상")
    for month in (1, 2, 3):
        command = c.RecordStaffing(unit, date(2021, month, 28), staffing_rows(month))
        runtime.ledger.execute(command, EDITOR)
    runtime.catch_up()
    with runtime.connect() as conn:
        before = conn.execute("SELECT * FROM rm_staffing ORDER BY 1, 2, 3").fetchall()
        conn.execute("DELETE FROM rm_staffing")
        conn.commit()
    env = {"DATABASE_URL": database.config.url(), "COLUMNS": "200"}
    done = run_cli("rebuild", env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "rebuilt the read model from 4 events" in done.stdout
    with runtime.connect() as conn:
        assert conn.execute("SELECT * FROM rm_staffing ORDER BY 1, 2, 3").fetchall() == before

    with runtime.projector.session() as held:
        assert held is not None
        refused = run_cli("rebuild", env=env, timeout=120)
    assert refused.returncode == 1
    assert "another govledger process is projecting" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
