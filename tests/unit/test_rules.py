"""Shared rules, the InvalidInput error, provenance cleaning and the Timeline."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import InvalidInput, invalid
from domain.names import clean, same_name, unspaced
from domain.provenance import Provenance
from domain.rules import (
    MAX_WON,
    check_count,
    check_date,
    check_fiscal_year,
    check_won,
    optional_text,
    required_text,
)
from domain.timeline import Timeline


def test_invalid_names_field_and_value_in_message_and_attributes() -> None:
    error = invalid("rows[2].current", -3, "must be positive")
    assert isinstance(error, InvalidInput)
    assert error.field == "rows[2].current"
    assert error.value == -3
    assert error.message == "rows[2].current: -3 must be positive"
    assert str(error) == error.message


def test_invalid_quotes_string_values_with_repr() -> None:
    assert invalid("name", "", "must not be empty").message == "name: '' must not be empty"


@pytest.mark.parametrize("value", [-1, 1.5, True, "3"])
def test_check_count_refuses_non_counts(value: object) -> None:
    with pytest.raises(InvalidInput) as raised:
        check_count("current", value)  # type: ignore[arg-type]
    assert raised.value.field == "current"
    assert raised.value.value == value
    assert "current" in raised.value.message
    assert repr(value) in raised.value.message


@pytest.mark.parametrize("value", [None, 0, 12])
def test_check_count_accepts_none_and_whole_numbers(value: int | None) -> None:
    check_count("current", value)


def test_check_won_refuses_negative_and_too_large() -> None:
    with pytest.raises(InvalidInput, match=r"budgeted: -1 "):
        check_won("budgeted", -1)
    with pytest.raises(InvalidInput, match="exceeds the largest amount") as raised:
        check_won("executed", MAX_WON + 1)
    assert raised.value.field == "executed"
    check_won("executed", MAX_WON)
    check_won("executed", None)


@pytest.mark.parametrize("day", [date(1899, 12, 31), date(2201, 1, 1)])
def test_check_date_refuses_dates_out_of_range(day: date) -> None:
    with pytest.raises(InvalidInput) as raised:
        check_date("validFrom", day)
    assert raised.value.field == "validFrom"
    assert raised.value.value == day.isoformat()
    assert day.isoformat() in raised.value.message


@pytest.mark.parametrize("day", [date(1900, 1, 1), date(2200, 12, 31)])
def test_check_date_accepts_the_bounds(day: date) -> None:
    check_date("validFrom", day)


@pytest.mark.parametrize("year", [1899, 2201, True])
def test_check_fiscal_year_refuses_non_years(year: int) -> None:
    with pytest.raises(InvalidInput) as raised:
        check_fiscal_year(year)
    assert raised.value.field == "fiscalYear"


def test_required_text_cleans_and_refuses_blank() -> None:
    assert required_text("name", "  기획   담당관 ") == "기획 담당관"
    for blank in ("", "   ", None):
        with pytest.raises(InvalidInput) as raised:
            required_text("name", blank)
        assert raised.value.field == "name"
        assert raised.value.value == blank


def test_optional_text_turns_blank_into_none() -> None:
    assert optional_text("note", "  ") is None
    assert optional_text("note", None) is None
    assert optional_text("note", " a\tb ") == "a b"


def test_names_clean_unspace_and_compare() -> None:
    assert clean(" 기 획\n담당관 ") == "기 획 담당관"
    assert unspaced("기 획 담 당 관") == "기획담당관"
    assert same_name("기 획 담 당 관", "기획담당관")
    assert not same_name("기획담당관", "기획관")


def test_provenance_fields_clean_reason_and_source() -> None:
    fields = Provenance("kim", "  typo  in   table ", " a.pdf ").fields()
    assert fields == {"actor": "kim", "reason": "typo in table", "source": "a.pdf"}
    assert Provenance("kim").fields() == {"actor": "kim", "reason": None, "source": None}


def test_timeline_same_date_again_replaces() -> None:
    line: Timeline[str] = Timeline()
    line.set(date(2020, 1, 1), "first")
    line.set(date(2020, 1, 1), "corrected")
    assert line.exactly(date(2020, 1, 1)) == "corrected"
    assert line.dates() == [date(2020, 1, 1)]


def test_timeline_at_gives_latest_value_on_or_before() -> None:
    line: Timeline[str] = Timeline()
    line.set(date(2021, 1, 1), "b")
    line.set(date(2020, 1, 1), "a")
    assert line.at(date(2019, 12, 31)) is None
    assert line.at(date(2020, 1, 1)) == "a"
    assert line.at(date(2020, 12, 31)) == "a"
    assert line.at(date(2021, 1, 1)) == "b"
    assert line.at(date(2030, 1, 1)) == "b"
    assert line.dates() == [date(2020, 1, 1), date(2021, 1, 1)]


def test_timeline_drop_removes_only_that_date() -> None:
    line: Timeline[int] = Timeline()
    line.set(date(2020, 1, 1), 1)
    line.set(date(2021, 1, 1), 2)
    line.drop(date(2021, 1, 1))
    line.drop(date(2022, 1, 1))  # nothing there: no error
    assert line.exactly(date(2021, 1, 1)) is None
    assert line.at(date(2025, 1, 1)) == 1
    assert line.dates() == [date(2020, 1, 1)]
