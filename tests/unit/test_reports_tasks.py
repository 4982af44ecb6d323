"""The reader of task lists, audit follow-ups and indicators against the hand transcriptions of
the five seeds (data/seoul/*.toml): equal field by field, but for the facts the transcriber
decided beyond the text (JUDGEMENTS, each with the note that decided it) and the places where
the reader and the data files follow different conventions (CONVENTIONS, with the evidence)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from reports.model import Milestone, Reading, TaskFact
from reports.reading import indicators, tasks
from reports.reading.milestones import milestones_of
from tests.support.reports_tasks import (
    STEMS,
    Difference,
    Key,
    differences,
    expected_checks,
    expected_points,
    expected_tasks,
    perturbed,
    read_points,
    read_tasks,
    reading_of,
    seed_lines,
    transcription,
)

AUDIT_2019 = "000_cfa35aeae6f4c650"
OFFICE_2020_4 = "001_8609ec9c98224de6"
OFFICE_2019 = "002_5834c28f8449271d"
BUREAU_2013 = "003_e2f4961fe655de53"
DEMAND, RECOMMENDATION, OTHER = "시정·처리요구사항", "건의사항", "기타(자료제출 등)"
TASK_KINDS = ("MAJOR_TASK", "AUDIT_FOLLOW_UP")


class _Description:
    """The reader's title of a follow-up: the demand as printed, which the data file keeps as
    the description of its condensed title."""

    def __repr__(self) -> str:
        return "<the printed demand (the data file's description)>"


AS_DESCRIPTION: Any = _Description()


@dataclass(frozen=True)
class ListedException:
    stem: str
    key: Key
    field: str
    transcribed: Any
    read: Any
    why: str


TITLES_CONDENSED = (
    "000 note: 'Audit follow-up titles: where the printed demand is longer than 40 characters "
    "(22 items: all 9 시정·처리요구사항, all 11 건의사항, 기타 12 and 13), title is a short title "
    "condensed by the transcriber from the demand's own words and description keeps the demand "
    "exactly as printed'. The reader keeps the description by the same rule (longer than 40) "
    "and titles the follow-up with the printed demand."
)
CONDENSED = {
    (DEMAND, 1): "행정사무감사 자료제출 사전 점검 시스템 마련",
    (DEMAND, 2): "위탁업체 있던 분의 서울시 부서장 현황 파악 및 대안 마련",
    (DEMAND, 3): "산하 공공기관 채용 실태 관련 기관장 평가 반영",
    (DEMAND, 4): "행정사무감사 오타 시정 및 자료 제출 만전",
    (DEMAND, 5): "주요 행사 서울시의회 협의 및 의장님 참석 조치",
    (DEMAND, 6): "옥외광고물 실명제 수수료 징수 개선대책 마련",
    (DEMAND, 7): "위탁사업 수탁 단체 관변단체화, 거대조직화 개선방안 마련",
    (DEMAND, 8): "서울연구원 초빙연구원 임용 관련 조사",
    (DEMAND, 9): "서울연구원 연구용역 대부분 수의계약 체결",
    (RECOMMENDATION, 1): "직장내 성희롱 피해자 심리적인 부분까지 관리",
    (RECOMMENDATION, 2): "민생현장방문 시 시의회와 소통 방안 마련",
    (RECOMMENDATION, 3): "자치구 특별교부금 신청시 시의원과 사전 협의",
    (RECOMMENDATION, 4): "서울시의원과 시장님의 면담 및 시의회 소통 노력",
    (RECOMMENDATION, 5): "일본산 수산물 유통현황 및 안전성 시민홍보 대책 마련",
    (RECOMMENDATION, 6): "서울신용보증재단 부실채권 손실 처리 방안 마련",
    (RECOMMENDATION, 7): "산하 기관장 인사청문회 제도 확대 방안 검토",
    (RECOMMENDATION, 8): "비서실 예결산 업무추진비 중복 심사 개선방안",
    (RECOMMENDATION, 9): "직원들의 복지에 신경써서 일할 수 있는 환경 조성",
    (RECOMMENDATION, 10): "공유재 개념 명확히 하고 획기적인 공유정책 마련",
    (RECOMMENDATION, 11): "자치분권 촉진을 위한 인사권 독립 및 정책지원 인력 도입",
    (OTHER, 12): "시장비서실, 정무부시장실 직원 출신 산하기관 재취업현황",
    (OTHER, 13): "서울민주주의위원회 위원 자문위원 위촉 및 수당지급 현황",
}

OWNER = (
    "003 note 'Indicators, general': owned by administration-bureau, the unit whose report "
    "states them, 'except the six 공무원 현원 ('12.12.31) indicators, which describe the whole "
    "city's workforce ... and are owned by seoul (서울특별시), the unit they describe'. The "
    "reader gives every indicator the report's unit."
)
HEADCOUNTS = [
    f"공무원 현원 ({column}) {group}"
    for column in ("시", "자치구")
    for group in (
        "행정직군 (행정·세무·사회복지)",
        "기술직군·전산직 (통합인사)",
        "기타(연구지도·기능·정무·별정·계약)",
    )
]

ONE_INDICATOR = (
    "003 note 'Decision': 'the 행정직군 exchange and the policy target '행정직군 시구 인사교류 "
    "확대 : 144명('12) ⇨ 420명('13)' are one indicator ...: its 2012 figure is the same 144 in "
    "the table, the 정책 목표표 and the body of Ⅲ-IV-③, so the 2013 TARGET 420 ... continues "
    "the series of actuals 2010-2012'. The reader reads the policy target as printed, a series "
    "of its own in the 정책 목표표."
)
EXCHANGE = "전·출입 교류 (시↔구) 행정직군 (행정·세무·사회복지)"
TARGETED = "행정직군 시구 인사교류 확대"


def _point(name: str, group: str, period: str, kind: str, value: int, printed: str) -> Any:
    row = {
        "unit": "행정국",
        "name": name,
        "group": group,
        "measure": "명",
        "period": period,
        "kind": kind,
        "value": value,
        "reference_date": "2013-01-23",
        "printed": printed,
    }
    return tuple(sorted(row.items()))


JUDGEMENTS = (
    *(
        ListedException(AUDIT_2019, ("AUDIT_FOLLOW_UP", category, number), "title", title,
                   AS_DESCRIPTION, TITLES_CONDENSED)
        for (category, number), title in CONDENSED.items()
    ),
    *(
        ListedException(BUREAU_2013, (name, "2012-12-31", "ACTUAL"), "unit", "서울특별시", "행정국",
                   OWNER)
        for name in HEADCOUNTS
    ),
    ListedException(BUREAU_2013, (EXCHANGE, "2013", "TARGET"), "<entry>",
               _point(EXCHANGE, "전·출입 교류 (시↔구)", "2013", "TARGET", 420, "420명(2.0%)"),
               None, ONE_INDICATOR),
    ListedException(BUREAU_2013, (TARGETED, "2012", "ACTUAL"), "<entry>", None,
               _point(TARGETED, "정책 목표표", "2012", "ACTUAL", 144, "144명(0.7%)"),
               ONE_INDICATOR),
    ListedException(BUREAU_2013, (TARGETED, "2013", "TARGET"), "<entry>", None,
               _point(TARGETED, "정책 목표표", "2013", "TARGET", 420, "420명(2.0%)"),
               ONE_INDICATOR),
)  # fmt: skip

SECTIONS = (
    "Convention, not a judgement of the text: the data files of 003 and 004 give each major "
    "task its own heading under the chapter ('Tasks: each its heading in the list of Ⅲ', "
    "e.g. 'Ⅲ. 기획조정실 현안업무 보고 > 1. 서울특별시 코로나19 대응현황'), those of 000, 001 and "
    "002 only the chapter ([source].sections.tasks). The reader writes every task's own "
    "heading, as 003 and 004 do; reported to the lead, the data files are not edited."
)
OFFICE_TASKS = {
    AUDIT_2019: ("Ⅱ. 주요 업무", "①②③④⑤", (
        "민생 중심의 현장방문 일정 기획",
        "시정 동반자인 시의회와 정책소통 활성화",
        "시정의 지속가능발전 기반 강화 추진",
        "타 지역과 상호교류 및 협력을 통한 상생공동체 구현",
        "전략적 도시외교를 통한 서울의 국제위상 강화",
    )),
    OFFICE_2020_4: ("Ⅱ. 주요 업무", "①②③④⑤", (
        "민생 중심의 현장방문 일정 기획",
        "시정 동반자인 시의회와 정책소통 활성화",
        "시민 참여를 통한 지속가능발전 추진",
        "타 지역과의 상호교류 및 협력을 통한 상생공동체 구현",
        "감염병 공동 대응을 위한 도시외교 및 서울 리더십 강화",
    )),
    OFFICE_2019: ("Ⅱ. 주요업무", ("1.", "2.", "3.", "4.", "5."), (
        "민생 중심의 현장방문 일정 기획",
        "시정 동반자인 시의회와 정책소통 활성화",
        "실질적 지방분권 확립을 위한 제도별 대응에 역량 집중",
        "시민참여를 통한 지속가능발전 추진",
        "2032하계올림픽서울-평양공동유치를통한도시교류활성화",
    )),
}  # fmt: skip
CONVENTIONS = tuple(
    ListedException(stem, ("MAJOR_TASK", "", number), "section", chapter,
               f"{chapter} > {marks[number - 1]} {title}", SECTIONS)
    for stem, (chapter, marks, titles) in OFFICE_TASKS.items()
    for number, title in enumerate(titles, start=1)
)  # fmt: skip


def _allowed(stem: str) -> set[Difference]:
    """The differences the exceptions of stem allow, the reader's value resolved."""
    descriptions = {key: row["description"] for key, row in expected_tasks(stem).items()}
    allowed: set[Difference] = set()
    for exception in (*JUDGEMENTS, *CONVENTIONS):
        if exception.stem != stem:
            continue
        read = descriptions[exception.key] if exception.read is AS_DESCRIPTION else exception.read
        allowed.add((exception.key, exception.field, exception.transcribed, read))
    return allowed


