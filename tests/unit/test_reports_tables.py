"""The report reader, part 1: the units, staffing and budget facts it reads from each seed equal
the hand transcription's (data/seoul/*.toml, but for the listed exceptions), every printed total
is a Check that agrees, and every printed figure changed by one is either a Problem naming it or
a figure no printed total covers."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from reports.model import Reading
from reports.reader import read_report, unclaimed
from reports.reading.text import (
    amount_and_rate,
    find_date,
    join_spaced,
    korean_amount,
    money_unit,
    parse_int,
    parse_rate,
)
from tests.support.reports import (
    SEEDS,
    exceptions,
    expected_budget,
    expected_checks,
    expected_staffing,
    expected_units,
    figure_cells,
    found_budget,
    found_checks,
    found_staffing,
    found_units,
    misprints,
    names_cell,
    perturbed,
    read_tables,
    transcription,
)

READINGS: dict[str, Reading] = {}


def reading_of(seed: Path) -> Reading:
    """The seed read by this part's readers (cover, staffing, budget, units)."""
    if seed.name not in READINGS:
        READINGS[seed.name] = read_tables(seed.read_text(encoding="utf-8"), seed.name)
    return READINGS[seed.name]


SEED_IDS = [seed.stem[:3] for seed in SEEDS]


@pytest.mark.parametrize("seed", SEEDS, ids=SEED_IDS)
def test_units_equal_the_transcription(seed: Path) -> None:
    assert found_units(reading_of(seed)) == expected_units(seed)


@pytest.mark.parametrize("seed", SEEDS, ids=SEED_IDS)
def test_staffing_equals_the_transcription(seed: Path) -> None:
    assert found_staffing(reading_of(seed)) == expected_staffing(seed)


@pytest.mark.parametrize("seed", SEEDS, ids=SEED_IDS)
def test_budget_equals_the_transcription(seed: Path) -> None:
    assert found_budget(reading_of(seed)) == expected_budget(seed)


@pytest.mark.parametrize("seed", SEEDS, ids=SEED_IDS)
def test_every_exception_is_decided_by_a_note_of_the_transcription(seed: Path) -> None:
    notes = " ".join(transcription(seed)["source"]["notes"])
    for exception in exceptions(seed):
        assert exception.note in notes, exception


@pytest.mark.parametrize("seed", SEEDS, ids=SEED_IDS)
def test_every_printed_total_is_a_check_that_agrees(seed: Path) -> None:
    reading = reading_of(seed)
    assert found_checks(reading) == expected_checks(seed)
    wrong = misprints(seed)
    for table in reading.tables:
        for check in table.checks:
            if check.misprint is not None:
                assert wrong[(check.row, float(check.printed))] == check.computed
            else:
                assert check.agrees, check


@pytest.mark.parametrize("seed", SEEDS, ids=SEED_IDS)
def test_only_a_missing_cover_stops_a_seed(seed: Path) -> None:
    problems = reading_of(seed).problems
    if seed.name.startswith("002"):
        assert [(p.table, p.column) for p in problems] == [("표지", "unit")]
    else:
        assert problems == []


@pytest.mark.parametrize("seed", SEEDS, ids=SEED_IDS)
def test_a_figure_changed_by_one_is_a_problem_or_covered_by_no_total(seed: Path) -> None:
    text = seed.read_text(encoding="utf-8")
    baseline = read_tables(text, seed.name)
    known = {str(p) for p in baseline.problems}
    unchecked = {(c.line, c.start) for t in baseline.tables for c in t.unchecked}
    missed, uncovered = [], []
    for cell in figure_cells(baseline):
        if (cell.line, cell.start) in unchecked:
            uncovered.append(cell)
        elif not names_cell(read_tables(perturbed(text, cell), seed.name), known, cell):
            missed.append(cell)
    facts = [c for t in baseline.tables for c in t.cells]
    print(f"{seed.stem}: {len(facts) - len(uncovered)}/{len(facts)} cells covered by a check, "
          f"{len(figure_cells(baseline))} figures perturbed")
    assert missed == []
    assert uncovered == []


