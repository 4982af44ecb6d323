"""The text the ledger accepts (domain/text.py), checked on every command, provenance and key,
and the bounds on figures whose sums the API answers as Int."""

from __future__ import annotations

import typing
from dataclasses import fields
from datetime import date
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import commands as c
from domain.errors import InvalidInput, invalid
from domain.orgunit import OrgUnit
from domain.provenance import Provenance
from domain.rules import MAX_COUNT, required_text
from domain.staffing import MAX_ROWS, StaffingRow, check_table, make_row
from domain.text import TextLimits, check_chars, check_key, check_text
from ledger.settings import LIMIT_SETTINGS, text_limits

LIMITS = TextLimits()
EDITOR = Provenance("kim", "report", "report.txt")
DAY = date(2020, 1, 31)
REFUSED = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\x9f"]
REFUSED += ["\ud800", "\udfff", "\ufdd0", "\ufffe", "\uffff", "\U0001fffe", "\U0010ffff"]
ACCEPTED = ["\t", "\n", "\r", "\u200f", "\u202e", "\u0301", "한글", "\U0001f600", "\ue000"]


@pytest.mark.parametrize("char", REFUSED)
def test_control_characters_surrogates_and_noncharacters_are_refused(char: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        check_chars("name", f"기획{char}담당관")
    assert raised.value.field == "name"
    assert f"U+{ord(char):04X}" in raised.value.message
    assert "at character 2" in raised.value.message


@pytest.mark.parametrize("char", ACCEPTED)
def test_tab_newline_marks_combining_and_private_use_pass(char: str) -> None:
    check_chars("description", f"a{char}b")


def test_length_is_counted_in_characters_and_named() -> None:
    check_text("name", "가" * 200, 200)
    with pytest.raises(InvalidInput, match=r"^name: 201 characters; at most 200") as raised:
        check_text("name", "가" * 201, 200)
    assert raised.value.field == "name"
    check_text("name", None, 1)


def test_a_long_value_is_refused_without_scanning_or_echoing_it() -> None:
    with pytest.raises(InvalidInput) as raised:
        check_text("name", "\x00" * 512 * 1024, 200)
    assert "524288 characters" in raised.value.message
    assert len(raised.value.message) < 200


@pytest.mark.parametrize("key", ["", "k" * 201, "a\x00b"])
def test_idempotency_key_must_be_1_to_200_clean_characters(key: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        check_key(key, LIMITS)
    assert raised.value.field == "idempotencyKey"


def test_idempotency_key_absent_one_char_or_200_pass() -> None:
    for key in (None, "k", "k" * 200):
        check_key(key, LIMITS)


def task(**changes: object) -> c.RecordTask:
    base: dict[str, object] = {
        "task_id": None,
        "org_unit_id": uuid4(),
        "kind": c.TaskKind.MAJOR_TASK,
        "title": "자료제출 시스템 마련",
        "status": None,
        "valid_from": DAY,
        "milestones": ({"when": "2020.3", "what": "착수"},),
    }
    return c.RecordTask(**{**base, **changes})  # type: ignore[arg-type]


def staffing(**row: object) -> c.RecordStaffing:
    base: dict[str, object] = {"job_category": "일반직", "grade": "5급", "authorized": 2}
    line = c.StaffingRowInput(**{**base, "current": 2, **row})  # type: ignore[arg-type]
    return c.RecordStaffing(uuid4(), DAY, (line,))


@pytest.mark.parametrize(
    ("command", "field"),
    [
        (c.RegisterOrgUnit("a\x00b", None, DAY), "name"),
        (c.RenameOrgUnit(uuid4(), "x" * 201, DAY), "name"),
        (staffing(job_category="일반\x00직"), "rows[0].jobCategory"),
        (staffing(grade="5\x1b급"), "rows[0].grade"),
        (staffing(series_key="k" * 201), "rows[0].seriesKey"),
        (staffing(resolution="\ud800"), "rows[0].resolution"),
        (task(title="t" * 201), "title"),
        (task(description="d" * 20_001), "description"),
        (task(category="\x7f"), "category"),
        (task(responsible="\ufffe"), "responsible"),
        (task(milestones=({"when": "2020", "what": "a\x00"},)), "milestones[0].what"),
        (task(milestones=({"when": "w" * 101, "what": "a"},)), "milestones[0].when"),
        (
            c.RecordBudgetLine(None, uuid4(), 2020, None, "i\x00", DAY, 1, None),
            "item",
        ),
        (
            c.RecordBudgetLine(
                None, uuid4(), 2020, None, "i", DAY, 1, None, as_printed={"unit": "천\x00원"}
            ),
            "asPrinted.unit",
        ),
        (
            c.RecordIndicatorValue(
                None, uuid4(), "n", "명\x00", "2013", c.IndicatorKind.ACTUAL, 1, DAY
            ),
            "measure",
        ),
        (
            c.RecordIndicatorValue(
                None, uuid4(), "n", "명", "2013", c.IndicatorKind.ACTUAL, 1, DAY, group="g" * 201
            ),
            "group",
        ),
        (
            c.RetractIndicatorValue(uuid4(), "2013\x00", c.IndicatorKind.ACTUAL, DAY),
            "period",
        ),
    ],
)
def test_every_text_a_command_carries_is_checked_and_named(command: c.Command, field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        c.check_request(command, EDITOR, LIMITS)
    assert raised.value.field == field
    assert raised.value.message.startswith(f"{field}: ")


@pytest.mark.parametrize(
    ("provenance", "field"),
    [
        (Provenance("kim\x00"), "actor"),
        (Provenance("kim", "r\x00"), "reason"),
        (Provenance("kim", "r", "s" * 2001), "source"),
        (Provenance("kim", "r" * 2001), "reason"),
    ],
)
def test_provenance_is_checked(provenance: Provenance, field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        c.check_request(c.RegisterOrgUnit("a", None, DAY), provenance, LIMITS)
    assert raised.value.field == field


def test_the_request_check_passes_clean_text_at_the_limits() -> None:
    c.check_request(task(title="t" * 200, description="d\n" * 10_000), EDITOR, LIMITS, "k" * 200)


def test_limits_are_the_given_value_not_a_constant() -> None:
    tight = TextLimits(name=3)
    c.check_request(c.RegisterOrgUnit("abc", None, DAY), EDITOR, tight)
    with pytest.raises(InvalidInput, match="at most 3"):
        c.check_request(c.RegisterOrgUnit("abcd", None, DAY), EDITOR, tight)


def text_fields(cls: type) -> list[str]:
    hints = typing.get_type_hints(cls, vars(c))
    return [f.name for f in fields(cls) if "str" in str(hints[f.name])]


@pytest.mark.parametrize("cls", [*c.Command.__subclasses__(), c.StaffingRowInput])
def test_every_text_field_of_every_command_has_a_kind(cls: type) -> None:
    assert set(text_fields(cls)) <= set(c.TEXT_KINDS), cls.__name__


def test_aggregates_refuse_refused_characters_whatever_the_path() -> None:
    with pytest.raises(InvalidInput) as raised:
        OrgUnit.register(
            unit_id=uuid4(), name="a\x00", parent=None, valid_from=DAY, provenance=EDITOR
        )
    assert raised.value.field == "name"
    with pytest.raises(InvalidInput) as raised:
        OrgUnit.register(
            unit_id=uuid4(), name="a", parent=None, valid_from=DAY, provenance=Provenance("k\x00")
        )
    assert raised.value.field == "actor"
    with pytest.raises(InvalidInput):
        required_text("title", "\ud800")


def row(index: int, current: int, authorized: int | None = None) -> StaffingRow:
    return make_row(
        job_category="일반직",
        grade=f"{index}급",
        authorized=authorized,
        current=current,
        women=None,
        series_key=None,
        index=index,
    )


def test_a_figure_over_a_million_people_is_refused() -> None:
    with pytest.raises(InvalidInput) as raised:
        row(0, 2**31 - 1)
    assert raised.value.field == "rows[0].current"
    row(0, MAX_COUNT, MAX_COUNT)


def test_a_table_whose_totals_could_overflow_an_int_is_refused() -> None:
    rows = [row(i, 600_000) for i in range(2)]
    with pytest.raises(InvalidInput, match="current sums to 1200000") as raised:
        check_table(rows, None)
    assert raised.value.field == "rows"
    check_table([row(i, MAX_COUNT // 2) for i in range(2)], None)


def test_a_table_of_more_than_max_rows_is_refused() -> None:
    rows = [row(i, 0) for i in range(MAX_ROWS + 1)]
    with pytest.raises(InvalidInput, match=f"at most {MAX_ROWS}"):
        check_table(rows, None)


def test_limits_are_read_from_the_environment() -> None:
    assert text_limits({}) == TextLimits()
    limits = text_limits({"GOVLEDGER_MAX_NAME_CHARS": "50", "GOVLEDGER_MAX_KEY_CHARS": " 64 "})
    assert (limits.name, limits.key, limits.label) == (50, 64, 100)
    assert set(LIMIT_SETTINGS) == {f.name for f in fields(TextLimits)}


@pytest.mark.parametrize("raw", ["0", "-1", "ten", "١٢"])
def test_a_bad_limit_setting_names_the_variable(raw: str) -> None:
    with pytest.raises(ValueError, match="GOVLEDGER_MAX_REASON_CHARS"):
        text_limits({"GOVLEDGER_MAX_REASON_CHARS": raw})


def test_an_error_message_repeats_at_most_80_characters_of_the_value() -> None:
    error = invalid("name", "가" * 100_000, "is refused")
    assert error.message.startswith("name: '가가")
    assert error.message.endswith("… (100002 chars) is refused")
    assert len(error.message) < 130
    assert error.value == "가" * 100_000


TEXTS = st.text(
    alphabet=st.sampled_from(["a", "b", "한", "\n", "\t", "\x00", "\ud800"]), max_size=6
)
SMALL = TextLimits(name=4, label=3, reason=5, description=5, key=4)
"""Limits the generated texts reach either side of."""


@st.composite
def commands(draw: st.DrawFn) -> c.Command:
    rows = tuple(
        c.StaffingRowInput(
            draw(TEXTS),
            draw(TEXTS | st.none()),
            1,
            1,
            None,
            draw(TEXTS | st.none()),
            draw(TEXTS | st.none()),
        )
        for _ in range(draw(st.integers(0, 3)))
    )
    staffing = c.RecordStaffing(uuid4(), DAY, rows, note=draw(TEXTS | st.none()))
    printed = draw(st.dictionaries(TEXTS, TEXTS, max_size=2) | st.none())
    budget = c.RecordBudgetLine(
        None,
        uuid4(),
        2020,
        draw(TEXTS | st.none()),
        draw(TEXTS),
        DAY,
        1,
        None,
        as_printed=printed,
    )
    milestones = tuple(
        {"when": draw(TEXTS), "what": draw(TEXTS)} for _ in range(draw(st.integers(0, 2)))
    )
    chosen = task(title=draw(TEXTS), milestones=milestones, category=draw(TEXTS | st.none()))
    return draw(st.sampled_from([staffing, budget, chosen]))


@settings(max_examples=300)
@given(commands())
def test_the_fast_check_passes_exactly_what_the_naming_check_passes(command: c.Command) -> None:
    """Command.check_text looks at every text without naming fields first (the bulk of an
    import passes), and names the field only where that look fails: both must agree."""
    try:
        for part in fields(command):
            c._check_value(part.name, part.name, getattr(command, part.name), SMALL)
    except InvalidInput:
        named = False
    else:
        named = True
    assert c._passes("command", command, SMALL) == named
