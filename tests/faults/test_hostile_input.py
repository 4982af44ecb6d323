"""Hostile input over HTTP: text the database cannot hold, text too long, idempotency keys out
of bounds, figures whose sums would overflow, and scalars out of range. Each is answered
BAD_USER_INPUT naming the input, and nothing is recorded."""

from __future__ import annotations

import base64
import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.graphql.cursors import encode
from api.runtime import Runtime
from ledger.importing.checks import CheckError
from ledger.importing.importer import Importer
from tests.support.live import Live

UNIT = "orgUnit { id name }"
ONE_ROW = [{"jobCategory": "일반직", "grade": "5급", "authorized": 2, "current": 2}]


def gql(live: Live, query: str, variables: dict[str, Any], token: str | None = None) -> Any:
    """As live.gql, with the body's JSON in ASCII: a lone surrogate travels as an escape."""
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    content = json.dumps({"query": query, "variables": variables}, ensure_ascii=True)
    response = httpx.post(f"{live.url}/graphql", content=content, headers=headers, timeout=30)
    assert response.status_code < 500, response.text
    return response.json()


def mutate(live: Live, name: str, input: dict[str, Any], token: str, selection: str) -> Any:
    kind = name[0].upper() + name[1:] + "Input"
    query = f"mutation($input: {kind}!) {{ {name}(input: $input) {{ {selection} version }} }}"
    return gql(live, query, {"input": input}, token)


def head(live: Live) -> int:
    """How many events the log holds: read from the ledger, not from the read model."""
    return int(live.runtime.ledger.recorder.max_notification_id() or 0)


def refused(body: dict[str, Any], field: str | None) -> dict[str, Any]:
    """The one error of a body: BAD_USER_INPUT, naming the field when one is given."""
    assert body.get("data") in (None, {}) or not any((body.get("data") or {}).values()), body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    if field is not None:
        assert error["extensions"].get("field") == field, error
        assert error["message"].startswith(f"{field}: "), error
    return dict(error)


def register(live: Live, token: str, name: str = "서울특별시") -> str:
    input = {"name": name, "validFrom": "2019-01-01"}
    body = mutate(live, "registerOrgUnit", input, token, UNIT)
    assert not body.get("errors"), body
    return str(body["data"]["registerOrgUnit"]["orgUnit"]["id"])


@pytest.fixture
def unit(live: Live, editor: str) -> str:
    return register(live, editor)


def inputs(unit: str) -> dict[str, dict[str, Any]]:
    """A valid input for every mutation that takes an idempotency key, on the unit."""
    day = "2020-01-31"
    return {
        "registerOrgUnit": {"name": "감사위원회", "validFrom": day},
        "renameOrgUnit": {"orgUnitId": unit, "name": "서울시", "validFrom": day},
        "moveOrgUnit": {"orgUnitId": unit, "parentId": None, "validFrom": day},
        "closeOrgUnit": {"orgUnitId": unit, "validFrom": day},
        "recordStaffing": {"orgUnitId": unit, "referenceDate": day, "rows": ONE_ROW},
        "recordBudgetLine": {
            "orgUnitId": unit,
            "fiscalYear": 2020,
            "item": "기관운영업무추진비",
            "referenceDate": day,
            "budgeted": 1000,
        },
        "recordTask": {"orgUnitId": unit, "kind": "MAJOR_TASK", "title": "과제", "validFrom": day},
        "retractFact": {
            "fact": "STAFFING",
            "subjectId": unit,
            "referenceDate": day,
            "reason": "잘못 기록",
        },
        "recordIndicatorValue": {
            "orgUnitId": unit,
            "name": "유연근무",
            "measure": "명",
            "period": "2020",
            "kind": "ACTUAL",
            "value": 3,
            "referenceDate": day,
        },
        "retractIndicatorValue": {
            "indicatorId": unit,
            "period": "2020",
            "kind": "ACTUAL",
            "referenceDate": day,
            "reason": "잘못 기록",
        },
    }


