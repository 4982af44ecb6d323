"""The unit of work (ledger/work.py): many commands, one transaction, aggregates read once; a
refused command keeps the ones before it; a concurrent writer makes the chunk decide again."""

from __future__ import annotations

from datetime import date

import pytest

from api.runtime import Runtime
from domain import commands as c
from domain.errors import InvalidInput
from domain.orgunit import OrgUnit
from ledger.work import Refused, UnitOfWork
from tests.conftest import EDITOR, register, staffing_rows

DAYS = [date(2020, month, 1) for month in range(1, 7)]


def recorded_at(runtime: Runtime, positions: list[int]) -> set[object]:
    return set(runtime.ledger.ledger_recorder.recorded_at(positions).values())


def test_a_chunk_is_recorded_in_one_transaction_in_order(runtime: Runtime) -> None:
    unit = register(runtime, "기획담당관")
    work = UnitOfWork(runtime.ledger)
    items = [(c.RecordStaffing(unit, day, staffing_rows(n)), EDITOR) for n, day in enumerate(DAYS)]
    outcomes = work.execute(items)
    positions = [p for outcome in outcomes for p in outcome.notification_ids]
    assert positions == sorted(positions) and len(positions) == len(DAYS)
    assert len(recorded_at(runtime, positions)) == 1, "one transaction, one recorded time"
    assert [outcome.version for outcome in outcomes] == list(range(2, 2 + len(DAYS)))
    assert runtime.ledger.load(OrgUnit, unit, "unit").staffing.exactly(DAYS[-1]) is not None


def test_commands_of_a_chunk_see_what_the_ones_before_them_decided(runtime: Runtime) -> None:
    work = UnitOfWork(runtime.ledger)
    root = c.RegisterOrgUnit("서울특별시", None, date(2019, 1, 1))
    [registered] = work.execute([(root, EDITOR)])
    child = c.RegisterOrgUnit("행정국", registered.subject_id, date(2019, 1, 1))
    rename = c.RenameOrgUnit(registered.subject_id, "서울시", date(2020, 1, 1))
    outcomes = work.execute([(child, EDITOR), (rename, EDITOR)])
    assert [o.event_types for o in outcomes] == [("OrgUnit.Registered",), ("OrgUnit.Renamed",)]


def test_a_refused_command_keeps_the_ones_before_it_and_records_nothing_after(
    runtime: Runtime,
) -> None:
    unit = register(runtime, "기획담당관")
    work = UnitOfWork(runtime.ledger)
    bad = c.RecordStaffing(unit, date(2018, 1, 1), staffing_rows(1))  # before the unit exists
    items = [
        (c.RecordStaffing(unit, DAYS[0], staffing_rows(1)), EDITOR),
        (bad, EDITOR),
        (c.RecordStaffing(unit, DAYS[1], staffing_rows(2)), EDITOR),
    ]
    with pytest.raises(Refused) as refused:
        work.execute(items)
    assert isinstance(refused.value.error, InvalidInput)
    assert [len(o.notification_ids) for o in refused.value.recorded] == [1]
    assert runtime.ledger.recorder.max_notification_id() == 2  # registration and the first


def test_a_writer_that_moved_a_held_aggregate_on_makes_the_chunk_decide_again(
    runtime: Runtime,
) -> None:
    unit = register(runtime, "기획담당관")
    work = UnitOfWork(runtime.ledger)
    work.execute([(c.RecordStaffing(unit, DAYS[0], staffing_rows(1)), EDITOR)])
    runtime.ledger.execute(c.RecordStaffing(unit, DAYS[1], staffing_rows(2)), EDITOR)
    [outcome] = work.execute([(c.RecordStaffing(unit, DAYS[2], staffing_rows(3)), EDITOR)])
    assert outcome.version == 4
