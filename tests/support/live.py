"""A live server in this process (uvicorn in a thread) over a runtime, and a client that speaks
GraphQL over HTTP as any client would."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn

from api.app import create_app
from api.runtime import Runtime
from tests.support.ports import free_port
from tests.support.tokens import make_token
from tests.support.waiting import wait_until


@dataclass
class Live:
    url: str
    runtime: Runtime

    def token(self, name: str, role: str) -> str:
        return make_token(self.runtime.config, name, role)

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

        def reached() -> bool:
            safe = services.freshness.safe_time
            return safe is not None and safe >= stamp

        wait_until(reached, "the server's read model to catch up", timeout, interval=0.02)

    def log_size(self) -> int:
        edges = self.data("{ events(first: 500) { edges { cursor } } }")["events"]["edges"]
        return len(edges)


@contextmanager
def serving(runtime: Runtime) -> Iterator[Live]:
    """The runtime's projector running, and a server over it on a free port until the end."""
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
    try:
        wait_until(lambda: server.started, "the server to start", timeout=20, interval=0.05)
        yield Live(f"http://127.0.0.1:{port}", runtime)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
