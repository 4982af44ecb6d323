"""Batch: corrections of one fact key within a batch of events, resolved in memory."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

from projections.build.batch import Batch, FactRow

OWNER = uuid4()
T1 = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
T2 = datetime(2024, 1, 1, 9, 5, tzinfo=UTC)
T3 = datetime(2024, 1, 1, 9, 9, tzinfo=UTC)


def key(subject: UUID, on: date = date(2023, 1, 1)) -> tuple[str, UUID, Any]:
    return ("staffing", subject, on)


def fact(k: tuple[str, UUID, Any], moment: datetime, position: int) -> FactRow:
    return FactRow(k[0], k[1], k[2], OWNER, {"position": position}, moment, position)


def test_fact_row_key() -> None:
    subject = uuid4()
    assert fact(key(subject), T1, 1).key == key(subject)


def test_first_put_asks_the_db_to_close_at_its_time() -> None:
    batch = Batch()
    k = key(uuid4())
    row = fact(k, T1, 1)
    batch.change(k, T1, row)
    assert batch.facts == [row]
    assert batch.close_believed == {k: T1}
    assert row.recorded_to is None


def test_correction_twice_closes_first_row_in_memory_and_db_once() -> None:
    batch = Batch()
    k = key(uuid4())
    first, second = fact(k, T1, 1), fact(k, T2, 2)
    batch.change(k, T1, first)
    batch.change(k, T2, second)
    assert batch.facts == [first, second]
    assert first.recorded_to == T2
    assert second.recorded_to is None
    assert batch.close_believed == {k: T1}


def test_three_corrections_chain_their_closing_times() -> None:
    batch = Batch()
    k = key(uuid4())
    rows = [fact(k, T1, 1), fact(k, T2, 2), fact(k, T3, 3)]
    for row, moment in zip(rows, (T1, T2, T3), strict=True):
        batch.change(k, moment, row)
    assert [r.recorded_to for r in rows] == [T2, T3, None]
    assert batch.close_believed == {k: T1}


def test_close_after_put_in_the_same_batch() -> None:
    batch = Batch()
    k = key(uuid4())
    row = fact(k, T1, 1)
    batch.change(k, T1, row)
    batch.change(k, T2, None)
    assert row.recorded_to == T2
    assert batch.facts == [row]
    assert batch.close_believed == {k: T1}


def test_close_alone_asks_the_db_to_close() -> None:
    batch = Batch()
    k = key(uuid4())
    batch.change(k, T2, None)
    assert batch.facts == []
    assert batch.close_believed == {k: T2}


def test_put_after_close_keeps_the_first_db_close() -> None:
    batch = Batch()
    k = key(uuid4())
    batch.change(k, T1, None)
    row = fact(k, T2, 2)
    batch.change(k, T2, row)
    assert batch.facts == [row]
    assert row.recorded_to is None
    assert batch.close_believed == {k: T1}


def test_put_close_put_leaves_the_last_row_open() -> None:
    batch = Batch()
    k = key(uuid4())
    first, last = fact(k, T1, 1), fact(k, T3, 3)
    batch.change(k, T1, first)
    batch.change(k, T2, None)
    batch.change(k, T3, last)
    assert first.recorded_to == T2
    assert last.recorded_to is None
    assert batch.close_believed == {k: T1}


def test_different_keys_do_not_interfere() -> None:
    batch = Batch()
    subject = uuid4()
    a, b = key(subject, date(2023, 1, 1)), key(subject, date(2023, 7, 1))
    row_a, row_b = fact(a, T1, 1), fact(b, T2, 2)
    batch.change(a, T1, row_a)
    batch.change(b, T2, row_b)
    assert row_a.recorded_to is None
    assert row_b.recorded_to is None
    assert batch.close_believed == {a: T1, b: T2}
