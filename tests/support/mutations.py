"""Mutations over HTTP as a client sends them, and the inputs the end-to-end tests share."""

from __future__ import annotations

from typing import Any

from tests.support.live import Live

PAYLOAD = "version events { type subjectId subjectType validFrom actor reason source }"
STAFFING = {
    "referenceDate": "2020-01-31",
    "rows": [{"jobCategory": "일반직", "grade": "5급", "authorized": 2, "current": 2}],
}
BUDGET = {
    "fiscalYear": 2020,
    "item": "기관운영업무추진비",
    "referenceDate": "2020-01-31",
    "budgeted": 277_200_000,
    "executed": 52_661_000,
    "source": "000_cfa35aeae6f4c650.txt",
}
TASK = {
    "kind": "AUDIT_FOLLOW_UP",
    "title": "자료제출 시스템 마련",
    "status": "IN_PROGRESS",
    "validFrom": "2020-01-31",
    "category": "시정·처리요구사항",
    "number": 1,
    "responsible": "총무과",
}


def mutate(
    live: Live, name: str, input_type: str, selection: str, input: dict[str, Any], token: str | None
) -> dict[str, Any]:
    query = f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {selection} }} }}"
    return live.gql(query, {"input": input}, token)


def ok(body: dict[str, Any], name: str) -> dict[str, Any]:
    assert not body.get("errors"), body.get("errors")
    result: dict[str, Any] = body["data"][name]
    return result


def error_code(body: dict[str, Any]) -> str:
    assert body.get("errors"), body
    return str(body["errors"][0]["extensions"]["code"])


def register(live: Live, token: str, name: str, parent: str | None = None) -> str:
    """A unit registered over HTTP: its id."""
    body = mutate(
        live,
        "registerOrgUnit",
        "RegisterOrgUnitInput",
        f"orgUnit {{ id }} {PAYLOAD}",
        {"name": name, "parentId": parent, "validFrom": "2019-01-01"},
        token,
    )
    return str(ok(body, "registerOrgUnit")["orgUnit"]["id"])