@pytest.fixture(scope="module")
def readings() -> dict[str, Reading]:
    return {stem: reading_of(stem) for stem in STEMS}


@pytest.mark.parametrize("stem", STEMS)
def test_tasks_are_the_transcribed_ones_but_for_the_listed_exceptions(
    stem: str, readings: dict[str, Reading]
) -> None:
    found = differences(expected_tasks(stem), read_tasks(readings[stem]))
    allowed = {d for d in _allowed(stem) if d[0][0] in TASK_KINDS}
    assert found == allowed


@pytest.mark.parametrize("stem", STEMS)
def test_indicator_points_are_the_transcribed_ones_but_for_the_listed_exceptions(
    stem: str, readings: dict[str, Reading]
) -> None:
    found = differences(expected_points(stem), read_points(readings[stem]))
    allowed = {d for d in _allowed(stem) if d[0][0] not in TASK_KINDS}
    assert found == allowed


def test_every_exception_names_a_field_the_comparison_has() -> None:
    fields = set(next(iter(expected_tasks(AUDIT_2019).values()))) | {"<entry>"}
    fields |= set(next(iter(expected_points(BUREAU_2013).values())))
    assert {e.field for e in (*JUDGEMENTS, *CONVENTIONS)} <= fields
    assert all(e.why for e in (*JUDGEMENTS, *CONVENTIONS))


