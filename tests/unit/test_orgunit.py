"""The OrgUnit aggregate: registration, renames, moves, closing and staffing tables."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest

from domain.errors import InvalidInput
from domain.orgunit import OrgUnit
from domain.provenance import Provenance
from domain.staffing import StaffingRow, make_row

EDITOR = Provenance("tester", "correction", "org.pdf")
DAY = date(2020, 1, 1)


def unit(name: str = "기획조정실", parent: OrgUnit | None = None, on: date = DAY) -> OrgUnit:
    return OrgUnit.register(
        unit_id=uuid4(), name=name, parent=parent, valid_from=on, provenance=EDITOR
    )


def rows(current: int = 5, women: int | None = None) -> list[StaffingRow]:
    return [
        make_row(
            job_category="일반직",
            grade="5급",
            authorized=6,
            current=current,
            women=women,
            series_key=None,
            index=0,
        )
    ]


def test_register_sets_name_parent_and_existence() -> None:
    parent = unit("시장")
    child = unit("  기획  조정실 ", parent=parent, on=date(2020, 6, 1))
    assert child.names.at(date(2020, 6, 1)) == "기획 조정실"
    assert child.parents.at(date(2020, 6, 1)) == parent.id
    assert child.registered_on == date(2020, 6, 1)
    assert child.exists_on(date(2020, 6, 1))
    assert not child.exists_on(date(2020, 5, 31))
    events = child.collect_events()
    assert [type(e) for e in events] == [OrgUnit.Registered]
    assert events[0].actor == "tester"
    assert events[0].source == "org.pdf"


def test_register_refuses_empty_name() -> None:
    with pytest.raises(InvalidInput) as raised:
        unit("   ")
    assert raised.value.field == "name"
    assert raised.value.value == "   "


def test_register_refuses_date_out_of_range() -> None:
    with pytest.raises(InvalidInput) as raised:
        unit(on=date(1800, 1, 1))
    assert raised.value.field == "validFrom"
    assert raised.value.value == "1800-01-01"


def test_register_refuses_parent_not_yet_in_force() -> None:
    parent = unit("시장", on=date(2021, 1, 1))
    with pytest.raises(InvalidInput) as raised:
        unit("과", parent=parent, on=date(2020, 12, 31))
    assert raised.value.field == "parentId"
    assert raised.value.value == str(parent.id)


def test_register_refuses_closed_parent() -> None:
    parent = unit("시장")
    parent.close(date(2021, 1, 1), EDITOR)
    unit("과", parent=parent, on=date(2020, 12, 31))
    with pytest.raises(InvalidInput):
        unit("과", parent=parent, on=date(2021, 1, 1))


def test_rename_is_a_new_name_from_a_date() -> None:
    org = unit("기획실")
    org.rename("기획조정실", date(2022, 1, 1), EDITOR)
    assert org.names.at(date(2021, 12, 31)) == "기획실"
    assert org.names.at(date(2022, 1, 1)) == "기획조정실"


def test_rename_refuses_empty_name_and_dates_before_registration() -> None:
    org = unit()
    with pytest.raises(InvalidInput) as raised:
        org.rename("", date(2022, 1, 1), EDITOR)
    assert raised.value.field == "name"
    with pytest.raises(InvalidInput, match="before the unit exists") as raised:
        org.rename("새 이름", date(2019, 12, 31), EDITOR)
    assert raised.value.field == "validFrom"
    assert raised.value.value == "2019-12-31"


def test_move_changes_parent_from_a_date() -> None:
    a, b = unit("가"), unit("나")
    child = unit("다", parent=a)
    child.move(b, [], date(2021, 1, 1), EDITOR)
    assert child.parents.at(date(2020, 12, 31)) == a.id
    assert child.parents.at(date(2021, 1, 1)) == b.id
    child.move(None, [], date(2022, 1, 1), EDITOR)
    assert child.parents.at(date(2022, 1, 1)) is None


def test_move_refuses_itself_as_parent() -> None:
    org = unit()
    with pytest.raises(InvalidInput, match="below itself") as raised:
        org.move(org, [], date(2021, 1, 1), EDITOR)
    assert raised.value.field == "parentId"
    assert raised.value.value == str(org.id)


def test_move_refuses_a_descendant_as_parent() -> None:
    top = unit("상위")
    middle = unit("중간", parent=top)
    bottom = unit("하위", parent=middle)
    top.collect_events()
    with pytest.raises(InvalidInput, match="below itself") as raised:
        top.move(bottom, [middle.id, top.id], date(2021, 1, 1), EDITOR)
    assert raised.value.value == str(bottom.id)
    assert top.collect_events() == []
    assert top.parents.at(date(2021, 1, 1)) is None


def test_move_accepts_an_unrelated_parent_with_ancestors() -> None:
    top, other = unit("상위"), unit("다른")
    leaf = unit("잎", parent=other)
    top.move(leaf, [other.id], date(2021, 1, 1), EDITOR)
    assert top.parents.at(date(2021, 1, 1)) == leaf.id


def test_move_refuses_parent_not_in_force() -> None:
    org, later = unit("가"), unit("나", on=date(2023, 1, 1))
    with pytest.raises(InvalidInput) as raised:
        org.move(later, [], date(2021, 1, 1), EDITOR)
    assert raised.value.field == "parentId"


def test_close_refused_on_the_registration_day() -> None:
    org = unit()
    with pytest.raises(InvalidInput, match="registered") as raised:
        org.close(DAY, EDITOR)
    assert raised.value.field == "validFrom"
    assert raised.value.value == DAY.isoformat()
    assert org.exists_on(DAY)


def test_close_refused_before_registration() -> None:
    with pytest.raises(InvalidInput, match="before the unit exists"):
        unit().close(date(2019, 1, 1), EDITOR)


def test_close_ends_existence_from_its_date() -> None:
    org = unit()
    org.close(date(2021, 1, 1), EDITOR)
    assert org.exists_on(date(2020, 12, 31))
    assert not org.exists_on(date(2021, 1, 1))


def test_record_staffing_keeps_the_table() -> None:
    org = unit()
    org.record_staffing(date(2021, 1, 1), rows(current=5, women=2), None, " 비고 ", EDITOR)
    table = org.staffing.exactly(date(2021, 1, 1))
    assert table is not None
    assert table["women"] is None
    assert table["note"] == "비고"
    assert table["rows"][0]["series_key"] == "일반직/5급"
    assert table["rows"][0]["women"] == 2


def test_record_staffing_same_date_again_is_a_correction() -> None:
    org = unit()
    org.record_staffing(date(2021, 1, 1), rows(current=5), None, None, EDITOR)
    org.record_staffing(date(2021, 1, 1), rows(current=7), None, None, EDITOR)
    assert org.staffing.dates() == [date(2021, 1, 1)]
    assert org.staffing.at(date(2021, 6, 1))["rows"][0]["current"] == 7  # type: ignore[index]


def test_record_staffing_refuses_women_above_total() -> None:
    with pytest.raises(InvalidInput) as raised:
        unit().record_staffing(date(2021, 1, 1), rows(current=5), 6, None, EDITOR)
    assert raised.value.field == "women"
    assert raised.value.value == 6


def test_record_staffing_refuses_dates_before_registration_or_after_closing() -> None:
    org = unit()
    with pytest.raises(InvalidInput) as raised:
        org.record_staffing(date(2019, 6, 1), rows(), None, None, EDITOR)
    assert raised.value.field == "referenceDate"
    org.close(date(2022, 1, 1), EDITOR)
    with pytest.raises(InvalidInput) as raised:
        org.record_staffing(date(2022, 1, 1), rows(), None, None, EDITOR)
    assert raised.value.field == "orgUnitId"


def test_retract_staffing_drops_the_table() -> None:
    org = unit()
    org.record_staffing(date(2021, 1, 1), rows(), None, None, EDITOR)
    org.retract_staffing(date(2021, 1, 1), Provenance("tester", "wrong unit"))
    assert org.staffing.exactly(date(2021, 1, 1)) is None
    assert type(org.collect_events()[-1]) is OrgUnit.StaffingRetracted


def test_retract_staffing_refuses_without_a_table() -> None:
    with pytest.raises(InvalidInput, match="no staffing") as raised:
        unit().retract_staffing(date(2021, 1, 1), EDITOR)
    assert raised.value.field == "referenceDate"
    assert raised.value.value == "2021-01-01"


@pytest.mark.parametrize("reason", [None, ""])
def test_retract_staffing_refuses_without_a_reason(reason: str | None) -> None:
    org = unit()
    org.record_staffing(date(2021, 1, 1), rows(), None, None, EDITOR)
    with pytest.raises(InvalidInput) as raised:
        org.retract_staffing(date(2021, 1, 1), Provenance("tester", reason))
    assert raised.value.field == "reason"
    assert org.staffing.exactly(date(2021, 1, 1)) is not None


def test_retract_staffing_refuses_a_blank_reason() -> None:
    org = unit()
    org.record_staffing(date(2021, 1, 1), rows(), None, None, EDITOR)
    with pytest.raises(InvalidInput):
        org.retract_staffing(date(2021, 1, 1), Provenance("tester", "   "))


def test_unit_ids_are_kept() -> None:
    given = UUID("12345678-1234-5678-1234-567812345678")
    org = OrgUnit.register(unit_id=given, name="가", parent=None, valid_from=DAY, provenance=EDITOR)
    assert org.id == given
