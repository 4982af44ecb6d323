"""GraphQL over HTTP as a client and an HTTP cache see it (api/http.py): an answer for a past
knownAt is final (immutable, with an ETag, 304 when the client has it); one without knownAt is
revalidated, its ETag following the writes; GET and POST give the same bytes; requests this
server does not take are refused in GraphQL's shape with a status and an extensions.code."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from api.http.requests import MAX_BODY_BYTES
from api.http.responses import FINAL, REVALIDATE
from tests.support.live import Live

Json = dict[str, Any]
AT = """query($id: ID!, $knownAt: DateTime) {
  orgUnit(id: $id, asOf: "2020-03-31", knownAt: $knownAt) {
    name knownAt staffing { referenceDate current rows { grade current } } } }"""
NOW = """query($id: ID!) { orgUnit(id: $id, asOf: "2020-03-31") {
  name staffing { current } } }"""
REGISTER = """mutation($input: RegisterOrgUnitInput!) {
  registerOrgUnit(input: $input) { orgUnit { id } } }"""
STAFF = """mutation($input: RecordStaffingInput!) {
  recordStaffing(input: $input) { staffing { current } events { recordedAt } } }"""


def get(
    live: Live, query: str, variables: Json | None = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    params = {"query": query}
    if variables is not None:
        params["variables"] = json.dumps(variables)
    return httpx.get(f"{live.url}/graphql", params=params, headers=headers or {}, timeout=30)


def post(
    live: Live, query: str, variables: Json | None = None, token: str | None = None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {"query": query, "variables": variables or {}}
    return httpx.post(f"{live.url}/graphql", json=body, headers=headers, timeout=30)


def refusal(response: httpx.Response, status: int) -> str:
    """The extensions.code of a refused request, once its status and shape are checked."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["message"]
    code: str = body["errors"][0]["extensions"]["code"]
    return code


def register(live: Live, token: str, name: str) -> str:
    input = {"name": name, "validFrom": "2019-01-01"}
    return str(live.data(REGISTER, {"input": input}, token)["registerOrgUnit"]["orgUnit"]["id"])


def staff(live: Live, token: str, unit: str, current: int) -> str:
    """Record a figure; the recordedAt of its event."""
    rows = [{"jobCategory": "일반직", "grade": "5급", "current": current}]
    input = {"orgUnitId": unit, "referenceDate": "2020-01-31", "rows": rows}
    found = live.data(STAFF, {"input": input}, token)["recordStaffing"]
    assert found["staffing"] == {"current": current}
    return str(found["events"][0]["recordedAt"])


@pytest.fixture
def unit(live: Live, editor: str) -> str:
    unit = register(live, editor, "시장비서실")
    staff(live, editor, unit, 2)
    return unit


