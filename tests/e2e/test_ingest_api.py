"""ingestReport over HTTP as the explorer sends it: editors only; each seed reviewed on the ledger
loaded from data/seoul changes nothing; a reissued report is one correction, which apply
records and answers once the read model holds it; a report whose total disagrees answers its
problem and records nothing; bad input is refused with its code."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api.graphql.inputs import MAX_REPORT_BYTES, IngestReportInput
from api.runtime import Runtime
from domain.errors import InvalidInput
from domain.text import DEFAULT_LIMITS
from ledger.importing.importer import Importer
from tests.conftest import fresh_database
from tests.support.ingest import SEEDS, SEOUL_DATA, UNNAMED
from tests.support.live import Live, serving
from tests.support.mutations import error_code
from tests.support.report_texts import disagreeing, mayor_text, reissued

REVIEW = """mutation($input: IngestReportInput!) { ingestReport(input: $input) {
  ok applied file title unit referenceDate knownAt
  problems { file line table row column message printed computed }
  tables { kind title firstLine lastLine cells unchecked
    checks { row column printed computed agrees misprint line }
    resolutions { row column printed candidates chosen why line } }
  skipped { firstLine lastLine heading why }
  facts { kind what status line source cells { field old new changed } }
  matches { kind label key why isNew line }
  proposals { subject field value why line }
  counts { new corrected unchanged checks }
  events { type count } } }"""
STAFFING = """query($asOf: Date!) { orgUnits(asOf: $asOf) { name
  staffing(includeDescendants: false) { referenceDate current
    rows { jobCategory grade current } } } }"""
CORRECTIONS = """{ events(first: 500, filter: {types: ["StaffingRecorded"]}) {
  edges { node { type actor reason source } } } }"""


def head(live: Live) -> int | None:
    """The log's last position: what a refused or empty ingest must leave as it was."""
    return live.runtime.ledger.recorder.max_notification_id()


def serve_seoul(runtime: Runtime) -> Iterator[Live]:
    Importer(runtime.ledger).import_folder(SEOUL_DATA)
    with serving(runtime) as live:
        yield live


@pytest.fixture(scope="module")
def seoul(server: Any) -> Iterator[Live]:
    """One server over the Seoul data for the tests that record nothing."""
    with fresh_database(server) as database:
        runtime = Runtime(database=database)
        try:
            yield from serve_seoul(runtime)
        finally:
            runtime.close()


@pytest.fixture
def fresh_seoul(runtime: Runtime) -> Iterator[Live]:
    yield from serve_seoul(runtime)


@pytest.fixture(scope="module")
def editor_of_seoul(seoul: Live) -> str:
    return seoul.token("editor-kim", "editor")


def ingest(live: Live, token: str | None, **input: Any) -> dict[str, Any]:
    return live.gql(REVIEW, {"input": input}, token)


def review(live: Live, token: str, **input: Any) -> dict[str, Any]:
    body = ingest(live, token, **input)
    assert not body.get("errors"), body["errors"]
    answer: dict[str, Any] = body["data"]["ingestReport"]
    return answer


def test_a_reader_or_no_token_is_refused_and_nothing_is_recorded(seoul: Live) -> None:
    name, text = mayor_text()
    before = head(seoul)
    reader = seoul.token("reader-park", "reader")
    changed = {"text": reissued(text), "file": name, "apply": True}
    assert error_code(ingest(seoul, None, **changed)) == "UNAUTHENTICATED"
    assert error_code(ingest(seoul, reader, **changed)) == "FORBIDDEN"
    assert head(seoul) == before


@pytest.mark.parametrize("path", SEEDS, ids=[path.name[:3] for path in SEEDS])
def test_each_seed_on_its_transcription_is_unchanged(
    seoul: Live, editor_of_seoul: str, path: Any
) -> None:
    text = path.read_text(encoding="utf-8")
    unit = UNNAMED.get(path.name[:3])
    found = review(seoul, editor_of_seoul, text=text, file=path.name, unit=unit)
    assert found["ok"] and found["problems"] == [] and not found["applied"]
    counts = found["counts"]
    assert (counts["new"], counts["corrected"]) == (0, 0)
    assert counts["unchanged"] == len(found["facts"]) > 0 and counts["checks"] > 0
    assert {fact["status"] for fact in found["facts"]} == {"UNCHANGED"}
    assert found["events"] == [] and found["knownAt"] is None
    checks = [check for table in found["tables"] for check in table["checks"]]
    assert checks and all(check["agrees"] or check["misprint"] for check in checks)
    lines = text.split("\n")
    for fact in found["facts"]:
        assert fact["source"].startswith(path.name)
        assert fact["line"] is None or 1 <= fact["line"] <= len(lines)
    ordered = [
        fact["line"] if fact["line"] is not None else len(lines) + 1 for fact in found["facts"]
    ]
    assert ordered == sorted(ordered)
    firsts = [(t["firstLine"], t["lastLine"]) for t in found["tables"]]
    assert firsts == sorted(firsts)


def staffing_of(live: Live, unit: str, day: str) -> dict[str, Any]:
    units = live.data(STAFFING, {"asOf": day})["orgUnits"]
    found: dict[str, Any] = next(u["staffing"] for u in units if u["name"] == unit)
    return found


