"""The matcher (reports/match.py) against what the ledger would hold after `govledger import
data/seoul`: each seed's draft names by id exactly the facts its hand transcription holds, with
the same values, but for the facts the transcription decided beyond the text (each listed with
the note that decided it); against an empty ledger, every fact is new, under keys that a second
reading gives again; and every printed total is a check the importer computes again."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import pytest

from domain.names import unspaced
from ledger.importing.checks import run_checks
from reports.draft import Draft
from reports.holdings import HeldUnit, Holdings
from reports.match import match
from reports.matching.series import grade_numbers
from reports.matching.totals import budget_lines
from reports.model import Reading
from reports.reader import read_report
from tests.support.match import (
    DATA,
    Document,
    holdings_of,
    seed_text,
    transcription,
    with_ids,
    without,
)
from tests.support.reports import EXCEPTIONS, SEOUL

STEMS = tuple(sorted(path.stem for path in DATA.glob("*.toml")))
KINDS = ("units", "staffing", "budget", "tasks", "indicators")
NAMED_BY_OTHERS = {"002": "시장비서실"}
"""The unit of a seed whose text does not name it (tests/support/reports.py, COVER_NOTE)."""


@dataclass(frozen=True)
class Decided:
    """A cell the transcription decided beyond the report's text, and the words of its notes
    that decided it: where the draft differs (what), or what it proposes instead."""

    stem: str
    what: str
    note: str


HEADCOUNTS = Decided(
    "003", "the six 공무원 현원 indicators are held under 서울특별시: owner kept, proposed",
    "except the six 공무원 현원 ('12.12.31) indicators, which describe")
CONDENSED = Decided(
    "000", "22 follow-ups have a title condensed by the transcriber: kept, the printed demand "
    "being their description", "title is a short title condensed by the transcriber")
DECIDED = (HEADCOUNTS, CONDENSED)
TARGETED = "행정직군 시구 인사교류 확대"
EXCHANGE = "전·출입 교류 (시↔구) 행정직군 (행정·세무·사회복지)"


def stem_of(prefix: str) -> str:
    return next(stem for stem in STEMS if stem.startswith(prefix))


READINGS: dict[str, Reading] = {}


def reading(stem: str) -> Reading:
    if stem not in READINGS:
        READINGS[stem] = read_report(seed_text(stem), f"{stem}.txt", NAMED_BY_OTHERS.get(stem[:3]))
    return READINGS[stem]


def held(stem: str) -> Holdings:
    """What the ledger holds after importing data/seoul, as known at the seed's date."""
    day = reading(stem).reference_date
    assert day is not None
    return holdings_of([transcription(s) for s in STEMS], day)


DRAFTS: dict[str, Draft] = {}


def draft(stem: str) -> Draft:
    if stem not in DRAFTS:
        DRAFTS[stem] = match(reading(stem), held(stem))
    return DRAFTS[stem]


def canonical(entries: list[Document]) -> Counter[str]:
    return Counter(json.dumps(e, sort_keys=True, ensure_ascii=False)
                   for e in without(entries, "section"))


def expected(stem: str, kind: str) -> list[Document]:
    """The transcription's entries of that kind with id keys, less the city (no report names
    it)."""
    entries: list[Document] = with_ids(transcription(stem))[kind]
    if kind == "units":
        return [u for u in entries if u["name"] != SEOUL]
    return entries


@pytest.mark.parametrize("stem", STEMS, ids=[s[:3] for s in STEMS])
def test_each_seed_restates_the_held_facts_of_its_transcription(stem: str) -> None:
    document = draft(stem).document
    for kind in KINDS:
        assert canonical(document.get(kind, [])) == canonical(expected(stem, kind)), kind


@pytest.mark.parametrize("stem", STEMS, ids=[s[:3] for s in STEMS])
def test_each_seed_plans_no_new_fact_but_those_its_notes_decided(stem: str) -> None:
    assert [(m.kind, m.label) for m in draft(stem).new()] == []


def test_a_target_line_continues_the_series_whose_figure_it_repeats() -> None:
    """003's policy target '행정직군 시구 인사교류 확대 : 144명('12) ⇨ 420명('13)' repeats the
    table's 행정직군 exchange of '12 (144): its 2013 TARGET extends that series, as the
    transcription's note decided ("are one indicator"); against an empty ledger it is proposed."""
    found = match(reading(stem_of("003")), Holdings())
    exchange = next(i for i in found.document["indicators"] if i["name"] == EXCHANGE)
    assert [(p["period"], p["kind"], p["value"]) for p in exchange["points"]] == [
        ("2010", "ACTUAL", 155), ("2011", "ACTUAL", 108), ("2012", "ACTUAL", 144),
        ("2013", "TARGET", 420)]
    assert not any(i["name"] == TARGETED for i in found.document["indicators"])
    assert ("indicator " + TARGETED, "key") in {(p.subject, p.field) for p in found.proposals}
    assert "are one indicator" in " ".join(transcription(stem_of("003"))["source"]["notes"])


