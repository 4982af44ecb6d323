"""Indicators over HTTP as a client: record and retract values, read them through
orgUnit.indicators and Query.indicator on both time axes, and each error code."""

from __future__ import annotations

from typing import Any

from tests.support.live import Live
from tests.support.mutations import error_code, mutate, ok

NO_ID = "00000000-0000-0000-0000-000000000000"
POINTS = "points { period kind value referenceDate printed source }"
INDICATOR = f"id name group measure asOf version owner {{ name }} {POINTS}"
PAYLOAD = (
    f"indicator {{ {INDICATOR} }} version events {{ type subjectType validFrom reason recordedAt }}"
)
FLEXIBLE = {
    "name": "유연근무 확대",
    "group": "정책 목표",
    "measure": "명",
    "referenceDate": "2013-01-23",
    "source": "003_e2f4961fe655de53.txt",
}
UNIT = """query($id: ID!, $asOf: Date, $knownAt: DateTime, $all: Boolean!) {
  orgUnit(id: $id, asOf: $asOf, knownAt: $knownAt) {
    indicators(includeDescendants: $all) { id name points(kind: TARGET) { period value } } } }"""
ONE = f"""query($id: ID!, $asOf: Date, $knownAt: DateTime) {{
  indicator(id: $id, asOf: $asOf, knownAt: $knownAt) {{ {INDICATOR} }} }}"""


def register(live: Live, token: str, name: str, parent: str | None = None) -> str:
    body = mutate(
        live,
        "registerOrgUnit",
        "RegisterOrgUnitInput",
        "orgUnit { id }",
        {"name": name, "parentId": parent, "validFrom": "2012-01-01"},
        token,
    )
    return str(ok(body, "registerOrgUnit")["orgUnit"]["id"])


def record(live: Live, token: str | None, input: dict[str, Any]) -> dict[str, Any]:
    return mutate(live, "recordIndicatorValue", "RecordIndicatorValueInput", PAYLOAD, input, token)


def retract(live: Live, token: str, input: dict[str, Any]) -> dict[str, Any]:
    return mutate(
        live, "retractIndicatorValue", "RetractIndicatorValueInput", PAYLOAD, input, token
    )


def test_record_read_and_retract_indicator_values(live: Live, editor: str) -> None:
    city = register(live, editor, "서울특별시")
    bureau = register(live, editor, "행정국", city)
    created = ok(
        record(
            live,
            editor,
            {
                **FLEXIBLE,
                "orgUnitId": bureau,
                "period": "2012",
                "kind": "ACTUAL",
                "value": 794,
                "printed": "794명('12)",
                "reason": "2013 업무보고",
            },
        ),
        "recordIndicatorValue",
    )
    indicator = created["indicator"]
    assert created["version"] == 2 and indicator["version"] == 2
    assert [e["type"] for e in created["events"]] == ["IndicatorOpened", "IndicatorValueRecorded"]
    assert {k: v for k, v in created["events"][1].items() if k != "recordedAt"} == {
        "type": "IndicatorValueRecorded",
        "subjectType": "Indicator",
        "validFrom": "2013-01-23",
        "reason": "2013 업무보고",
    }
    assert (indicator["name"], indicator["group"], indicator["measure"]) == (
        "유연근무 확대",
        "정책 목표",
        "명",
    )
    assert indicator["owner"] == {"name": "행정국"}
    assert indicator["points"] == [
        {
            "period": "2012",
            "kind": "ACTUAL",
            "value": 794,
            "referenceDate": "2013-01-23",
            "printed": "794명('12)",
            "source": "003_e2f4961fe655de53.txt",
        }
    ]
    for period, value in [("2013", 1000), ("2014", 2000)]:
        target = {**FLEXIBLE, "period": period, "kind": "TARGET", "value": value}
        body = record(live, editor, {**target, "indicatorId": indicator["id"], "orgUnitId": bureau})
        ok(body, "recordIndicatorValue")
    later = {**FLEXIBLE, "referenceDate": "2014-01-20", "kind": "TARGET", "value": 2500}
    body = ok(
        record(live, editor, {**later, "orgUnitId": bureau, "period": "2014"}),
        "recordIndicatorValue",
    )
    assert body["indicator"]["id"] == indicator["id"]
    before_retraction = body["events"][0]["recordedAt"]

    variables = {"id": city, "asOf": "2014-06-30", "all": True}
    read = live.data(UNIT, variables)["orgUnit"]["indicators"]
    assert read == [
        {
            "id": indicator["id"],
            "name": "유연근무 확대",
            "points": [{"period": "2013", "value": 1000}, {"period": "2014", "value": 2500}],
        }
    ]
    assert live.data(UNIT, {**variables, "all": False})["orgUnit"]["indicators"] == []

    reason = {"reason": "목표 수정 전 자료", "indicatorId": indicator["id"]}
    gone = {**reason, "period": "2014", "kind": "TARGET", "referenceDate": "2014-01-20"}
    retracted = ok(retract(live, editor, gone), "retractIndicatorValue")
    assert retracted["events"][0]["type"] == "IndicatorValueRetracted"
    assert retracted["indicator"]["points"][-1]["value"] == 2000
    known = live.data(ONE, {"id": indicator["id"], "asOf": "2014-06-30"})["indicator"]
    assert [(p["period"], p["kind"], p["value"]) for p in known["points"]] == [
        ("2012", "ACTUAL", 794),
        ("2013", "TARGET", 1000),
        ("2014", "TARGET", 2000),
    ]
    assert known["asOf"] == "2014-06-30"
    earlier = {"id": indicator["id"], "asOf": "2014-06-30", "knownAt": before_retraction}
    assert live.data(ONE, earlier)["indicator"]["points"][-1]["value"] == 2500
    assert live.data(ONE, {"id": indicator["id"], "asOf": "2013-01-22"})["indicator"] is None
    assert live.data(ONE, {"id": NO_ID})["indicator"] is None
    assert live.data(ONE, {"id": "not-an-id"})["indicator"] is None


