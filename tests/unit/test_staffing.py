"""Staffing rows: series keys, row validation and table rules."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from domain.staffing import StaffingRow, check_table, derive_series_key, make_row


def row(
    *,
    job_category: str = "일반직",
    grade: str | None = "5급",
    authorized: int | None = 10,
    current: int = 8,
    women: int | None = None,
    series_key: str | None = None,
    index: int = 0,
) -> StaffingRow:
    return make_row(
        job_category=job_category,
        grade=grade,
        authorized=authorized,
        current=current,
        women=women,
        series_key=series_key,
        index=index,
    )


def test_series_key_unifies_range_separators() -> None:
    assert derive_series_key("일반직", "8~9급") == derive_series_key("일반직", "8·9급")
    assert derive_series_key("일반직", "8~9급") == "일반직/8-9급"
    assert derive_series_key("일반직", "8ㆍ9급") == "일반직/8-9급"
    assert derive_series_key("일반직", "2∼3급") == "일반직/2-3급"


def test_series_key_ignores_spaces() -> None:
    assert derive_series_key("일 반 직", "8 ~ 9 급") == "일반직/8-9급"
    assert derive_series_key("일반직", " 5급 ") == derive_series_key("일반직", "5급")


def test_series_key_without_grade_is_the_category() -> None:
    assert derive_series_key("별정직", None) == "별정직"
    assert derive_series_key("별정직", "") == "별정직"


def test_series_key_distinguishes_grades_and_categories() -> None:
    assert derive_series_key("일반직", "5급") != derive_series_key("일반직", "6급")
    assert derive_series_key("일반직", "5급") != derive_series_key("기술직", "5급")


def test_make_row_cleans_labels_and_derives_key() -> None:
    made = row(job_category=" 일반직 ", grade=" 8·9급 ", authorized=3, current=2, women=1)
    assert made == StaffingRow("일반직/8-9급", "일반직", "8·9급", 3, 2, 1)


def test_make_row_blank_grade_is_none() -> None:
    made = row(grade="  ")
    assert made.grade is None
    assert made.series_key == "일반직"


def test_make_row_keeps_given_series_key() -> None:
    assert row(series_key=" 행정/5 ").series_key == "행정/5"


def test_make_row_allows_unknown_authorized() -> None:
    assert row(authorized=None).authorized is None


def test_row_round_trips_through_dict() -> None:
    made = row(women=3)
    data = made.as_dict()
    assert data == {
        "series_key": "일반직/5급",
        "job_category": "일반직",
        "grade": "5급",
        "authorized": 10,
        "current": 8,
        "women": 3,
    }
    assert StaffingRow.from_dict(data) == made


@pytest.mark.parametrize(
    ("changes", "field", "value"),
    [
        ({"current": -1}, "rows[4].current", -1),
        ({"authorized": -2}, "rows[4].authorized", -2),
        ({"women": -1}, "rows[4].women", -1),
        ({"job_category": "  "}, "rows[4].jobCategory", "  "),
    ],
)
def test_make_row_refuses_bad_values_naming_the_row(
    changes: dict[str, object], field: str, value: object
) -> None:
    with pytest.raises(InvalidInput) as raised:
        row(index=4, **changes)  # type: ignore[arg-type]
    assert raised.value.field == field
    assert raised.value.value == value
    assert raised.value.message.startswith(f"{field}: {value!r} ")


def test_make_row_refuses_women_above_current() -> None:
    with pytest.raises(InvalidInput, match=r"exceeds current headcount \(8\)") as raised:
        row(index=1, current=8, women=9)
    assert raised.value.field == "rows[1].women"
    assert raised.value.value == 9


def test_make_row_accepts_women_equal_to_current() -> None:
    assert row(current=8, women=8).women == 8


def test_check_table_needs_rows() -> None:
    with pytest.raises(InvalidInput) as raised:
        check_table([], None)
    assert raised.value.field == "rows"


def test_check_table_refuses_a_series_twice() -> None:
    rows = [row(grade="8~9급"), row(grade="5급"), row(grade="8·9급")]
    with pytest.raises(InvalidInput, match="appears twice") as raised:
        check_table(rows, None)
    assert raised.value.field == "rows[2].seriesKey"
    assert raised.value.value == "일반직/8-9급"


def test_check_table_refuses_unit_women_above_total() -> None:
    rows = [row(grade="5급", current=3), row(grade="6급", current=4)]
    check_table(rows, 7)
    with pytest.raises(InvalidInput, match=r"\(7\)") as raised:
        check_table(rows, 8)
    assert raised.value.field == "women"
    assert raised.value.value == 8


def test_check_table_refuses_negative_unit_women() -> None:
    with pytest.raises(InvalidInput) as raised:
        check_table([row()], -1)
    assert raised.value.field == "women"