@pytest.mark.parametrize("stem", STEMS, ids=[s[:3] for s in STEMS])
def test_every_decision_beyond_the_text_is_a_note_of_the_transcription(stem: str) -> None:
    notes = " ".join(transcription(stem)["source"]["notes"])
    for decided in DECIDED:
        if stem.startswith(decided.stem):
            assert decided.note in notes, decided


def test_owners_the_report_does_not_name_are_kept_and_proposed() -> None:
    funds = {(e.item, e.toml) for e in EXCEPTIONS if e.what == "owner"}
    assert funds
    planning = draft(stem_of("004")).proposals
    assert {(p.subject.split()[2], p.value) for p in planning} == funds
    assert len(planning) == 2 * len(funds)
    bureau = draft(stem_of("003")).proposals
    assert len(bureau) == 6, bureau
    assert {(p.field, p.value) for p in bureau} == {("unit", SEOUL)}
    assert all(p.subject.startswith("indicator 공무원 현원") for p in bureau)
    for stem in ("000", "001", "002"):
        assert draft(stem_of(stem)).proposals == []


def test_condensed_titles_of_the_ledger_are_kept() -> None:
    kept = [m for m in draft(stem_of("000")).matches if "shorter title kept" in m.why]
    assert len(kept) == 22
    tasks = {t["key"]: t for t in draft(stem_of("000")).document["tasks"]}
    assert all(tasks[m.key]["description"] == m.label for m in kept)


@pytest.mark.parametrize("stem", STEMS, ids=[s[:3] for s in STEMS])
def test_every_printed_total_is_a_check_the_importer_agrees_with(stem: str) -> None:
    found = draft(stem)
    findings = run_checks([(f"{stem}.toml", found.document)])
    assert [str(f) for f in findings if not f.passed] == []
    read = reading(stem).checks()
    assert len(findings) + len(found.left_out) == len(read)
    assert all("the format has no selector" in why for why in found.left_out)


def _where(check: Document) -> tuple[str, str, float]:
    column = unspaced(check["column"])
    column = "집행률" if "%" in column or "집행률" in column else column
    return unspaced(check["row"]).replace(":", ""), column, float(check["printed"])


@pytest.mark.parametrize("stem", STEMS, ids=[s[:3] for s in STEMS])
def test_checks_select_what_the_transcription_selects(stem: str) -> None:
    ours = {_where(c): c for c in draft(stem).document.get("checks", [])}
    theirs = {_where(c): c for c in with_ids(transcription(stem))["checks"]}
    assert ours.keys() == theirs.keys()
    document = with_ids(transcription(stem))
    for where, check in ours.items():
        other = theirs[where]
        if "budget" in check:
            assert _selected(document, check["budget"]) == _selected(document, other["budget"])
        elif "indicators" in check:
            assert {**check["indicators"], "keys": set(check["indicators"]["keys"])} == {
                **other["indicators"], "keys": set(other["indicators"]["keys"])}
        else:
            assert {k: v for k, v in check.items() if k not in ("table", "row", "column")} == {
                k: v for k, v in other.items() if k not in ("table", "row", "column")}
        assert check.get("misprint", {}).get("reads") == other.get("misprint", {}).get("reads")


def _selected(document: Document, selector: Document) -> tuple[Any, ...]:
    lines = sorted(json.dumps(b, sort_keys=True, ensure_ascii=False)
                   for b in budget_lines(document, selector))
    figure = {k: selector.get(k) for k in ("field", "money_unit", "rounded", "minus")}
    return tuple(lines), json.dumps(figure, sort_keys=True)


@pytest.mark.parametrize("stem", STEMS, ids=[s[:3] for s in STEMS])
def test_against_an_empty_ledger_every_fact_is_new_under_keys_read_again(stem: str) -> None:
    first = match(reading(stem), Holdings())
    assert first.matches and all(m.new and m.why == "new" for m in first.matches)
    keys = _keys(first.document)
    assert keys and all(k.startswith("ingest-") and k.isascii() for k in keys)
    again = match(read_report(seed_text(stem), f"{stem}.txt", NAMED_BY_OTHERS.get(stem[:3])),
                  Holdings())
    assert again.document == first.document
    units = [u["name"] for u in first.document["units"]]
    proposed = {(p.subject, p.field) for p in first.proposals}
    assert {(f"unit {name}", "valid_from") for name in units} <= proposed
    assert (f"unit {reading(stem).unit}", "parent") in proposed


