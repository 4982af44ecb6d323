"""The ledger's commands on a real PostgreSQL: transaction time follows commit order, and an
idempotency key lives or dies with its events."""

from __future__ import annotations

import itertools
import threading
from datetime import date

import pytest
from eventsourcing.persistence import IntegrityError

from api.runtime import Runtime
from domain import commands as c
from domain.errors import Conflict
from domain.orgunit import OrgUnit
from domain.staffing import make_row
from ledger.recorder import IdempotencyRecord
from tests.conftest import EDITOR, register, staffing_rows

DAY = date(2020, 1, 31)


def test_recorded_time_follows_commit_order_under_concurrent_writers(runtime: Runtime) -> None:
    units = [register(runtime, f"부서{i}") for i in range(4)]

    def write(unit: object) -> None:
        for n in range(15):
            runtime.ledger.execute(c.RecordStaffing(unit, DAY, staffing_rows(n)), EDITOR)  # type: ignore[arg-type]

    threads = [threading.Thread(target=write, args=(u,)) for u in units]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with runtime.connect() as conn:
        stamps = [
            r[0]
            for r in conn.execute(
                "SELECT recorded_at FROM ledger_events ORDER BY notification_id"
            ).fetchall()
        ]
    assert len(stamps) == 4 + 4 * 15
    assert all(a < b for a, b in itertools.pairwise(stamps))


def test_concurrent_writers_to_one_unit_lose_no_update(runtime: Runtime) -> None:
    unit = register(runtime, "시장비서실")

    def write(offset: int) -> None:
        for n in range(10):
            day = date(2020, 1, 1 + offset * 10 + n)
            runtime.ledger.execute(c.RecordStaffing(unit, day, staffing_rows(n)), EDITOR)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    held = runtime.ledger.load(OrgUnit, unit, "unit")
    assert len(held.staffing.dates()) == 30
    assert held.version == 31


def test_an_idempotency_key_replays_its_first_result_and_records_nothing(runtime: Runtime) -> None:
    unit = register(runtime, "시장비서실")
    command = c.RecordStaffing(unit, DAY, staffing_rows(21, 22))
    first = runtime.ledger.execute(command, EDITOR, idempotency_key="report-2020-03")
    head = runtime.ledger.recorder.max_notification_id()
    again = runtime.ledger.execute(command, EDITOR, idempotency_key="report-2020-03")
    assert (again.subject_id, again.version, again.notification_ids) == (
        first.subject_id,
        first.version,
        (),
    )
    assert runtime.ledger.recorder.max_notification_id() == head
    other = c.RecordStaffing(unit, DAY, staffing_rows(20, 22))
    with pytest.raises(Conflict, match="idempotencyKey"):
        runtime.ledger.execute(other, EDITOR, idempotency_key="report-2020-03")
    assert runtime.ledger.recorder.max_notification_id() == head


def test_a_failed_command_keeps_neither_its_events_nor_its_key(runtime: Runtime) -> None:
    unit = register(runtime, "시장비서실")
    stale = c.RecordStaffing(unit, DAY, staffing_rows(21), expected_version=7)
    with pytest.raises(Conflict, match="expectedVersion"):
        runtime.ledger.execute(stale, EDITOR, idempotency_key="k1")
    assert runtime.ledger.ledger_recorder.find_idempotency(EDITOR.actor, "k1") is None
    fresh = c.RecordStaffing(unit, DAY, staffing_rows(21), expected_version=1)
    outcome = runtime.ledger.execute(fresh, EDITOR, idempotency_key="k1")
    assert outcome.version == 2
    key = runtime.ledger.ledger_recorder.find_idempotency(EDITOR.actor, "k1")
    assert key is not None and key.version == 2


def test_a_key_written_in_the_same_transaction_as_a_clashing_event_is_rolled_back(
    runtime: Runtime,
) -> None:
    unit = register(runtime, "시장비서실")
    loaded = runtime.ledger.load(OrgUnit, unit, "unit")
    runtime.ledger.execute(c.RecordStaffing(unit, DAY, staffing_rows(1)), EDITOR)
    row = make_row(
        job_category="일반직",
        grade=None,
        authorized=None,
        current=3,
        women=None,
        series_key=None,
        index=0,
    )
    loaded.record_staffing(DAY, [row], None, None, EDITOR)
    key = IdempotencyRecord(EDITOR.actor, "k2", "hash", unit, "OrgUnit", loaded.version)
    with pytest.raises(IntegrityError):
        runtime.ledger.save(loaded, idempotency=key)
    assert runtime.ledger.ledger_recorder.find_idempotency(EDITOR.actor, "k2") is None


def test_the_same_key_sent_twice_at_once_records_once(runtime: Runtime) -> None:
    unit = register(runtime, "시장비서실")
    command = c.RecordStaffing(unit, DAY, staffing_rows(21, 22), expected_version=1)
    head = runtime.ledger.recorder.max_notification_id() or 0
    barrier = threading.Barrier(4)
    outcomes = []

    def send() -> None:
        barrier.wait()
        outcomes.append(runtime.ledger.execute(command, EDITOR, idempotency_key="retry-1"))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert runtime.ledger.recorder.max_notification_id() == head + 1
    assert {o.version for o in outcomes} == {2}
    assert sorted(len(o.notification_ids) for o in outcomes) == [0, 0, 0, 1]
