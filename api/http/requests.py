"""A GraphQL-over-HTTP request, read: its body (refused past MAX_BODY_BYTES), its parameters (from
a GET's query string or a POST's JSON body), and whether its client is still there while it is
answered."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import orjson
from prometheus_client import Counter
from starlette.types import Receive

from api.http.responses import JSON

MAX_BODY_BYTES = 1 << 20
CANCELLED = Counter(
    "govledger_requests_cancelled", "Queries cancelled because their client went away"
)
T = TypeVar("T")


class RequestError(Exception):
    """A request that is not a GraphQL request this server takes."""

    def __init__(
        self, status: int, message: str, code: str = "BAD_REQUEST", allow: str | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.allow = status, message, code, allow


class ClientGone(Exception):
    """The client closed the connection before its answer was ready."""


@dataclass(frozen=True)
class GraphQLRequest:
    query: str
    operation_name: str | None
    variables: dict[str, Any] | None
    canonical_variables: str


def decode_request(
    method: str, body: bytes, query_string: bytes, content_type: str
) -> GraphQLRequest:
    """The GraphQL parameters of a GET's query string or of a POST's JSON body."""
    if method == "GET":
        params: dict[str, Any] = dict(parse_qsl(query_string.decode("latin-1")))
        for key in ("variables", "extensions"):
            if isinstance(params.get(key), str):
                params[key] = _json(params[key].encode(), key)
    elif "json" in content_type:
        params = _json(body, "the body")
    else:
        raise RequestError(415, f"a POST needs Content-Type {JSON}, not {content_type or 'none'}")
    if not isinstance(params, dict):
        raise RequestError(400, "the body must be one JSON object (batches are not taken)")
    query, variables, name = (
        params.get("query"),
        params.get("variables"),
        params.get("operationName"),
    )
    if not isinstance(query, str) or not query.strip():
        raise RequestError(400, "No GraphQL query found in the request (query must be a string)")
    if variables is not None and not isinstance(variables, dict):
        raise RequestError(400, "variables must be a JSON object")
    if name is not None and not isinstance(name, str):
        raise RequestError(400, "operationName must be a string")
    extensions = params.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        raise RequestError(400, "extensions must be a JSON object")
    return GraphQLRequest(query, name, variables, _canonical(variables))


def _json(raw: bytes, what: str) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise RequestError(400, f"Unable to parse {what} as JSON: {error}") from None


def _canonical(variables: dict[str, Any] | None) -> str:
    try:
        return orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS).decode()
    except orjson.JSONEncodeError:  # nested past orjson's 255 levels, deeper than any input
        raise RequestError(400, "variables nest too deeply (at most 255 levels)") from None


async def read_body(receive: Receive, declared: str | None = None) -> bytes:
    """The body, refused (413) as soon as it is known to be too large: by its Content-Length
    before a byte is read, else once the bytes read pass the limit."""
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise RequestError(413, f"the body exceeds {MAX_BODY_BYTES} bytes", "PAYLOAD_TOO_LARGE")
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise RequestError(413, f"the body exceeds {MAX_BODY_BYTES} bytes", "PAYLOAD_TOO_LARGE")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def until_disconnect(receive: Receive, work: Awaitable[T]) -> T:
    """The outcome of work, awaited in this task, which a watcher cancels if the client goes
    away first (ClientGone)."""
    task = asyncio.current_task()
    assert task is not None
    watcher = asyncio.get_running_loop().create_task(_cancel_on_disconnect(receive, task))
    try:
        return await work
    except asyncio.CancelledError:
        if not watcher.done() or watcher.cancelled() or not watcher.result():
            raise  # cancelled from elsewhere (the server stopping)
        task.uncancel()
        CANCELLED.inc()
        raise ClientGone from None
    finally:
        watcher.cancel()


async def _cancel_on_disconnect(receive: Receive, task: asyncio.Task[Any]) -> bool:
    while (await receive())["type"] != "http.disconnect":
        pass
    return task.cancel()