def _keys(document: Document) -> list[str]:
    found = [u["key"] for u in document["units"]]
    found += [r["series"] for s in document.get("staffing", []) for r in s["rows"]]
    found += [b["line"] for b in document.get("budget", [])]
    found += [e["key"] for kind in ("tasks", "indicators") for e in document.get(kind, [])]
    return found


@pytest.mark.parametrize("stem", STEMS, ids=[s[:3] for s in STEMS])
def test_a_report_read_again_onto_its_own_draft_restates_it(stem: str) -> None:
    first = match(reading(stem), Holdings())
    day = reading(stem).reference_date
    assert day is not None
    again = match(reading(stem), holdings_of([first.document], day))
    assert again.new() == [] and again.proposals == []
    restated = with_ids(first.document)
    for kind in (*KINDS, "checks"):
        assert again.document.get(kind, []) == restated.get(kind, []), kind


def test_the_2019_report_relabels_its_grades_to_the_series_of_2020() -> None:
    office_2019, office_2020 = stem_of("002"), stem_of("000")
    found = match(reading(office_2019), holdings_of([transcription(office_2020)],
                                                    date(2019, 3, 31)))
    why = {m.label: (m.key, m.why) for m in found.matches if m.kind == "series"}
    assert why["별정직 2~3급 of 시장비서실"] == (
        "special-2", "relabelled: 2~3급 (2019) and 2급상당 (2020) share grade 2")
    assert why["일반직 8~9급 of 시장비서실"] == (
        "general-8-9", "relabelled: 8~9급 (2019) and 8·9급 (2020) share grades 8 and 9")
    rows = found.document["staffing"][0]["rows"]
    assert rows == transcription(office_2019)["staffing"][0]["rows"]


def test_a_task_the_next_report_drops_leaves_the_list_and_a_retitled_one_is_proposed() -> None:
    march, april = stem_of("000"), stem_of("001")
    covid = "감염병 공동 대응을 위한 도시외교 및 서울 리더십 강화"
    found = match(reading(april), holdings_of([transcription(march)], date(2020, 3, 31)))
    tasks = without(found.document["tasks"], "section")
    transcribed = without(with_ids(transcription(april))["tasks"], "section")
    assert [t for t in tasks if not t["key"].startswith("ingest-")] == [
        t for t in transcribed if t["title"] != covid]
    unlisted = [t for t in tasks if t.get("listed") is False]
    assert [t["title"] for t in unlisted] == ["전략적 도시외교를 통한 서울의 국제위상 강화"]
    similar = {p.subject: p.why for p in found.proposals}
    assert similar["task 시민 참여를 통한 지속가능발전 추진"].startswith("title similar (0.60)")
    assert [m.label for m in found.new()] == [covid]


def test_a_reading_without_a_unit_is_refused() -> None:
    unnamed = read_report(seed_text(stem_of("002")), "002.txt")
    with pytest.raises(ValueError, match="names no unit"):
        match(unnamed, Holdings())


@pytest.mark.parametrize(
    ("grade", "numbers"),
    [("2~3급", {2, 3}), ("2급상당", {2}), ("8~9급", {8, 9}), ("8·9급", {8, 9}),
     ("6급이하", {6}), ("4급상당", {4}), (None, set())],
)
def test_the_grades_a_label_spans(grade: str | None, numbers: set[int]) -> None:
    assert grade_numbers(grade) == numbers


def test_a_department_of_a_name_two_units_share_is_the_one_under_the_reports_unit() -> None:
    stem = stem_of("004")
    ledger = held(stem)
    office = next(u for u in ledger.units if u.name == "기획조정실")
    elsewhere = HeldUnit(uuid5(NAMESPACE_URL, "another"), "기획 담당관", office.parent_id,
                         office.valid_from)
    found = match(reading(stem), Holdings((*ledger.units, elsewhere)))
    planning = next(m for m in found.matches if m.kind == "unit" and m.label == "기획담당관")
    assert planning.held == next(u.id for u in ledger.units if u.name == "기획담당관")
    assert planning.why == "same name, under 기획조정실 (one of 2 of that name)"