@pytest.mark.parametrize("stem", STEMS)
def test_every_printed_total_is_a_check_that_agrees(
    stem: str, readings: dict[str, Reading]
) -> None:
    reading = readings[stem]
    checks = reading.checks()
    assert reading.problems == []
    assert all(check.agrees for check in checks)
    assert {(c.table, c.row, c.column, c.printed) for c in checks} == expected_checks(stem)


@pytest.mark.parametrize("stem", [AUDIT_2019, BUREAU_2013])
def test_changing_a_printed_total_makes_a_problem_naming_its_cell(
    stem: str, readings: dict[str, Reading]
) -> None:
    lines = seed_lines(stem)
    for check in readings[stem].checks():
        assert isinstance(check.printed, int)
        changed = reading_of(stem, perturbed(lines, check.source.line, check.column, check.printed))
        named = [
            (p.file, p.line, p.table, p.row, p.column, p.printed, p.computed)
            for p in changed.problems
        ]
        cell = (
            transcription(stem)["source"]["file"],
            check.source.line,
            check.table,
            check.row,
            check.column,
            str(check.printed + 1),
            str(check.computed),
        )
        assert named == [cell]


def test_removing_a_follow_up_makes_problems_naming_the_totals_that_count_it() -> None:
    lines = seed_lines(AUDIT_2019)
    removed = next(n for n, line in enumerate(lines, 1) if "(도시빛정책과)" in line)
    changed = reading_of(AUDIT_2019, [*lines[: removed - 1], *lines[removed:]])
    named = {(p.row, p.column, p.printed, p.computed) for p in changed.problems}
    assert named == {
        ("수감결과 처리요구사항 등", "총", "37", "36"),
        ("계", "계", "37", "36"),
        ("계", "추진중", "9", "8"),
        (DEMAND, "계", "9", "8"),
        (DEMAND, "추진중", "5", "4"),
    }


