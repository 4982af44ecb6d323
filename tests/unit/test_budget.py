"""The BudgetLine aggregate: opening, recording figures, accounts and retractions."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

import pytest

from domain.budget import BudgetLine, check_account
from domain.errors import InvalidInput
from domain.provenance import Provenance
from domain.rules import MAX_WON

EDITOR = Provenance("tester", "correction", "budget.pdf")
OWNER = uuid4()


def line(fiscal_year: int = 2024) -> BudgetLine:
    return BudgetLine.open(
        line_id=uuid4(), owner_id=OWNER, fiscal_year=fiscal_year, provenance=EDITOR
    )


def record(target: BudgetLine, **changes: Any) -> None:
    fields: dict[str, Any] = {
        "reference_date": date(2024, 3, 31),
        "account": "일반회계",
        "item": "인건비",
        "budgeted": 357_200,
        "executed": 56_732,
        "provenance": EDITOR,
    }
    fields.update(changes)
    target.record(**fields)


def test_open_keeps_owner_and_year() -> None:
    opened = line(2023)
    assert opened.owner_id == OWNER
    assert opened.fiscal_year == 2023
    assert opened.records.dates() == []


@pytest.mark.parametrize("year", [1899, 2201])
def test_open_refuses_fiscal_years_out_of_range(year: int) -> None:
    with pytest.raises(InvalidInput) as raised:
        line(year)
    assert raised.value.field == "fiscalYear"
    assert raised.value.value == year


def test_record_keeps_cleaned_values() -> None:
    target = line()
    record(
        target,
        account="일 반 회 계",
        item="  인건비 ",
        projects=3,
        note=" 비고 ",
        as_printed={"unit": "천원", "budgeted": 357},
    )
    assert target.records.exactly(date(2024, 3, 31)) == {
        "account": "일반회계",
        "item": "인건비",
        "budgeted": 357_200,
        "executed": 56_732,
        "projects": 3,
        "note": "비고",
        "as_printed": {"unit": "천원", "budgeted": 357},
    }


def test_record_same_date_again_is_a_correction() -> None:
    target = line()
    record(target, executed=1)
    record(target, executed=2)
    assert target.records.dates() == [date(2024, 3, 31)]
    assert target.records.at(date(2024, 12, 31))["executed"] == 2  # type: ignore[index]


def test_record_accepts_unknown_execution_and_no_account() -> None:
    target = line()
    record(target, executed=None, account=None)
    value = target.records.exactly(date(2024, 3, 31))
    assert value is not None
    assert value["executed"] is None
    assert value["account"] is None


@pytest.mark.parametrize("account", ["기금", "특별회계", " 특별 회계 "])
def test_check_account_accepts_known_accounts(account: str) -> None:
    assert check_account(account) == account.replace(" ", "")


def test_record_refuses_unknown_account() -> None:
    with pytest.raises(InvalidInput, match="is not one of") as raised:
        record(line(), account="잡회계")
    assert raised.value.field == "account"
    assert raised.value.value == "잡회계"


def test_record_refuses_empty_item() -> None:
    with pytest.raises(InvalidInput) as raised:
        record(line(), item=" ")
    assert raised.value.field == "item"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"budgeted": -1}, "budgeted"),
        ({"executed": -5}, "executed"),
        ({"budgeted": MAX_WON + 1}, "budgeted"),
        ({"projects": -1}, "projects"),
    ],
)
def test_record_refuses_bad_amounts(changes: dict[str, Any], field: str) -> None:
    target = line()
    with pytest.raises(InvalidInput) as raised:
        record(target, **changes)
    assert raised.value.field == field
    assert raised.value.value == next(iter(changes.values()))
    assert target.records.dates() == []


@pytest.mark.parametrize("day", [date(2022, 12, 31), date(2026, 1, 1)])
def test_record_refuses_reference_date_far_from_fiscal_year(day: date) -> None:
    with pytest.raises(InvalidInput, match="too far from fiscal year 2024") as raised:
        record(line(2024), reference_date=day)
    assert raised.value.field == "referenceDate"
    assert raised.value.value == day.isoformat()


@pytest.mark.parametrize("day", [date(2023, 1, 1), date(2025, 12, 31)])
def test_record_accepts_reference_date_a_year_either_side(day: date) -> None:
    target = line(2024)
    record(target, reference_date=day)
    assert target.records.dates() == [day]


def test_record_refuses_reference_date_out_of_range() -> None:
    with pytest.raises(InvalidInput, match="outside") as raised:
        record(line(1900), reference_date=date(1899, 12, 31))
    assert raised.value.field == "referenceDate"


def test_check_identity() -> None:
    target = line(2024)
    target.check_identity(OWNER, 2024)
    with pytest.raises(InvalidInput) as raised:
        target.check_identity(uuid4(), 2024)
    assert raised.value.field == "orgUnitId"
    with pytest.raises(InvalidInput) as raised:
        target.check_identity(OWNER, 2025)
    assert raised.value.field == "fiscalYear"


def test_retract_drops_the_figure() -> None:
    target = line()
    record(target)
    target.retract(date(2024, 3, 31), EDITOR)
    assert target.records.exactly(date(2024, 3, 31)) is None
    assert type(target.collect_events()[-1]) is BudgetLine.Retracted


def test_retract_refuses_without_a_figure() -> None:
    target = line()
    record(target)
    with pytest.raises(InvalidInput, match="no figure") as raised:
        target.retract(date(2024, 4, 1), EDITOR)
    assert raised.value.field == "referenceDate"
    assert raised.value.value == "2024-04-01"


@pytest.mark.parametrize("reason", [None, ""])
def test_retract_refuses_without_a_reason(reason: str | None) -> None:
    target = line()
    record(target)
    with pytest.raises(InvalidInput) as raised:
        target.retract(date(2024, 3, 31), Provenance("tester", reason))
    assert raised.value.field == "reason"
    assert target.records.exactly(date(2024, 3, 31)) is not None