def test_a_reissued_report_is_one_correction_and_apply_answers_once_it_reads_back(
    fresh_seoul: Live,
) -> None:
    live = fresh_seoul
    editor = live.token("editor-kim", "editor")
    name, text = mayor_text()
    text = reissued(text)
    before = head(live)

    found = review(live, editor, text=text, file=name)
    assert found["ok"] and not found["applied"] and found["unit"] == "시장비서실"
    assert found["referenceDate"] == "2020-03-31"
    assert (found["counts"]["new"], found["counts"]["corrected"]) == (0, 1)
    [corrected] = [fact for fact in found["facts"] if fact["status"] == "CORRECTED"]
    assert corrected["what"] == "staffing of 시장비서실 at 2020-03-31"
    assert corrected["cells"] == [
        {"field": "별정직 4급상당 current", "old": 1, "new": 2, "changed": True}
    ]
    assert text.split("\n")[corrected["line"] - 1].startswith("정 원")
    assert head(live) == before

    applied = review(live, editor, text=text, file=name, apply=True)
    assert applied["applied"] and applied["events"] == [{"type": "StaffingRecorded", "count": 1}]
    assert applied["knownAt"] is not None
    applied_at = head(live)
    assert applied_at is not None and before is not None and applied_at > before
    # No wait here: the answer came once the read model held the correction.
    staffing = staffing_of(live, "시장비서실", "2020-04-01")
    assert staffing["referenceDate"] == "2020-03-31" and staffing["current"] == 21
    row = next(r for r in staffing["rows"] if r["grade"] == "4급상당")
    assert row["current"] == 2
    edges = live.data(CORRECTIONS)["events"]["edges"]
    [event] = [edge["node"] for edge in edges if edge["node"]["actor"] != "importer"]
    assert event == {
        "type": "StaffingRecorded",
        "actor": "editor-kim",
        "reason": f"ingest: corrected by {name}",
        "source": corrected["source"],
    }

    again = review(live, editor, text=text, file=name, apply=True)
    assert again["applied"] and again["events"] == [] and again["knownAt"] is None
    assert again["counts"]["corrected"] == 0 and head(live) == applied_at


def test_a_total_that_disagrees_answers_its_problem_and_records_nothing(
    seoul: Live, editor_of_seoul: str
) -> None:
    name, text = mayor_text()
    before = head(seoul)
    found = review(seoul, editor_of_seoul, text=disagreeing(text), file=name, apply=True)
    assert not found["ok"] and not found["applied"]
    assert found["facts"] == [] and found["matches"] == [] and found["events"] == []
    [problem] = found["problems"]
    assert problem["file"] == name and problem["line"] == 26
    assert (problem["row"], problem["column"]) == ("현원", "별정직 소계")
    assert (problem["printed"], problem["computed"]) == ("13", "14")
    assert problem["table"].startswith("인력 현황")
    staffing = next(t for t in found["tables"] if t["kind"] == "staffing")
    assert any(not check["agrees"] and check["line"] == 26 for check in staffing["checks"])
    assert head(seoul) == before


BAD = [
    ("empty text", {"text": ""}, "text"),
    ("blank text", {"text": " \n\t\n"}, "text"),
    ("a control character in the text", {"text": "주요업무보고\x00"}, "text"),
    ("no file name", {"file": ""}, "file"),
    ("a path", {"file": "../data/001.txt"}, "file"),
    ("a folder", {"file": "seeds/001.txt"}, "file"),
    ("a Windows path", {"file": "C:\\seeds\\001.txt"}, "file"),
    ("a dot", {"file": ".."}, "file"),
    ("a line break in the name", {"file": "001.txt\n"}, "file"),
    ("a control character in the name", {"file": "001\x07.txt"}, "file"),
    ("a blank unit", {"unit": "  "}, "unit"),
]


@pytest.mark.parametrize(("case", "change", "field"), BAD, ids=[case for case, _, _ in BAD])
def test_bad_input_is_refused(
    seoul: Live, editor_of_seoul: str, case: str, change: dict[str, Any], field: str
) -> None:
    name, text = mayor_text()
    body = ingest(seoul, editor_of_seoul, **{"text": text, "file": name, **change})
    assert error_code(body) == "BAD_USER_INPUT", case
    assert body["errors"][0]["extensions"].get("field") == field
    assert body["data"] is None


def test_text_over_the_bound_is_refused(seoul: Live, editor_of_seoul: str) -> None:
    """Over HTTP the body's bound refuses it first; the input's own bound guards the text
    wherever else it comes from."""
    huge = "가" * (MAX_REPORT_BYTES // 3 + 1)
    response = httpx.post(
        f"{seoul.url}/graphql",
        json={"query": REVIEW, "variables": {"input": {"text": huge, "file": "big.txt"}}},
        headers={"Authorization": f"Bearer {editor_of_seoul}"},
        timeout=30,
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    with pytest.raises(InvalidInput, match="at most 1048576") as refused:
        IngestReportInput(text=huge, file="big.txt").check(DEFAULT_LIMITS)
    assert refused.value.field == "text"


def test_a_report_read_whole_whose_draft_the_ledger_refuses_is_bad_input(
    seoul: Live, editor_of_seoul: str
) -> None:
    """A task title longer than the ledger takes: the reader reads it, the importer's check
    of the draft refuses it (its refusal names no line yet), and nothing is recorded."""
    name, text = mayor_text()
    title = "① **민생 중심의 현장방문 일정 기획**"
    long = text.replace(title, f"① **민생 중심의 현장방문 일정 기획{'가' * 300}**")
    before = head(seoul)
    body = ingest(seoul, editor_of_seoul, text=long, file=name, apply=True)
    assert error_code(body) == "BAD_USER_INPUT"
    assert "at most 200" in body["errors"][0]["message"]
    assert head(seoul) == before
