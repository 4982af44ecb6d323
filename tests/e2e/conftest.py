"""A live server on a free port, over the test's database, and a client that speaks GraphQL
over HTTP as any client would."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest
import uvicorn

from api.app import create_app
from api.auth import TOKENS_DDL, create_token
from api.runtime import Runtime


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Live:
    url: str
    runtime: Runtime

    def token(self, name: str, role: str) -> str:
        async def make() -> str:
            conn = await asyncpg.connect(**self.runtime.config.asyncpg_kwargs())
            try:
                await conn.execute(TOKENS_DDL)
                return await create_token(conn, name, role)
            finally:
                await conn.close()

        return asyncio.run(make())

    def gql(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = httpx.post(
            f"{self.url}/graphql",
            json={"query": query, "variables": variables or {}},
            headers=headers,
            timeout=30,
        )
        body: dict[str, Any] = response.json()
        return body

    def data(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        body = self.gql(query, variables, token)
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    def caught_up(self, timeout: float = 30) -> None:
        """Wait until the server answers from everything recorded so far: its projector works
        in the background, so `runtime.catch_up()` finds the projector lock taken."""
        head = self.runtime.ledger.recorder.max_notification_id()
        if head is None:
            return
        stamp = self.runtime.ledger.ledger_recorder.recorded_at([head])[head]
        services = self.runtime.services
        assert services is not None
        deadline = time.monotonic() + timeout
        while (safe := services.freshness.safe_time) is None or safe < stamp:
            assert time.monotonic() < deadline, "the server's read model did not catch up"
            time.sleep(0.02)

    def log_size(self) -> int:
        edges = self.data("{ events(first: 500) { edges { cursor } } }")["events"]["edges"]
        return len(edges)


@pytest.fixture
def live(runtime: Runtime) -> Iterator[Live]:
    runtime.catch_up()
    runtime.start_projector()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(runtime), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield Live(f"http://127.0.0.1:{port}", runtime)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def editor(live: Live) -> str:
    return live.token("editor-kim", "editor")
