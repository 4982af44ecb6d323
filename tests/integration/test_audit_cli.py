"""`govledger export`, `verify` and `restore` as an auditor runs them: a digest written down,
an export verified from its files alone, a changed byte found, and a restore that verifies."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from api.runtime import Runtime
from domain import commands as c
from ledger.database import Database
from ledger.settings import PgConfig
from tests.conftest import EDITOR, fresh_database, register, run_cli, staffing_rows


def cli(database: Database, *args: str) -> tuple[int, str]:
    done = run_cli(*args, env={"DATABASE_URL": database.config.url(), "COLUMNS": "200"})
    return done.returncode, done.stdout + done.stderr


def test_export_verify_and_restore_from_the_command_line(
    runtime: Runtime, database: Database, server: PgConfig, tmp_path: Path
) -> None:
    unit = register(runtime, "감사담당관")
    for month in (1, 2, 3):
        runtime.ledger.execute(
            c.RecordStaffing(unit, date(2020, month, 28), staffing_rows(month)), EDITOR
        )
    code, said = cli(database, "verify")
    assert code == 0, said
    written_down = re.search(r"digest ([0-9a-f]{64})", said)
    assert written_down is not None

    runtime.ledger.execute(c.RecordStaffing(unit, date(2020, 4, 28), staffing_rows(9)), EDITOR)
    export = tmp_path / "export"
    code, said = cli(database, "export", str(export))
    assert code == 0 and "exported 5 events" in said, said
    code, said = cli(database, "verify", str(export), "--digest", written_down[1])
    assert code == 0 and "the export holds: 5 events" in said, said

    with fresh_database(server) as target:
        Runtime(database=target).close()
        code, said = cli(target, "restore", str(export))
        assert code == 0 and "restored 5 events" in said, said
        code, said = cli(target, "verify", "--digest", written_down[1])
        assert code == 0, said

    events = export / "events-00001.jsonl"
    events.write_bytes(events.read_bytes().replace(b'"current":9', b'"current":8'))
    code, said = cli(database, "verify", str(export))
    assert code == 1
    assert "breaks at position 5" in said and "altered" in said