def test_changing_a_figure_makes_problems_naming_the_totals_that_cover_it() -> None:
    lines = seed_lines(BUREAU_2013)
    row = next(n for n, line in enumerate(lines, 1) if line.startswith("행정직군"))
    changed = reading_of(BUREAU_2013, perturbed(lines, row, "시", 2846))
    named = {(p.line, p.row, p.column, p.printed, p.computed) for p in changed.problems}
    assert named == {
        (row, "행정직군 (행정·세무·사회복지)", "전체", "21350", "21351"),
        (row - 1, "계", "시", "10123", "10124"),
        (row - 1, "계", "전체", "40273", "40274"),
    }


def test_a_status_the_reader_does_not_know_is_a_problem() -> None:
    reviewed, withheld = "추진상황 : 검토 중", "추진상황 : 보류"
    lines = [line.replace(reviewed, withheld) for line in seed_lines(AUDIT_2019)]
    changed = reading_of(AUDIT_2019, lines)
    unknown = [(p.row, p.printed) for p in changed.problems if p.column == "추진상황"]
    assert unknown == [(f"{DEMAND} 7", "보류"), (f"{RECOMMENDATION} 7", "보류")]


def test_text_it_does_not_understand_is_skipped(readings: dict[str, Reading]) -> None:
    skipped = {(s.first_line, s.why) for s in readings[BUREAU_2013].skipped}
    assert (124, "listed without a number among the tasks: not a task") in skipped
    assert (71, "'시설단체('13.12)': no figure") in skipped
    assert (76, "no ' : ' between a name and its figures") in skipped
    assert (618, "figures that are not whole counts") in skipped
    figures_in_results = [s for s in readings[AUDIT_2019].skipped if s.first_line in (277, 283)]
    assert len(figures_in_results) == 2


def test_a_reading_without_a_reference_date_reads_no_task() -> None:
    reading = Reading("x.txt", "", "시장비서실", None)
    tasks.read(seed_lines(OFFICE_2019), reading)
    indicators.read(seed_lines(OFFICE_2019), reading)
    assert reading.facts() == []
    assert [p.message for p in reading.problems] == ["no reference date to date the tasks by"]


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ("○ 시의회와 소통 활성화 : 연중 계속  ", [("연중 계속", "시의회와 소통 활성화")]),
        ("- MOU 체결 : 코로나19 종식 이후", [("코로나19 종식 이후", "MOU 체결")]),
        ("○ MOU 매뉴얼 작성 배포: : ’20. 상반기", [("’20. 상반기", "MOU 매뉴얼 작성 배포")]),
        ("- 기본계획 확정·발표(13.3월말), 세부계획 수립·추진(13.4월~)",
         [("13.3월말", "기본계획 확정·발표"), ("13.4월~", "세부계획 수립·추진")]),
        ("- TFT 구성·운영(13.1월) : 시민단체, 전문가 등", [("13.1월", "TFT 구성·운영")]),
        ("○ 중기부 로드맵에 따라 '21년까지 소각규모 점진적 확대",
         [("'21년까지", "중기부 로드맵에 따라 '21년까지 소각규모 점진적 확대")]),
        ("- 동의필요시 : 의회 동의 또는 협약 수정", []),
        ("－ 미반영된 이양요청 사무(’17~’18년 95건) 추가 이양 건의", []),
        ("◼ 단장 : 기획조정실장 ◼ 운영주기 : 매월 1회 이상 개최", []),
    ],
)  # fmt: skip
def test_milestones_are_read_in_their_printed_forms(
    line: str, found: list[tuple[str, str]]
) -> None:
    assert milestones_of(line) == [Milestone(when=when, what=what) for when, what in found]


def test_a_task_is_dated_by_the_reports_reference_date(readings: dict[str, Reading]) -> None:
    facts = readings[BUREAU_2013].facts()
    dates = {fact.valid_from for fact in facts if isinstance(fact, TaskFact)}
    assert dates == {date(2013, 1, 23)}
