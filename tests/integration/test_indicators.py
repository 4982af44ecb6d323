"""Indicators on a real PostgreSQL: recorded through the ledger, projected, and read as of a
date and as known at a moment, across a later report, a correction and a retraction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest

from api.runtime import Runtime
from domain import commands as c
from domain.errors import Conflict, InvalidInput, NotFound
from domain.indicator import Indicator, IndicatorKind
from domain.provenance import Provenance
from ledger.application import Outcome
from projections.read import indicators
from tests.conftest import EDITOR, register
from tests.support.read_model import clean_rebuild, snapshot

ACTUAL, TARGET = IndicatorKind.ACTUAL, IndicatorKind.TARGET
REPORT_2013, REPORT_2014 = date(2013, 1, 23), date(2014, 1, 20)
RETRACT = Provenance("tester", "recorded from the wrong table", "003.txt")


@pytest.fixture
async def pool(runtime: Runtime) -> AsyncIterator[asyncpg.Pool]:
    runtime.catch_up()
    services = await runtime.open_services()
    yield services.pool
    await runtime.close_services()


def unit(runtime: Runtime, name: str = "행정국", parent: UUID | None = None) -> UUID:
    return register(runtime, name, parent, date(2012, 1, 1))


def record(
    runtime: Runtime, owner: UUID, period: str, kind: IndicatorKind, value: int, on: date, **x: Any
) -> Outcome:
    fields: dict[str, Any] = {"indicator_id": None, "name": "유연근무 확대", "measure": "명"}
    fields.update(x)
    command = c.RecordIndicatorValue(
        org_unit_id=owner, period=period, kind=kind, value=value, reference_date=on, **fields
    )
    return runtime.ledger.execute(command, EDITOR)


def recorded_at(runtime: Runtime, outcome: Outcome) -> datetime:
    runtime.catch_up()
    with runtime.connect() as conn:
        row = conn.execute(
            "SELECT max(recorded_at) FROM rm_events WHERE position = ANY(%s)",
            (list(outcome.notification_ids),),
        ).fetchone()
    assert row is not None
    moment: datetime = row[0]
    return moment


async def points(
    pool: asyncpg.Pool, owner: UUID, as_of: date, known_at: datetime
) -> list[tuple[Any, ...]]:
    async with pool.acquire() as conn:
        (found,) = await indicators.indicators_of(conn, [owner], as_of, known_at)
    return [(p.period, p.kind, p.value, p.reference_date) for p in found.points]


async def test_points_as_of_dates_across_a_later_report_a_correction_and_a_retraction(
    runtime: Runtime, pool: asyncpg.Pool
) -> None:
    owner = unit(runtime)
    first = record(runtime, owner, "2013", TARGET, 1000, REPORT_2013, group="정책 목표")
    record(
        runtime, owner, "2012", ACTUAL, 794, REPORT_2013, group="정책 목표", printed="794명('12)"
    )
    reported_2013 = recorded_at(
        runtime, record(runtime, owner, "2014", TARGET, 2000, REPORT_2013, group="정책 목표")
    )
    record(runtime, owner, "2013", ACTUAL, 1100, REPORT_2014, group="정책 목표")
    record(runtime, owner, "2014", TARGET, 2500, REPORT_2014, group="정책 목표")
    before_fix = recorded_at(
        runtime, record(runtime, owner, "2014", TARGET, 2500, REPORT_2014, group="정책 목표")
    )
    fixed = record(
        runtime, owner, "2012", ACTUAL, 800, REPORT_2013, group="정책 목표", printed="800명"
    )
    before_retraction = recorded_at(runtime, fixed)
    retraction = c.RetractIndicatorValue(first.subject_id, "2014", TARGET, REPORT_2014)
    now = recorded_at(runtime, runtime.ledger.execute(retraction, RETRACT))

    async with pool.acquire() as conn:
        assert await indicators.indicators_of(conn, [owner], date(2013, 1, 22), now) == []
        (found,) = await indicators.indicators_of(conn, [owner], date(2013, 6, 30), now)
    assert (found.id, found.owner_id, found.name, found.group, found.measure) == (
        first.subject_id,
        owner,
        "유연근무 확대",
        "정책 목표",
        "명",
    )
    assert [(p.period, p.kind, p.value, p.printed) for p in found.points] == [
        ("2012", "ACTUAL", 800, "800명"),
        ("2013", "TARGET", 1000, None),
        ("2014", "TARGET", 2000, None),
    ]
    assert found.points[0].source == EDITOR.source
    assert await points(pool, owner, date(2014, 12, 31), reported_2013) == [
        ("2012", "ACTUAL", 794, REPORT_2013),
        ("2013", "TARGET", 1000, REPORT_2013),
        ("2014", "TARGET", 2000, REPORT_2013),
    ]
    assert await points(pool, owner, date(2014, 12, 31), before_retraction) == [
        ("2012", "ACTUAL", 800, REPORT_2013),
        ("2013", "ACTUAL", 1100, REPORT_2014),
        ("2013", "TARGET", 1000, REPORT_2013),
        ("2014", "TARGET", 2500, REPORT_2014),
    ]
    assert (await points(pool, owner, date(2014, 12, 31), before_fix))[0][2] == 794
    assert (await points(pool, owner, date(2014, 12, 31), now))[-1] == (
        "2014",
        "TARGET",
        2000,
        REPORT_2013,
    )


async def test_one_indicator_read_by_id_and_the_indicators_of_a_subtree(
    runtime: Runtime, pool: asyncpg.Pool
) -> None:
    city = unit(runtime, "서울특별시")
    bureau = unit(runtime, "행정국", city)
    headcount = record(
        runtime, city, "2012-12-31", ACTUAL, 10_000, REPORT_2013, name="일반직", group="직군별 현원"
    )
    flexible = record(runtime, bureau, "2012", ACTUAL, 794, REPORT_2013)
    now = recorded_at(runtime, flexible)
    async with pool.acquire() as conn:
        both = await indicators.indicators_of(conn, [city, bureau], REPORT_2013, now)
        one = await indicators.indicator(conn, flexible.subject_id, REPORT_2013, now)
        early = await indicators.indicator(conn, flexible.subject_id, date(2012, 12, 31), now)
        unknown = await indicators.indicator(conn, uuid4(), REPORT_2013, now)
        a_unit = await indicators.indicator(conn, city, REPORT_2013, now)
    assert [(i.id, i.owner_id) for i in both] == [
        (flexible.subject_id, bureau),
        (headcount.subject_id, city),
    ]
    assert one is not None and one.owner_id == bureau and len(one.points) == 1
    assert (early, unknown, a_unit) == (None, None, None)


def test_a_second_create_records_on_the_same_indicator(runtime: Runtime) -> None:
    owner = unit(runtime)
    first = record(runtime, owner, "2012", ACTUAL, 794, REPORT_2013)
    again = record(runtime, owner, "2013", TARGET, 1000, REPORT_2013, name="유연근무확대")
    assert again.subject_id == first.subject_id
    assert again.version == 3
    chosen = uuid4()
    keyed = record(
        runtime, owner, "2012", ACTUAL, 1, REPORT_2013, name="기타", new_indicator_id=chosen
    )
    assert keyed.subject_id == chosen
    held = runtime.ledger.load(Indicator, chosen, "indicatorId")
    assert held.point("2012", ACTUAL, REPORT_2013) == {"value": 1, "printed": None}


def test_commands_refused_record_nothing(runtime: Runtime) -> None:
    owner, other = unit(runtime), unit(runtime, "재무국")
    existing = record(runtime, owner, "2012", ACTUAL, 794, REPORT_2013).subject_id
    head = runtime.ledger.recorder.max_notification_id()
    refusals: list[tuple[type[Exception], str | None, dict[str, Any]]] = [
        (NotFound, "orgUnitId", {"owner": uuid4()}),
        (InvalidInput, "referenceDate", {"on": date(2011, 12, 31)}),
        (InvalidInput, "measure", {"measure": "%"}),
        (InvalidInput, "name", {"indicator_id": existing, "name": "시간선택제"}),
        (InvalidInput, "orgUnitId", {"owner": other, "indicator_id": existing}),
        (NotFound, "indicatorId", {"indicator_id": uuid4()}),
        (InvalidInput, "period", {"period": "'12"}),
        (InvalidInput, "value", {"value": -1}),
        (Conflict, "expectedVersion", {"indicator_id": existing, "expected_version": 1}),
    ]
    for error, field, change in refusals:
        args: dict[str, Any] = {"owner": owner, "period": "2013", "value": 1, "on": REPORT_2013}
        args.update(change)
        with pytest.raises(error) as raised:
            record(
                runtime,
                args.pop("owner"),
                args.pop("period"),
                TARGET,
                args.pop("value"),
                args.pop("on"),
                **args,
            )
        assert getattr(raised.value, "field", None) == field, change
    retractions = [
        (c.RetractIndicatorValue(existing, "2012", ACTUAL, REPORT_2013), Provenance("tester")),
        (c.RetractIndicatorValue(existing, "2012", TARGET, REPORT_2013), RETRACT),
    ]
    for command, provenance in retractions:
        with pytest.raises(InvalidInput):
            runtime.ledger.execute(command, provenance)
    assert runtime.ledger.recorder.max_notification_id() == head


def test_a_rebuild_in_batches_of_one_gives_the_same_read_model(runtime: Runtime) -> None:
    owner = unit(runtime)
    first = record(runtime, owner, "2012", ACTUAL, 794, REPORT_2013, group="정책 목표")
    record(runtime, owner, "2012", ACTUAL, 800, REPORT_2014, group="정책 목표")
    retraction = c.RetractIndicatorValue(first.subject_id, "2012", ACTUAL, REPORT_2014)
    runtime.ledger.execute(retraction, RETRACT)
    expected = clean_rebuild(runtime)
    runtime.projector.batch_size = 1
    with runtime.projector.session() as conn:
        assert conn is not None
        runtime.projector.reset(conn)
        runtime.projector.catch_up(conn)
    assert snapshot(runtime) == expected
    kinds = {row[1] for row in expected["rm_facts"]}
    assert {"indicator", "indicator.name"} <= kinds
