"""Errors over WebSocket (graphql-transport-ws, as a client speaks it) go through the same code
mapping as over HTTP (api/errors.py): each error carries extensions.code, and an unexpected
failure shows no internals. The limits of api/cost.py hold on this transport too."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from datetime import date
from typing import Any

import asyncpg
import pytest
from websockets.exceptions import ConnectionClosedError
from websockets.sync.client import connect

from api.graphql import cursors
from api.graphql.execution.limits import MAX_TOKENS
from domain import commands as c
from tests.conftest import EDITOR
from tests.support.live import Live

Message = dict[str, Any]
EVENTS = "subscription($after: String) { events(after: $after) { type cursor } }"


def operate(live: Live, query: str, variables: dict[str, Any] | None = None) -> list[Message]:
    """The messages of one operation, up to its error or completion."""
    url = live.url.replace("http://", "ws://") + "/graphql"
    with connect(url, subprotocols=["graphql-transport-ws"], open_timeout=10) as ws:  # type: ignore[list-item]
        ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
        payload = {"query": query, "variables": variables or {}}
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        messages: list[Message] = []
        while not messages or messages[-1]["type"] not in ("error", "complete"):
            messages.append(json.loads(ws.recv(timeout=20)))
        return messages


def errors_of(messages: list[Message]) -> list[Message]:
    """The errors the operation answered, whether in a `next` or in an `error` message."""
    found: list[Message] = []
    for message in messages:
        if message["type"] == "next":
            found += message["payload"].get("errors", [])
        elif message["type"] == "error":
            found += message["payload"]
    assert found, messages
    return found


def test_a_bad_cursor_is_bad_user_input(live: Live) -> None:
    errors = errors_of(operate(live, EVENTS, {"after": "not-a-cursor"}))
    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"], errors
    assert "not-a-cursor" in errors[0]["message"]


def test_a_validation_error_carries_its_code(live: Live) -> None:
    errors = errors_of(operate(live, "subscription { events { noSuchField } }"))
    assert errors[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED", errors


def test_an_unexpected_failure_shows_no_internals(live: Live) -> None:
    """The log's table gone from under the server: the subscriber learns that something
    failed, not which table the server reads."""

    async def drop_the_log() -> None:
        conn = await asyncpg.connect(**live.runtime.config.asyncpg_kwargs())
        try:
            await conn.execute("ALTER TABLE rm_events RENAME TO rm_events_gone")
        finally:
            await conn.close()

    services = live.runtime.services
    assert services is not None and services.fanout is not None
    services.fanout.recent = deque(services.fanout.recent, maxlen=2)  # a short window
    for n in range(4):
        live.runtime.ledger.execute(c.RegisterOrgUnit(f"단위 {n}", None, date(2020, 1, 1)), EDITOR)
    live.caught_up()
    asyncio.run(drop_the_log())
    # from the start, behind the shared stream's window: the subscriber reads the log itself
    errors = errors_of(operate(live, EVENTS, {"after": cursors.encode(0)}))
    assert [e["extensions"]["code"] for e in errors] == ["INTERNAL_SERVER_ERROR"], errors
    assert errors[0]["message"] == "Internal error; it was logged."
    assert "rm_events" not in json.dumps(errors)


def test_the_query_limits_hold_over_websocket(live: Live) -> None:
    bomb = fragment_bomb(26)
    errors = errors_of(operate(live, bomb))
    assert errors[0]["extensions"]["code"] == "QUERY_TOO_COMPLEX", errors
    aliases = " ".join(f"t{i}: type" for i in range(1000))
    errors = errors_of(operate(live, "subscription { events { " + aliases + " } }"))
    assert [e["extensions"]["code"] for e in errors] == ["QUERY_TOO_COMPLEX"], errors
    assert "1000 aliases" in errors[0]["message"]


def test_a_document_past_the_token_limit_is_refused_as_the_protocol_says(live: Live) -> None:
    """graphql-transport-ws: a document that does not parse closes the socket with 4400."""
    too_long = "query { " + "__typename " * MAX_TOKENS + "}"
    with pytest.raises(ConnectionClosedError) as closed:
        operate(live, too_long)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400
    assert f"more than {MAX_TOKENS} tokens" in closed.value.rcvd.reason


def fragment_bomb(levels: int) -> str:
    """levels fragments, each spreading the one before twice: 2^(levels-1) fields expanded."""
    fragments = ["fragment F0 on Event { type }"]
    fragments += [f"fragment F{i} on Event {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels)]
    return f"subscription {{ events {{ ...F{levels - 1} }} }} " + " ".join(fragments)