@pytest.mark.parametrize("seed", SEEDS, ids=SEED_IDS)
def test_every_figure_on_a_line_read_is_a_cell(seed: Path) -> None:
    """No figure of a table row is passed over: each is a fact's cell or a total's."""
    lines = seed.read_text(encoding="utf-8").split("\n")
    cells = figure_cells(reading_of(seed))
    ignored = []
    for number in sorted({cell.line for cell in cells}):
        spans = [(c.start, c.end) for c in cells if c.line == number]
        for found in re.finditer(r"\d[\d,]*(?:\.\d+)?", lines[number - 1]):
            if not any(start <= found.start() < end for start, end in spans):
                ignored.append((number, found.group()))
    assert ignored == []


@pytest.mark.parametrize("seed", SEEDS, ids=SEED_IDS)
def test_read_report_composes_the_tables_with_part_two(seed: Path) -> None:
    whole = read_report(seed.read_text(encoding="utf-8"), seed.name)
    assert found_units(whole) == found_units(reading_of(seed))
    assert found_staffing(whole) == found_staffing(reading_of(seed))
    assert found_budget(whole) == found_budget(reading_of(seed))
    assert found_checks(whole) == found_checks(reading_of(seed))
    lines = seed.read_text(encoding="utf-8").split("\n")
    assert unclaimed(lines, whole) == []
    assert all(skipped.why for skipped in whole.skipped)


def test_resolutions_of_004_place_every_cell_the_text_lost() -> None:
    seed = next(s for s in SEEDS if s.name.startswith("004"))
    staffing = next(t for t in reading_of(seed).tables if t.kind == "staffing")
    lost = {(r.row, r.column) for r in staffing.resolutions if r.printed == ""}
    assert ("기획담당관", "별정직") in lost
    assert ("조직담당관", "별정직") in lost
    placed = {(r.row, r.column): r for r in staffing.resolutions if r.printed}
    assert placed[("조직담당관", "관리운영직")].printed == "1 /"
    assert placed[("조직담당관", "임기제")].printed == "/"
    assert placed[("해외도시협력담당관", "관리운영직")].why.startswith("read as 0/1")
    assert all(r.chosen in r.candidates for r in staffing.resolutions)


@pytest.mark.parametrize("seed", SEEDS, ids=SEED_IDS)
def test_decomposed_hangul_and_crlf_read_the_same(seed: Path) -> None:
    text = unicodedata.normalize("NFD", seed.read_text(encoding="utf-8")).replace("\n", "\r\n")
    other = read_tables(text, seed.name)
    assert found_staffing(other) == found_staffing(reading_of(seed))
    assert found_budget(other) == found_budget(reading_of(seed))
    assert found_units(other) == found_units(reading_of(seed))


def _seed_text(prefix: str) -> str:
    return next(s for s in SEEDS if s.name.startswith(prefix)).read_text(encoding="utf-8")


def test_a_total_that_disagrees_is_a_problem_with_both_figures() -> None:
    text = _seed_text("002").replace("계 357,200 87,182", "계 357,200 87,183")
    problems = [p for p in read_tables(text, "002.txt").problems if p.table != "표지"]
    wrong = [(p.line, p.row, p.column, p.printed, p.computed) for p in problems]
    assert wrong == [(43, "계", "집행액", "87183", "87182")]
    assert {(c.row, c.column) for c in problems[0].cells} == {
        ("계", "집행액"), ("기관운영업무추진비", "집행액"), ("시책추진업무추진비", "집행액")}