HOSTILE = [
    ("registerOrgUnit", {"name": "a\u0000b"}, "name"),
    ("registerOrgUnit", {"reason": "보고\u0000서"}, "reason"),
    ("registerOrgUnit", {"source": "file\u001b.txt"}, "source"),
    ("registerOrgUnit", {"name": "a\uffffb"}, "name"),
    ("renameOrgUnit", {"name": "이름\u0007"}, "name"),
    (
        "recordStaffing",
        {"rows": [{**ONE_ROW[0], "jobCategory": "일반\u0000직"}]},
        "rows[0].jobCategory",
    ),
    ("recordStaffing", {"note": "\u0085"}, "note"),
    ("recordBudgetLine", {"item": "item\u0000"}, "item"),
    ("recordTask", {"description": "설명\u0000", "title": "과제"}, "description"),
    ("recordTask", {"milestones": [{"when": "2020", "what": "\ufffe"}]}, "milestones[0].what"),
    ("recordIndicatorValue", {"printed": "794명\u0000"}, "printed"),
]


def test_a_control_character_is_refused_naming_the_field_and_nothing_is_recorded(
    live: Live, editor: str, unit: str
) -> None:
    before = head(live)
    for name, changes, field in HOSTILE:
        body = mutate(live, name, {**inputs(unit)[name], **changes}, editor, "__typename")
        refused(body, field)
    assert head(live) == before
    live.caught_up()
    assert live.data('{ orgUnits(asOf: "2020-12-31") { name } }')["orgUnits"]


def test_a_512_kb_name_is_refused_at_once_and_the_log_stays_free(
    live: Live, editor: str, unit: str
) -> None:
    before = head(live)
    started = time.monotonic()
    body = mutate(
        live,
        "registerOrgUnit",
        {"name": "a" * 512 * 1024, "validFrom": "2020-01-01"},
        editor,
        UNIT,
    )
    assert time.monotonic() - started < 5
    error = refused(body, "name")
    assert "524288 characters; at most 200" in error["message"]
    assert len(error["message"]) < 300
    assert head(live) == before
    register(live, editor, "다음 기관")
    assert head(live) == before + 1


def test_idempotency_key_out_of_bounds_is_refused_for_every_mutation(
    live: Live, editor: str, unit: str
) -> None:
    before = head(live)
    for name, input in inputs(unit).items():
        for key in ("", "k" * 201):
            body = mutate(live, name, {**input, "idempotencyKey": key}, editor, "__typename")
            refused(body, "idempotencyKey")
    assert head(live) == before


def test_a_900_kb_idempotency_key_is_refused_and_200_characters_are_kept(
    live: Live, editor: str, unit: str
) -> None:
    before = head(live)
    input = {**inputs(unit)["registerOrgUnit"], "idempotencyKey": "k" * 900_000}
    refused(mutate(live, "registerOrgUnit", input, editor, UNIT), "idempotencyKey")
    assert head(live) == before
    input = {**inputs(unit)["registerOrgUnit"], "idempotencyKey": "키" * 200}
    first = mutate(live, "registerOrgUnit", input, editor, UNIT)
    again = mutate(live, "registerOrgUnit", input, editor, UNIT)
    assert not first.get("errors") and not again.get("errors"), (first, again)
    assert first["data"] == again["data"]
    assert head(live) == before + 1


def test_rows_whose_sum_overflows_an_int_are_refused_and_the_unit_stays_readable(
    live: Live, editor: str, unit: str
) -> None:
    recorded = mutate(live, "recordStaffing", inputs(unit)["recordStaffing"], editor, "__typename")
    assert not recorded.get("errors"), recorded
    before = head(live)
    biggest = 2**31 - 1
    rows = [
        {"jobCategory": "일반직", "grade": f"{g}급", "authorized": biggest, "current": biggest}
        for g in (5, 6, 7)
    ]
    input = {"orgUnitId": unit, "referenceDate": "2020-06-30", "rows": rows}
    refused(mutate(live, "recordStaffing", input, editor, "__typename"), "rows[0].authorized")
    half = [{**row, "authorized": 600_000, "current": 600_000} for row in rows[:2]]
    body = mutate(live, "recordStaffing", {**input, "rows": half}, editor, "__typename")
    assert "sums to 1200000" in refused(body, "rows")["message"]
    assert head(live) == before
    live.caught_up()
    query = 'query($id: ID!) { orgUnit(id: $id, asOf: "2020-12-31") { staffing { current } } }'
    assert live.data(query, {"id": unit})["orgUnit"]["staffing"] == {"current": 2}


QUERY = 'query($k: DateTime) { orgUnits(asOf: "2020-01-01", knownAt: $k) { id } }'


