"""GraphQL over HTTP (GET and POST /graphql), with answers that cannot change served from the
process cache (api/cache.py) and, over GET, with an ETag and `Cache-Control: immutable`, and
`304 Not Modified` for a client that has the answer already.

graphql-core executes Strawberry's schema, with the documents parsed and validated once
(api/documents.py); this module does what lies around an execution: reading the request, the
bearer token (from the process's token cache), the answer cache, encoding. Every failure
answers in GraphQL's shape, with `extensions.code` (api/errors.py, as for every transport)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import orjson
from graphql import ExecutionResult, GraphQLError, OperationType, execute
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry.execution.is_awaitable import optimized_is_awaitable

from api import documents
from api.cache import AnswerCache, Depends, Lookup, RequestKey
from api.context import Context, Services
from api.errors import Unauthenticated, with_code
from api.executor import LedgerExecutionContext
from api.schema import schema

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 1 << 20
JSON = "application/json"
FINAL = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


class RequestError(Exception):
    """A request that is not a GraphQL request this server takes."""

    def __init__(
        self, status: int, message: str, code: str = "BAD_REQUEST", allow: str | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.allow = status, message, code, allow


@dataclass(frozen=True)
class GraphQLRequest:
    query: str
    operation_name: str | None
    variables: dict[str, Any] | None
    canonical_variables: str


def error_body(message: str, code: str) -> bytes:
    return orjson.dumps(
        {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}
    )


def decode_request(
    method: str, body: bytes, query_string: bytes, content_type: str
) -> GraphQLRequest:
    if method == "GET":
        params: dict[str, Any] = dict(parse_qsl(query_string.decode("latin-1")))
        if isinstance(params.get("variables"), str):
            params["variables"] = _json(params["variables"].encode(), "variables")
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
        raise RequestError(400, "No GraphQL query found in the request")
    if variables is not None and not isinstance(variables, dict):
        raise RequestError(400, "variables must be a JSON object")
    if name is not None and not isinstance(name, str):
        raise RequestError(400, "operationName must be a string")
    canonical = orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS).decode()
    return GraphQLRequest(query, name, variables, canonical)


def _json(raw: bytes, what: str) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise RequestError(400, f"Unable to parse {what} as JSON") from None


async def read_body(receive: Receive) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise RequestError(400, "the client went away", "CLIENT_CLOSED")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise RequestError(413, f"the body exceeds {MAX_BODY_BYTES} bytes", "PAYLOAD_TOO_LARGE")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class GraphQLHTTP:
    def __init__(self, services: dict[str, Services], cache: AnswerCache) -> None:
        self.services = services
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await self.answer(request)
        except RequestError as error:
            headers = {"Allow": error.allow} if error.allow else None
            body = error_body(error.message, error.code)
            response = Response(body, error.status, headers=headers, media_type=JSON)
        except Unauthenticated as error:
            response = Response(error_body(error.message, error.code), 401, media_type=JSON)
        except Exception:
            log.exception("GraphQL request failed")
            body = error_body("Internal error; it was logged.", "INTERNAL_SERVER_ERROR")
            response = Response(body, 500, media_type=JSON)
        await response(scope, receive, send)

    async def answer(self, request: Request) -> Response:
        method = request.method
        if method not in ("GET", "POST"):
            raise RequestError(
                405,
                "GraphQL only supports GET and POST requests.",
                "METHOD_NOT_ALLOWED",
                "GET, POST",
            )
        body = await read_body(request.receive) if method == "POST" else b""
        graphql = decode_request(
            method,
            body,
            request.scope.get("query_string", b""),
            request.headers.get("content-type", ""),
        )
        services = self.services["current"]
        principal = await services.tokens.authenticate(request.headers.get("authorization"))
        document = documents.prepare(graphql.query)
        context = Context(services, principal)
        key: RequestKey = (
            graphql.query,
            graphql.operation_name,
            graphql.canonical_variables,
            principal.role if principal else None,
        )
        now = (context.position, context.safe_time if document.shows_known_at else None)
        found = self.cache.lookup(key, now if context.safe_time else None, context.today)
        if found.body is not None:
            return self.respond(request, found, found.body)
        body, depends = await self.execute(graphql, document, context, method)
        if depends is None:
            return Response(body, media_type=JSON)
        stored = self.cache.store(key, depends, now, context.today, body)
        return self.respond(request, stored, body)

    async def execute(
        self, graphql: GraphQLRequest, document: documents.Document, context: Context, method: str
    ) -> tuple[bytes, Depends | None]:
        """The encoded answer, and what it depends on if it may be kept."""
        if document.errors:
            return encode(None, document.errors), None
        operation = document.operation(graphql.operation_name)
        if operation is None:
            raise RequestError(400, "the document names no operation to run (operationName)")
        kind = operation.operation
        if kind == OperationType.SUBSCRIPTION:
            raise RequestError(400, "subscriptions are served over WebSocket on this path")
        if kind == OperationType.MUTATION and method == "GET":
            raise RequestError(
                405, "mutations are not allowed over GET", "METHOD_NOT_ALLOWED", "POST"
            )
        result = execute(
            schema._schema,
            document.node,  # type: ignore[arg-type]
            context_value=context,
            variable_values=graphql.variables,
            operation_name=graphql.operation_name,
            executor_class=LedgerExecutionContext,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
        )
        if optimized_is_awaitable(result):
            result = await result  # type: ignore[misc]
        assert isinstance(result, ExecutionResult)
        body = encode(result.data, result.errors)
        if result.errors or not context.cacheable or kind != OperationType.QUERY:
            return body, None
        return body, Depends(context.depends_on_today, context.depends_on_now)

    @staticmethod
    def respond(request: Request, found: Lookup, body: bytes) -> Response:
        headers: dict[str, str] = {}
        if request.method == "GET" and found.etag and found.depends:
            headers["ETag"] = found.etag
            headers["Cache-Control"] = FINAL if found.depends.final else REVALIDATE
            if found.etag in request.headers.get("if-none-match", ""):
                return Response(status_code=304, headers=headers)
        return Response(body, media_type=JSON, headers=headers)


def encode(data: dict[str, Any] | None, errors: list[GraphQLError] | None) -> bytes:
    answer: dict[str, Any] = {"data": data}
    if errors:
        answer["errors"] = [with_code(error).formatted for error in errors]
    return orjson.dumps(answer)
