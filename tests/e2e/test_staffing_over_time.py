"""The foundation's slice as a client sees it: staffing recorded with a token, read as of
dates around its reference date, corrected, and read as known before and after."""

from __future__ import annotations

from tests.support.live import Live

REGISTER = """mutation($input: RegisterOrgUnitInput!) {
  registerOrgUnit(input: $input) { orgUnit { id name validFrom } version events { type } } }"""
RECORD = """mutation($input: RecordStaffingInput!) {
  recordStaffing(input: $input) {
    staffing { referenceDate authorized current rows { seriesKey jobCategory grade } }
    orgUnit { id } version events { type recordedAt actor reason source validFrom } } }"""
READ = """query($id: ID!, $asOf: Date, $knownAt: DateTime) {
  orgUnit(id: $id, asOf: $asOf, knownAt: $knownAt) {
    name asOf knownAt staffing { referenceDate authorized current } } }"""


def mayors_office(live: Live, token: str) -> str:
    seoul = live.data(REGISTER, {"input": {"name": "서울특별시", "validFrom": "1946-08-15"}}, token)
    unit = live.data(
        REGISTER,
        {
            "input": {
                "name": "시장 비서실",
                "validFrom": "2019-03-31",
                "parentId": seoul["registerOrgUnit"]["orgUnit"]["id"],
            }
        },
        token,
    )
    assert unit["registerOrgUnit"]["orgUnit"]["name"] == "시장 비서실"
    return str(unit["registerOrgUnit"]["orgUnit"]["id"])


def record(live: Live, token: str, unit: str, current: int, reason: str) -> dict:
    rows = [
        {"jobCategory": "일반직", "grade": "5급", "authorized": 6, "current": 6},
        {"jobCategory": "별정직", "grade": "2급상당", "authorized": 16, "current": current - 6},
    ]
    return live.data(
        RECORD,
        {
            "input": {
                "orgUnitId": unit,
                "referenceDate": "2020-01-31",
                "rows": rows,
                "reason": reason,
                "source": "000_cfa35aeae6f4c650.txt",
            }
        },
        token,
    )["recordStaffing"]


def staffing_on(live: Live, unit: str, as_of: str, known_at: str | None = None) -> dict | None:
    found = live.data(READ, {"id": unit, "asOf": as_of, "knownAt": known_at})["orgUnit"]
    return found["staffing"]


def test_staffing_is_in_force_from_its_reference_date(live: Live, editor: str) -> None:
    unit = mayors_office(live, editor)
    recorded = record(live, editor, unit, 21, "2020.3 report")
    assert recorded["staffing"] == {
        "referenceDate": "2020-01-31",
        "authorized": 22,
        "current": 21,
        "rows": [
            {"seriesKey": "일반직/5급", "jobCategory": "일반직", "grade": "5급"},
            {"seriesKey": "별정직/2급상당", "jobCategory": "별정직", "grade": "2급상당"},
        ],
    }
    event = recorded["events"][0]
    assert event["type"] == "StaffingRecorded"
    assert (event["actor"], event["reason"], event["validFrom"]) == (
        "editor-kim",
        "2020.3 report",
        "2020-01-31",
    )
    assert staffing_on(live, unit, "2020-01-30") is None
    assert staffing_on(live, unit, "2020-01-31") == {
        "referenceDate": "2020-01-31",
        "authorized": 22,
        "current": 21,
    }
    assert staffing_on(live, unit, "2020-02-15")["current"] == 21


def test_a_correction_changes_answers_from_its_recorded_time_on(live: Live, editor: str) -> None:
    unit = mayors_office(live, editor)
    first = record(live, editor, unit, 21, "2020.3 report")
    before = first["events"][0]["recordedAt"]
    corrected = record(live, editor, unit, 20, "typo in the transcription")
    after = corrected["events"][0]["recordedAt"]
    assert after > before
    assert staffing_on(live, unit, "2020-02-15", before)["current"] == 21
    assert staffing_on(live, unit, "2020-02-15", after)["current"] == 20
    assert staffing_on(live, unit, "2020-02-15")["current"] == 20
    answered = live.data(READ, {"id": unit, "asOf": "2020-02-15", "knownAt": before})
    assert answered["orgUnit"]["knownAt"].startswith(before[:19])


def test_a_mutation_without_a_token_is_unauthenticated_and_records_nothing(live: Live) -> None:
    size = live.log_size()
    body = live.gql(REGISTER, {"input": {"name": "서울특별시", "validFrom": "1946-08-15"}})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert live.log_size() == size


def test_a_reader_token_may_read_but_not_write(live: Live) -> None:
    reader = live.token("auditor-lee", "reader")
    body = live.gql(REGISTER, {"input": {"name": "서울특별시", "validFrom": "1946-08-15"}}, reader)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert live.data("{ orgUnits { id } }", token=reader) == {"orgUnits": []}


def test_a_bad_token_is_refused_even_for_reads(live: Live) -> None:
    body = live.gql("{ orgUnits { id } }", token="glt_not-a-token")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert body["data"] is None