OUT_OF_RANGE = [
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T13:59:59+14:00",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T12:00:00-12:00",
]
IN_RANGE = ["0001-01-01T14:00:00+14:00", "9999-12-31T23:59:59+00:00", "2026-01-01T00:00:00Z"]


def test_a_known_at_whose_utc_instant_is_outside_the_calendar_is_bad_user_input(
    live: Live, unit: str
) -> None:
    for known_at in OUT_OF_RANGE:
        [error] = live.gql(QUERY, {"k": known_at})["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", error
        assert known_at in error["message"], error
    for known_at in IN_RANGE:
        body = live.gql(QUERY, {"k": known_at})
        assert "errors" not in body, (known_at, body)
    [error] = live.gql(QUERY, {"k": "2020-01-01T00:00:00"})["errors"]
    assert (error["extensions"]["code"], error["message"][:9]) == ("BAD_USER_INPUT", "knownAt: ")


READS = """query($id: ID!, $d: Date!) { orgUnit(id: $id, asOf: $d) {
  name staffing { current } budget(fiscalYear: 2020) { budgeted } tasks { title }
  indicators { name } history { edges { cursor } }
  changes(from: "2019-01-01", to: $d) { kind } } }"""


def test_dates_at_the_ends_of_the_calendar_do_not_break_reads(live: Live, unit: str) -> None:
    for day in ("9999-12-31", "0001-01-01", "2200-12-31"):
        body = live.gql(READS, {"id": unit, "d": day})
        assert "errors" not in body, (day, body)


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


CURSOR_READS = (
    "query($c: String) { events(after: $c) { edges { cursor } } }",
    "query($c: String, $id: ID!) { orgUnit(id: $id) { history(after: $c) { edges { cursor } } } }",
)


def test_a_well_formed_cursor_out_of_range_is_bad_user_input(live: Live, unit: str) -> None:
    for cursor in (encode(2**70), encode(2**63), b64("v1:-5"), b64("v1:" + "9" * 5000)):
        for query in CURSOR_READS:
            [error] = live.gql(query, {"c": cursor, "id": unit})["errors"]
            assert error["extensions"]["code"] == "BAD_USER_INPUT", error
            assert error["message"].startswith("after: "), error
    for query in CURSOR_READS:
        body = live.gql(query, {"c": encode(2**63 - 1), "id": unit})
        assert "errors" not in body, body


def test_a_control_character_in_an_event_filter_is_bad_user_input(live: Live, unit: str) -> None:
    query = "query($types: [String!]) { events(filter: {types: $types}) { edges { cursor } } }"
    [error] = live.gql(query, {"types": ["OrgUnitRegistered", "a\u0000b"]})["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "types[1]"}, error
    body = live.gql(query, {"types": ["OrgUnitRegistered"]})
    assert len(body["data"]["events"]["edges"]) == 1, body


def test_errors_do_not_echo_a_long_value_back(live: Live, editor: str, unit: str) -> None:
    input = {**inputs(unit)["renameOrgUnit"], "orgUnitId": "y" * 300_000}
    [error] = mutate(live, "renameOrgUnit", input, editor, "__typename")["errors"]
    assert error["extensions"] == {"code": "NOT_FOUND", "field": "orgUnitId"}, error
    assert len(error["message"]) < 200, error["message"][:300]


def unit_entry(key: str, name: str) -> str:
    return f'[[units]]\nkey = "{key}"\nname = "{name}"\nparent = ""\nvalid_from = "2019-01-01"\n'


@pytest.mark.parametrize(("name", "why"), [("기획\\u0000과", "U+0000"), ("가" * 201, "201 char")])
def test_the_importer_refuses_such_text_before_recording_anything(
    runtime: Runtime, tmp_path: Path, name: str, why: str
) -> None:
    source = '[source]\nfile = "a.txt"\ntitle = "t"\npublished = "p"\nnotes = []\n'
    text = source + unit_entry("hq", "본부") + unit_entry("dept", name)
    (tmp_path / "a.toml").write_text(text, encoding="utf-8")
    for dry_run in (True, False):
        with pytest.raises(CheckError, match=f"a.toml: units .*name: .*{re.escape(why)}"):
            Importer(runtime.ledger).import_folder(tmp_path, dry_run=dry_run)
    assert runtime.ledger.recorder.max_notification_id() in (None, 0)