def test_indicator_error_codes_and_a_failure_records_nothing(live: Live, editor: str) -> None:
    unit = register(live, editor, "행정국")
    value = {**FLEXIBLE, "orgUnitId": unit, "period": "2012", "kind": "ACTUAL", "value": 794}
    existing = ok(record(live, editor, value), "recordIndicatorValue")["indicator"]["id"]
    size = live.log_size()
    point = {"indicatorId": existing, "period": "2012", "kind": "ACTUAL"}
    reader = live.token("viewer", "reader")
    cases: list[tuple[str, str | None, dict[str, Any], str | None]] = [
        ("BAD_USER_INPUT", "period", {**value, "period": "'12"}, editor),
        ("BAD_USER_INPUT", "value", {**value, "value": -1}, editor),
        ("BAD_USER_INPUT", "measure", {**value, "measure": "%"}, editor),
        ("BAD_USER_INPUT", "referenceDate", {**value, "referenceDate": "2011-12-31"}, editor),
        ("BAD_USER_INPUT", None, {**value, "kind": "FORECAST"}, editor),
        ("NOT_FOUND", "orgUnitId", {**value, "orgUnitId": NO_ID}, editor),
        ("NOT_FOUND", "indicatorId", {**value, "indicatorId": NO_ID}, editor),
        (
            "CONFLICT",
            "expectedVersion",
            {**value, "indicatorId": existing, "expectedVersion": 1},
            editor,
        ),
        ("UNAUTHENTICATED", None, value, None),
        ("FORBIDDEN", None, value, reader),
    ]
    for code, field, input, token in cases:
        body = record(live, token, input)
        assert error_code(body) == code, (input, body)
        assert body["errors"][0]["extensions"].get("field") == field, body
    retractions: list[tuple[str, str | None, dict[str, Any], str]] = [
        (
            "BAD_USER_INPUT",
            "reason",
            {**point, "referenceDate": "2013-01-23", "reason": " "},
            editor,
        ),
        (
            "BAD_USER_INPUT",
            "referenceDate",
            {**point, "referenceDate": "2013-01-24", "reason": "x"},
            editor,
        ),
        (
            "NOT_FOUND",
            "indicatorId",
            {**point, "indicatorId": NO_ID, "referenceDate": "2013-01-23", "reason": "x"},
            editor,
        ),
        ("FORBIDDEN", None, {**point, "referenceDate": "2013-01-23", "reason": "x"}, reader),
    ]
    for code, field, input, token in retractions:
        body = retract(live, token, input)
        assert error_code(body) == code, (input, body)
        assert body["errors"][0]["extensions"].get("field") == field, body
    assert live.log_size() == size
