"""`govledger ingest` against real PostgreSQL: each seed read again onto the ledger loaded from
data/seoul changes nothing; the five read in date order onto an empty ledger answer every fact
the hand-made dataset has, but for the cells its notes decided beyond the reports' text; a
reissued report is one correction, a new quarter's report its new facts and nothing else, and a
report whose printed total disagrees records nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from api.runtime import Runtime
from ledger.database import Database
from ledger.importing.checks import load_file
from ledger.importing.importer import Importer
from ledger.settings import PgConfig
from tests.conftest import fresh_database
from tests.support.facts import Fact, dump, facts
from tests.support.ingest import IN_DATE_ORDER, SEEDS, SEOUL_DATA, ingest, ingest_seed, seed

PREFIXES = [path.name[:3] for path in SEEDS]


def seoul_runtime(database: Database) -> Runtime:
    runtime = Runtime(database=database)
    Importer(runtime.ledger).import_folder(SEOUL_DATA)
    runtime.catch_up()
    return runtime


@pytest.fixture(scope="module")
def seoul(server: PgConfig) -> Iterator[Runtime]:
    with fresh_database(server) as database:
        runtime = seoul_runtime(database)
        yield runtime
        runtime.close()


@pytest.fixture
def fresh_seoul(database: Database) -> Iterator[Runtime]:
    runtime = seoul_runtime(database)
    yield runtime
    runtime.close()


@pytest.mark.parametrize("prefix", PREFIXES)
def test_a_seed_read_again_onto_its_transcription_changes_nothing(
    seoul: Runtime, prefix: str
) -> None:
    review = ingest_seed(seoul, prefix)
    assert review.ok, [str(p) for p in review.reading.problems]
    changed = [f"{f.status} {f.what}" for f in review.facts if f.status != "unchanged"]
    assert changed == []
    assert review.count("unchanged") > 0 and review.checks > 0


def test_applying_a_report_again_records_nothing(fresh_seoul: Runtime) -> None:
    before = fresh_seoul.ledger.recorder.max_notification_id()
    review = ingest_seed(fresh_seoul, "004", apply=True)
    assert review.applied and sum(review.events.values()) == 0
    assert fresh_seoul.ledger.recorder.max_notification_id() == before


def reissued(text: str) -> str:
    """001 reissued with 별정직 4급상당 현원 1 -> 2 (and its 소계 and 총계 with it)."""
    printed = "현 원\t20\t6\t2\t2\t-\t2\t14\t1\t1\t11\t1"
    assert printed in text
    return text.replace(printed, "현 원\t21\t6\t2\t2\t-\t2\t15\t1\t2\t11\t1")


def test_a_reissued_report_is_one_correction_of_one_cell(fresh_seoul: Runtime) -> None:
    path = seed("001")
    text = reissued(path.read_text(encoding="utf-8"))
    review = ingest(fresh_seoul, text, path.name)
    corrected = [f for f in review.facts if f.status == "corrected"]
    assert [f.what for f in corrected] == ["staffing of 시장비서실 at 2020-03-31"]
    assert [(c.field, c.old, c.new) for c in corrected[0].cells] == [
        ("별정직 4급상당 current", 1, 2)
    ]
    assert review.count("new") == 0
    line = corrected[0].line  # the table's, whose first row is 정원
    assert line is not None and text.splitlines()[line - 1].startswith("정 원")
    applied = ingest(fresh_seoul, text, path.name, apply=True)
    assert dict(applied.events) == {"OrgUnit.StaffingRecorded": 1}
    assert sum(ingest(fresh_seoul, text, path.name, apply=True).events.values()) == 0


def next_quarter(text: str) -> str:
    """001 as the report of 2020-06-30 would print it: a 7급 hired (현원 0 -> 1) and the
    budget half spent."""
    text = text.replace("'20. 3. 31.", "'20. 6. 30.")
    text = reissued(text).replace("현 원\t21\t6\t2\t2\t-\t2", "현 원\t22\t7\t2\t2\t1\t2")
    return text


def test_a_new_quarter_records_its_new_facts_and_nothing_else(fresh_seoul: Runtime) -> None:
    path = seed("001")
    text = next_quarter(path.read_text(encoding="utf-8"))
    review = ingest(fresh_seoul, text, "005_next_quarter.txt")
    assert review.ok, [str(p) for p in review.reading.problems]
    assert review.count("corrected") == 0
    new = [f for f in review.facts if f.status == "new"]
    assert {f.what.split(" of ")[0].split(" at ")[0] for f in new} >= {"staffing"}
    assert all("2020-06-30" in f.what for f in new), [f.what for f in new]
    staffing = next(f for f in new if f.kind == "staffing")
    moved = {(c.field, c.old, c.new) for c in staffing.cells if c.changed}
    assert moved == {("일반직 7급 current", 0, 1), ("별정직 4급상당 current", 1, 2)}
    applied = ingest(fresh_seoul, text, "005_next_quarter.txt", apply=True)
    assert sum(applied.events.values()) == len(new)
    again = ingest(fresh_seoul, text, "005_next_quarter.txt", apply=True)
    assert sum(again.events.values()) == 0 and again.count("new") == 0


def test_a_total_that_disagrees_stops_the_report_and_records_nothing(
    fresh_seoul: Runtime,
) -> None:
    path = seed("001")
    text = path.read_text(encoding="utf-8").replace(
        "현 원\t20\t6\t2\t2\t-\t2\t14", "현 원\t20\t6\t2\t2\t-\t2\t13"
    )
    before = fresh_seoul.ledger.recorder.max_notification_id()
    review = ingest(fresh_seoul, text, path.name, apply=True)
    assert not review.ok and review.draft is None and not review.events
    problems = [str(p) for p in review.reading.problems]
    assert any(p.startswith(f"{path.name}:26: ") for p in problems), problems
    assert fresh_seoul.ledger.recorder.max_notification_id() == before


def test_the_five_in_date_order_onto_an_empty_ledger(runtime: Runtime) -> None:
    runtime.catch_up()
    for prefix in IN_DATE_ORDER:
        review = ingest_seed(runtime, prefix, apply=True)
        assert review.ok, (prefix, [str(p) for p in review.reading.problems])
        assert review.count("corrected") == 0, prefix
    assert all(ingest_seed(runtime, p).count("new") == 0 for p in IN_DATE_ORDER)


SEOUL = "서울특별시"
DECIDED = {
    "city": "Unit seoul (서울특별시), valid_from 1946-08-15: no seed document gives this date",
    "bureau": "Unit administration-bureau (행정국), valid_from 2013-01-23: the report date",
    "office": "valid_from of planning-office = 2013-01-23, not the default 2020-04-20",
    "headcounts": "except the six 공무원 현원 ('12.12.31) indicators",
    "funds": "for 감채기금, 대외협력기금 and 지역개발기금 it names none",
    "titles": "title is a short title condensed by the transcriber",
}
"""What the dataset's notes decided beyond the reports' text, each by the words that decided
it; the review shows the reader's own reading of each as a proposal for a person to confirm:
the city, which no report names (its founding date, and its place as every unit's parent); the
dates from which 행정국 and 기획조정실 exist (the reader takes the earliest date of their
facts: 행정국's headcounts of 2012-12-31, 기획조정실's budget of 2019-12-31); the owner of the
city-wide headcounts (the reader keeps the report's unit); the owners of three funds the report
gives no department; and 22 audit follow-ups' titles, which the transcriber condensed from the
printed demand (the reader titles each with the demand)."""
FUNDS = ("감채기금", "대외협력기금", "지역개발기금")


def as_the_reports_read(fact: Fact) -> Fact | None:
    """A fact of the dataset as the reports' text alone gives it (DECIDED), or None where the
    text gives no such fact."""
    kind, day, unit, *rest = fact
    if kind == "unit":
        parent, valid_from = rest
        if unit == SEOUL or (unit == "기획조정실" and day < "2019-12-31"):
            return None
        place = "" if parent == SEOUL else parent
        start = {"행정국": "2012-12-31", "기획조정실": "2019-12-31"}.get(unit, valid_from)
        return (kind, day, unit, place, start)
    if kind == "indicator" and unit == SEOUL:
        return (kind, day, "행정국", *rest)
    if kind == "budget" and rest[0] in FUNDS:
        return (kind, day, "기획조정실", *rest)
    if kind == "task":
        task = json.loads(rest[1])
        if task["kind"] == "AUDIT_FOLLOW_UP" and task["description"] not in (None, task["title"]):
            task["title"] = task["description"]
            return (kind, day, unit, task["title"], dump(task))
    return fact


def test_the_five_answer_every_fact_of_the_dataset_but_those_decided_beyond_the_text(
    seoul: Runtime, runtime: Runtime
) -> None:
    runtime.catch_up()
    for prefix in IN_DATE_ORDER:
        assert ingest_seed(runtime, prefix, apply=True).ok, prefix
    dataset, ingested = facts(seoul), facts(runtime)
    expected = {read for fact in dataset if (read := as_the_reports_read(fact)) is not None}
    expected.add(("unit", "2012-12-31", "행정국", "", "2012-12-31"))  # in force from its facts
    assert sorted(expected - ingested) == [] and sorted(ingested - expected) == []
    notes = " ".join(
        note
        for path in sorted(SEOUL_DATA.glob("*.toml"))
        for note in load_file(path)["source"]["notes"]
    )
    assert all(words in notes for words in DECIDED.values())
    changed = {fact[:3] for fact in dataset if as_the_reports_read(fact) != fact}
    assert {kind for kind, _, _ in changed} == {"unit", "indicator", "budget", "task"}