def test_a_budget_cell_that_vanished_is_placed_by_the_totals_alone() -> None:
    """시책추진업무추진비 with nothing executed: its empty 집행액 vanished, leaving two figures
    that 잔액 = 예산액 − 집행액 cannot place alone (80,000 could be 집행액 or 잔액); the 계 row's
    집행액 can."""
    text = _seed_text("002")
    for before, after in [("계 357,200 87,182", "계 357,200 58,964"),
                          ("(집행률 24.4%)", "(집행률 16.5%)"), ("270,018", "298,236"),
                          ("시책추진업무추진비 80,000 28,218", "시책추진업무추진비 80,000"),
                          ("(집행률 35.3%)\n\n51,782", "\n\n80,000")]:
        assert before in text
        text = text.replace(before, after)
    reading = read_tables(text, "002.txt")
    assert [p.table for p in reading.problems] == ["표지"]
    line = next(f for f in found_budget(reading) if f[3] == "시책추진업무추진비")
    assert (line[6], line[7]) == (80000, 0)
    budget = next(t for t in reading.tables if t.kind == "budget")
    placed = {(r.row, r.column, r.printed, r.chosen) for r in budget.resolutions}
    assert ("시책추진업무추진비", "잔액", "80,000", "잔액") in placed
    assert ("시책추진업무추진비", "집행액", "", "") in placed


def test_a_staffing_cell_that_the_totals_cannot_place_is_a_problem() -> None:
    """현원 7급 0 printed empty: the 소계 6 holds wherever among 일반직's grades it vanished."""
    text = _seed_text("002").replace("현 원 22 6 2 2 0 2", "현 원 22 6 2 2 2")
    reading = read_tables(text, "002.txt")
    vanished = [p for p in reading.problems if p.table != "표지"]
    assert [(p.line, p.row) for p in vanished] == [(31, "현원")]
    assert "more than one placement" in vanished[0].message
    assert not [f for f in reading.facts() if f.__class__.__name__ == "StaffingFact"]


def test_every_stretch_no_table_claimed_is_skipped_with_its_heading() -> None:
    seed = next(s for s in SEEDS if s.name.startswith("004"))
    lines = seed.read_text(encoding="utf-8").split("\n")
    reading = reading_of(seed)
    skipped = unclaimed(lines, reading) + reading.skipped
    money = [s for s in skipped if "money table" in s.why]
    caption = "< ’20년 신속집행 현황 > (단위 : 억원)"
    assert [(s.first_line, s.heading) for s in money] == [(618, caption)]
    assert all(s.heading for s in skipped if s.first_line > 9)


@pytest.mark.parametrize(
    ("printed", "day"),
    [("'20. 6. 30.", date(2020, 6, 30)), ("’19.3.31.", date(2019, 3, 31)),
     ("('20. 4. 20. 현재)", date(2020, 4, 20)), ("2013. 1. 23(수)", date(2013, 1, 23)),
     ("‘12.12.31 현재", date(2012, 12, 31)), ("2020. 3.", None)],
)
def test_reference_dates_in_every_printed_form(printed: str, day: date | None) -> None:
    assert find_date(printed) == day


@pytest.mark.parametrize(
    ("caption", "unit"),
    [("(단위 : 천원)", "천원"), ("단위: 백만원", "백만원"),
     ("(기준 / 단위 : '20. 1. 31. / 천원)", "천원"), ("(단위 : 억원)", "억원"),
     ("(단위: 원)", "원"), ("(단위 : 명)", None), ("예산 집행현황", None)],
)
def test_money_units_from_a_caption(caption: str, unit: str | None) -> None:
    assert money_unit(caption) == unit


def test_numbers_names_and_amounts_as_printed() -> None:
    assert [parse_int(t) for t in ("1,247,406", "-", "", "-645,131*", "△51", "x")] == [
        1247406, 0, 0, -645131, -51, None]
    assert (parse_rate("56,732 (15.9%)"), parse_rate("(집행률 24.4%)")) == (15.9, 24.4)
    assert amount_and_rate("56,732 (15.9%)") == ("56,732", 15.9)
    assert amount_and_rate("277,200") == ("277,200", None)
    assert join_spaced("기 획 담 당 관") == "기획담당관"
    joined = join_spaced("재 정 균 형 발 전 담 당 관 844,837 (11)")
    assert joined == "재정균형발전담당관 844,837 (11)"
    assert join_spaced("주요 업무 보고") == "주요 업무 보고"
    assert join_spaced("기\u1112\u1161\u11ab") == "기한"
    assert korean_amount("예 산 총규모 : 1조 6,100억원") == (16100, "억원", (10, 19))
