"""The Indicator aggregate: opening, recording points by period and kind, its rules, retractions,
and the read-model facts its events put."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.errors import InvalidInput
from domain.ids import indicator_id, unit_indicator_id
from domain.indicator import MAX_VALUE, Indicator, IndicatorKind, check_period
from domain.provenance import Provenance
from projections.facts import (
    ALWAYS,
    Close,
    Put,
    facts_of,
    owner_of,
    point_id,
    public_type,
    subject_type,
    valid_date,
)

EDITOR = Provenance("tester", "correction", "003_e2f4961fe655de53.txt")
OWNER = uuid4()
DAY = date(2013, 1, 23)
ACTUAL, TARGET = IndicatorKind.ACTUAL, IndicatorKind.TARGET


def indicator(**changes: Any) -> Indicator:
    fields: dict[str, Any] = {
        "indicator_id": uuid4(),
        "owner_id": OWNER,
        "name": "유연근무 확대",
        "group": "정책 목표",
        "measure": "명",
        "provenance": EDITOR,
    }
    fields.update(changes)
    return Indicator.open(**fields)


def record(target: Indicator, **changes: Any) -> None:
    fields: dict[str, Any] = {
        "period": "2012",
        "kind": ACTUAL,
        "value": 794,
        "reference_date": DAY,
        "printed": "794명('12)",
        "provenance": EDITOR,
    }
    fields.update(changes)
    target.record(**fields)


def test_open_keeps_owner_and_cleaned_names() -> None:
    opened = indicator(name=" 유연근무   확대 ", group=" ", measure="명 ")
    assert (opened.owner_id, opened.name, opened.group, opened.measure) == (
        OWNER,
        "유연근무 확대",
        None,
        "명",
    )
    assert opened.points == {}


@pytest.mark.parametrize("field", ["name", "measure"])
def test_open_refuses_empty_name_or_measure(field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        indicator(**{field: "  "})
    assert raised.value.field == field


def test_open_normalises_names_to_nfc() -> None:
    opened = indicator(name=unicodedata.normalize("NFD", "유연근무 확대"))
    assert opened.name == unicodedata.normalize("NFC", "유연근무 확대")


def test_record_keeps_value_and_printed_by_period_kind_and_date() -> None:
    target = indicator()
    record(target)
    record(target, period="2013", kind=TARGET, value=1000, printed=None)
    assert target.point("2012", ACTUAL, DAY) == {"value": 794, "printed": "794명('12)"}
    assert target.point("2013", "TARGET", DAY) == {"value": 1000, "printed": None}
    assert target.point("2013", ACTUAL, DAY) is None
    assert target.point("2012", ACTUAL, date(2013, 1, 24)) is None


def test_record_same_date_again_is_a_correction_and_a_later_date_supersedes() -> None:
    target = indicator()
    record(target, value=700)
    record(target, value=794)
    record(target, value=800, reference_date=date(2013, 6, 30))
    timeline = target.points[("2012", ACTUAL)]
    assert timeline.dates() == [DAY, date(2013, 6, 30)]
    assert target.point("2012", ACTUAL, DAY) == {"value": 794, "printed": "794명('12)"}
    assert timeline.at(date(2013, 12, 31)) == {"value": 800, "printed": "794명('12)"}


@pytest.mark.parametrize("period", ["2012", "2013-09", "2012-12-31", " 2014 "])
def test_periods_are_iso_years_months_or_dates(period: str) -> None:
    assert check_period(period) == period.strip()


@pytest.mark.parametrize(
    "period", ["", "12", "'12", "2012년", "2013-13", "2013-9", "2012-02-30", "2012/12", "1899"]
)
def test_record_refuses_a_period_that_is_not_iso(period: str) -> None:
    target = indicator()
    with pytest.raises(InvalidInput) as raised:
        record(target, period=period)
    assert raised.value.field == "period"
    assert raised.value.value == period
    assert target.points == {}


@pytest.mark.parametrize("value", [-1, True, 1.5, "794", MAX_VALUE + 1])
def test_record_refuses_values_that_are_not_whole_numbers_zero_or_more(value: Any) -> None:
    with pytest.raises(InvalidInput) as raised:
        record(indicator(), value=value)
    assert raised.value.field == "value"


def test_record_accepts_zero_and_the_largest_value() -> None:
    target = indicator()
    record(target, value=0)
    record(target, value=MAX_VALUE, period="2013")
    assert target.point("2013", ACTUAL, DAY) == {"value": MAX_VALUE, "printed": "794명('12)"}


def test_record_refuses_reference_date_out_of_range() -> None:
    with pytest.raises(InvalidInput) as raised:
        record(indicator(), reference_date=date(2300, 1, 1))
    assert raised.value.field == "referenceDate"
    assert raised.value.value == "2300-01-01"


def test_check_identity_names_the_field_that_differs() -> None:
    target = indicator()
    target.check_identity(OWNER, "유연근무확대", "정책  목표", "명")
    cases = [
        ((uuid4(), "유연근무 확대", "정책 목표", "명"), "orgUnitId"),
        ((OWNER, "시간선택제", "정책 목표", "명"), "name"),
        ((OWNER, "유연근무 확대", None, "명"), "group"),
        ((OWNER, "유연근무 확대", "정책 목표", "%"), "measure"),
    ]
    for args, field in cases:
        with pytest.raises(InvalidInput) as raised:
            target.check_identity(*args)
        assert raised.value.field == field


def test_retract_drops_the_point_and_an_earlier_date_shows_again() -> None:
    target = indicator()
    record(target, value=794)
    record(target, value=800, reference_date=date(2013, 6, 30))
    target.retract("2012", ACTUAL, date(2013, 6, 30), EDITOR)
    assert target.points[("2012", ACTUAL)].at(date(2014, 1, 1)) == {
        "value": 794,
        "printed": "794명('12)",
    }
    target.retract("2012", ACTUAL, DAY, EDITOR)
    assert target.points == {}


def test_retract_refuses_a_point_that_is_not_held() -> None:
    target = indicator()
    record(target)
    for period, kind, day in [
        ("2012", TARGET, DAY),
        ("2013", ACTUAL, DAY),
        ("2012", ACTUAL, DAY.replace(day=24)),
    ]:
        with pytest.raises(InvalidInput, match="to retract") as raised:
            target.retract(period, kind, day, EDITOR)
        assert raised.value.field == "referenceDate"


def test_retract_refuses_without_a_reason() -> None:
    target = indicator()
    record(target)
    with pytest.raises(InvalidInput) as raised:
        target.retract("2012", ACTUAL, DAY, Provenance("tester", " "))
    assert raised.value.field == "reason"
    assert target.point("2012", ACTUAL, DAY) is not None


def test_ids_follow_from_keys_and_from_what_identifies_an_indicator() -> None:
    # the key alone gives the id, the same in every process and release (recorded facts keep it)
    assert indicator_id("flexible-work") == UUID("e2a40ccb-cb4c-5352-9336-767cd2bb4ec2")
    assert indicator_id("flexible-work") != indicator_id("headcount")
    unit = uuid4()
    assert unit_indicator_id(unit, "정책 목표", "유연근무 확대") == unit_indicator_id(
        unit, "정책목표", "유연근무확대"
    )
    assert unit_indicator_id(unit, None, "유연근무 확대") != unit_indicator_id(
        unit, "정책 목표", "유연근무 확대"
    )


def test_events_put_the_name_always_and_each_point_as_a_subject_of_its_own() -> None:
    target = indicator()
    record(target)
    record(target, period="2013", kind=TARGET, value=1000, printed=None)
    target.retract("2013", TARGET, DAY, EDITOR)
    events = [e for e in target.collect_events() if isinstance(e, Indicator.Event)]
    opened, actual, planned, retracted = events
    assert [public_type(e) for e in (opened, actual, planned, retracted)] == [
        "IndicatorOpened",
        "IndicatorValueRecorded",
        "IndicatorValueRecorded",
        "IndicatorValueRetracted",
    ]
    assert subject_type(opened) == "Indicator"
    assert owner_of(opened) == OWNER
    assert valid_date(opened) is None
    assert valid_date(actual) == DAY
    name = {"name": "유연근무 확대", "group": "정책 목표", "measure": "명"}
    assert facts_of(opened) == [Put("indicator.name", target.id, ALWAYS, name)]
    assert facts_of(actual) == [
        Put(
            "indicator",
            point_id(target.id, "2012", "ACTUAL"),
            DAY,
            {
                "indicator_id": str(target.id),
                "period": "2012",
                "kind": "ACTUAL",
                "value": 794,
                "printed": "794명('12)",
                "source": EDITOR.source,
            },
        )
    ]
    target_point = point_id(target.id, "2013", "TARGET")
    assert facts_of(planned)[0].subject_id == target_point
    assert facts_of(retracted) == [Close("indicator", target_point, DAY)]
    assert len({point_id(target.id, "2012", k) for k in ("ACTUAL", "TARGET")}) == 2
