"""The log as auditors and integrations see it: keyset pages, filters, and the subscription
over graphql-transport-ws with catch-up from a cursor."""

from __future__ import annotations

import asyncio
from typing import Any

from gql import Client, gql
from gql.transport.websockets import WebsocketsTransport

from tests.support.live import Live
from tests.support.mutations import STAFFING, mutate, ok, register

PAGE = """query($after: String, $first: Int, $filter: EventFilter) {
  events(after: $after, first: $first, filter: $filter) {
    edges { cursor node { type subjectId subjectType actor data } }
    pageInfo { hasNextPage endCursor } } }"""


def page(live: Live, **variables: Any) -> dict[str, Any]:
    result: dict[str, Any] = live.data(PAGE, variables)["events"]
    return result


def record_staffing(live: Live, token: str, unit: str, day: str) -> None:
    ok(
        mutate(
            live,
            "recordStaffing",
            "RecordStaffingInput",
            "version",
            {**STAFFING, "orgUnitId": unit, "referenceDate": day},
            token,
        ),
        "recordStaffing",
    )


def test_keyset_pages_walk_the_whole_log_once(live: Live, editor: str) -> None:
    seoul = register(live, editor, "서울특별시")
    for day in ("2020-01-31", "2020-03-31", "2020-04-30"):
        record_staffing(live, editor, seoul, day)
    seen, after = [], None
    while True:
        current = page(live, after=after, first=2)
        seen += [edge["cursor"] for edge in current["edges"]]
        after = current["pageInfo"]["endCursor"]
        if not current["pageInfo"]["hasNextPage"]:
            break
    whole = page(live, first=500)
    assert seen == [edge["cursor"] for edge in whole["edges"]]
    assert len(seen) == 4 and len(set(seen)) == 4
    assert page(live, after=after, first=10)["edges"] == []


def test_filters_by_type_subject_and_unit_with_descendants(live: Live, editor: str) -> None:
    seoul = register(live, editor, "서울특별시")
    office = register(live, editor, "기획조정실", seoul)
    dept = register(live, editor, "기획담당관", office)
    mayor = register(live, editor, "시장비서실", seoul)
    record_staffing(live, editor, dept, "2020-04-20")
    record_staffing(live, editor, mayor, "2020-01-31")
    by_unit = page(live, filter={"orgUnitIds": [office]})["edges"]
    assert {(e["node"]["type"], e["node"]["subjectId"]) for e in by_unit} == {
        ("OrgUnitRegistered", office),
        ("OrgUnitRegistered", dept),
        ("StaffingRecorded", dept),
    }
    by_type = page(live, filter={"types": ["StaffingRecorded"]})["edges"]
    assert {e["node"]["subjectId"] for e in by_type} == {dept, mayor}
    by_subject = page(live, filter={"subjectIds": [mayor]})["edges"]
    assert [e["node"]["type"] for e in by_subject] == ["OrgUnitRegistered", "StaffingRecorded"]
    history = live.data(
        "query($id: ID!) { orgUnit(id: $id) { history { edges { node { type } } } } }", {"id": dept}
    )["orgUnit"]["history"]["edges"]
    assert [e["node"]["type"] for e in history] == ["OrgUnitRegistered", "StaffingRecorded"]


def test_bad_cursors_and_page_sizes_are_bad_user_input(live: Live) -> None:
    for variables in ({"after": "garbage"}, {"first": 501}, {"first": -1}):
        body = live.gql(PAGE, variables)
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", variables


SUBSCRIBE = gql("""subscription($after: String) {
  events(after: $after) { cursor type subjectId } }""")


def test_subscription_catches_up_from_a_cursor_then_follows(live: Live, editor: str) -> None:
    seoul = register(live, editor, "서울특별시")
    record_staffing(live, editor, seoul, "2020-01-31")
    first_cursor = page(live, first=1)["edges"][0]["cursor"]

    async def follow() -> list[dict[str, Any]]:
        url = live.url.replace("http", "ws") + "/graphql"
        transport = WebsocketsTransport(
            url=url, subprotocols=["graphql-transport-ws"], close_timeout=2
        )
        received: list[dict[str, Any]] = []
        async with Client(transport=transport) as session:
            SUBSCRIBE.variable_values = {"after": first_cursor}
            stream = session.subscribe(SUBSCRIBE)
            async for result in stream:
                received.append(result["events"])
                if len(received) == 1:
                    await asyncio.to_thread(record_staffing, live, editor, seoul, "2020-03-31")
                if len(received) == 2:
                    break
        return received

    received = asyncio.run(asyncio.wait_for(follow(), timeout=30))
    assert [r["type"] for r in received] == ["StaffingRecorded", "StaffingRecorded"]
    assert received[0]["cursor"] != first_cursor
    assert len({r["cursor"] for r in received}) == 2