def test_an_answer_for_a_past_known_at_is_immutable_and_revalidates_to_304(
    live: Live, editor: str, unit: str
) -> None:
    recorded = staff(live, editor, unit, 4)
    variables = {"id": unit, "knownAt": recorded}
    first = get(live, AT, variables)
    assert first.status_code == 200
    assert first.headers["cache-control"] == FINAL
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert first.json()["data"]["orgUnit"]["staffing"]["current"] == 4
    assert first.json()["data"]["orgUnit"]["knownAt"] == recorded

    again = get(live, AT, variables)
    assert (again.headers["etag"], again.content) == (etag, first.content)

    not_modified = get(live, AT, variables, {"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["etag"] == etag
    assert not_modified.headers["cache-control"] == FINAL

    other = get(live, AT, variables, {"If-None-Match": '"not-this-one"'})
    assert other.status_code == 200 and other.content == first.content


def test_a_past_answer_stays_the_same_after_more_writes(live: Live, editor: str, unit: str) -> None:
    recorded = staff(live, editor, unit, 4)
    variables = {"id": unit, "knownAt": recorded}
    before = get(live, AT, variables)
    staff(live, editor, unit, 9)
    after = get(live, AT, variables)
    assert after.status_code == 200
    assert (after.headers["etag"], after.content) == (before.headers["etag"], before.content)
    recomputed = post(live, AT, variables, editor)  # another cache key: executed again
    assert recomputed.content == before.content
    assert get(live, NOW, {"id": unit}).json()["data"]["orgUnit"]["staffing"]["current"] == 9


def test_a_read_without_known_at_is_revalidated_and_its_etag_follows_writes(
    live: Live, editor: str, unit: str
) -> None:
    first = get(live, NOW, {"id": unit})
    assert first.status_code == 200
    assert first.headers["cache-control"] == REVALIDATE
    assert first.json()["data"]["orgUnit"]["staffing"]["current"] == 2
    staff(live, editor, unit, 7)
    second = get(live, NOW, {"id": unit}, {"If-None-Match": first.headers["etag"]})
    assert second.status_code == 200
    assert second.headers["cache-control"] == REVALIDATE
    assert second.headers["etag"] != first.headers["etag"]
    assert second.json()["data"]["orgUnit"]["staffing"]["current"] == 7


def test_a_known_at_in_the_future_or_no_as_of_is_not_final(live: Live, unit: str) -> None:
    future = get(live, AT, {"id": unit, "knownAt": "2999-01-01T00:00:00+09:00"})
    assert future.status_code == 200
    assert future.headers["cache-control"] == REVALIDATE
    today = get(live, "query($id: ID!) { orgUnit(id: $id) { name } }", {"id": unit})
    assert today.headers["cache-control"] == REVALIDATE


def test_an_answer_with_errors_carries_no_cache_headers(live: Live, unit: str) -> None:
    invalid = get(live, "{ orgUnits { nope } }")
    assert invalid.status_code == 200 and invalid.json()["errors"]
    naive = get(live, AT, {"id": unit, "knownAt": "2020-01-01T00:00:00"})
    assert naive.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    for response in (invalid, naive):
        assert "etag" not in response.headers
        assert "cache-control" not in response.headers


def test_post_answers_are_the_same_bytes_as_get(live: Live, editor: str, unit: str) -> None:
    """Asked over GET, over POST, and over POST with a token (another cache key, so executed
    apart), a read answers the same bytes."""
    recorded = staff(live, editor, unit, 5)
    for query, variables in ((AT, {"id": unit, "knownAt": recorded}), (NOW, {"id": unit})):
        by_get = get(live, query, variables)
        by_post = post(live, query, variables)
        by_writer = post(live, query, variables, editor)
        assert by_get.status_code == by_post.status_code == by_writer.status_code == 200
        assert by_post.headers["content-type"] == by_get.headers["content-type"]
        assert by_post.content == by_get.content == by_writer.content
        assert b'"current":5' in by_get.content


def test_a_mutation_over_get_is_refused_and_records_nothing(live: Live, editor: str) -> None:
    before = live.log_size()
    mutation = """mutation {
      registerOrgUnit(input: {name: "총무과", validFrom: "2020-01-01"}) { version } }"""
    response = get(live, mutation, headers={"Authorization": f"Bearer {editor}"})
    assert refusal(response, 405) == "METHOD_NOT_ALLOWED"
    assert live.log_size() == before


def test_a_post_that_is_not_json_is_refused_with_415(live: Live) -> None:
    body = json.dumps({"query": "{ orgUnits { name } }"})
    for headers in ({"Content-Type": "text/plain"}, {"Content-Type": "application/graphql"}, {}):
        response = httpx.post(f"{live.url}/graphql", content=body, headers=headers, timeout=30)
        assert refusal(response, 415) == "BAD_REQUEST"


@pytest.mark.parametrize(
    "body",
    [b'{"query": "{ orgUnits { name } }"', b"not json", b"[1, 2]", b'{"query": 42}'],
    ids=["cut-short", "not-json", "a-batch", "query-not-a-string"],
)
def test_a_malformed_body_is_refused_with_400(live: Live, body: bytes) -> None:
    headers = {"Content-Type": "application/json"}
    response = httpx.post(f"{live.url}/graphql", content=body, headers=headers, timeout=30)
    assert refusal(response, 400) == "BAD_REQUEST"


def test_malformed_variables_over_get_are_refused_with_400(live: Live) -> None:
    params = {"query": NOW, "variables": "{not json"}
    response = httpx.get(f"{live.url}/graphql", params=params, timeout=30)
    assert refusal(response, 400) == "BAD_REQUEST"


def padded(size: int) -> bytes:
    """A valid request of exactly size bytes."""
    head = b'{"query": "{ orgUnits { name } }", "pad": "'
    return head + b"x" * (size - len(head) - 2) + b'"}'


def test_the_body_limit_takes_up_to_the_limit_and_refuses_beyond_with_413(live: Live) -> None:
    headers = {"Content-Type": "application/json"}
    at_limit = padded(MAX_BODY_BYTES)
    assert len(at_limit) == MAX_BODY_BYTES and json.loads(at_limit)
    taken = httpx.post(f"{live.url}/graphql", content=at_limit, headers=headers, timeout=30)
    assert taken.status_code == 200 and "errors" not in taken.json()
    beyond = httpx.post(
        f"{live.url}/graphql", content=padded(MAX_BODY_BYTES + 1), headers=headers, timeout=30
    )
    assert refusal(beyond, 413) == "PAYLOAD_TOO_LARGE"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_another_method_is_refused_with_405_in_graphqls_shape(live: Live, method: str) -> None:
    """api/http.py: every failure answers in GraphQL's shape, with extensions.code."""
    response = httpx.request(method, f"{live.url}/graphql", timeout=30)
    assert refusal(response, 405) == "METHOD_NOT_ALLOWED"


def test_a_mutation_refused_over_get_names_the_method_allowed(live: Live) -> None:
    """RFC 9110 (15.5.6): a 405 response carries Allow; here, POST."""
    response = get(live, "mutation { __typename }")
    assert response.status_code == 405
    assert "POST" in response.headers.get("allow", "")
