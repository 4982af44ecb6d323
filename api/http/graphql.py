"""GraphQL over HTTP (GET and POST /graphql), as the GraphQL-over-HTTP specification has it
(`application/graphql-response+json` for a client that asks for it, `application/json`
otherwise), with answers that cannot change served from the process cache (api/cache.py) and,
over GET, with an ETag and `Cache-Control: immutable`, and `304 Not Modified` for a client that
has the answer already.

graphql-core executes Strawberry's schema, with the documents parsed and validated once
(api/documents.py, the limits of api/cost.py among the rules); this module does what lies
around an execution: reading the request, the bearer token (from the process's token cache),
refusing a mutation without a writer's token before its variables are read, the answer cache,
encoding, and cancelling a query whose client has gone. Every failure answers in GraphQL's
shape, with `extensions.code` (api/errors.py, as for every transport); a database out of reach
answers 503 with Retry-After."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import orjson
from graphql import ExecutionResult, GraphQLError, OperationType, execute
from prometheus_client import Counter
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry.execution.is_awaitable import optimized_is_awaitable

from api.auth import Principal, require_writer
from api.errors import ApiError, with_code
from api.graphql.context import Context, Services
from api.graphql.execution import documents
from api.graphql.execution.executor import LedgerExecutionContext
from api.graphql.schema import schema
from api.http.cache import AnswerCache, Depends, Lookup, RequestKey

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 1 << 20
JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"
FINAL = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
RETRY_AFTER = "5"
UNAVAILABLE = "SERVICE_UNAVAILABLE"
STATUS = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403, UNAVAILABLE: 503}
"""The status of a request refused before execution with this code; 400 for the others."""
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


def media_type(accept: str | None) -> str:
    """application/graphql-response+json when the client prefers it at least as much as
    application/json; application/json otherwise, and without an Accept header."""
    if not accept or "graphql-response" not in accept:
        return JSON
    quality = {GRAPHQL_RESPONSE: 0.0, JSON: 0.0}
    for part in accept.split(","):
        kind, *parameters = (p.strip() for p in part.split(";"))
        kind = JSON if kind in ("*/*", "application/*") else kind
        if kind in quality:
            quality[kind] = max(quality[kind], _quality(parameters))
    preferred = quality[GRAPHQL_RESPONSE]
    return GRAPHQL_RESPONSE if preferred > 0 and preferred >= quality[JSON] else JSON


def _quality(parameters: list[str]) -> float:
    for parameter in parameters:
        if parameter.startswith("q="):
            try:
                return float(parameter[2:])
            except ValueError:
                return 0.0
    return 1.0


def error_body(message: str, code: str, media: str = JSON) -> bytes:
    error = {"message": message, "extensions": {"code": code}}
    if media == GRAPHQL_RESPONSE:  # a request error: no data entry
        return orjson.dumps({"errors": [error]})
    return orjson.dumps({"data": None, "errors": [error]})


def decode_request(
    method: str, body: bytes, query_string: bytes, content_type: str
) -> GraphQLRequest:
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


class GraphQLHTTP:
    def __init__(self, services: dict[str, Services], cache: AnswerCache) -> None:
        self.services = services
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        media = media_type(request.headers.get("accept"))
        try:
            response = await self.answer(request, media)
        except ClientGone:
            return
        except RequestError as error:
            headers = {"Allow": error.allow} if error.allow else None
            body = error_body(error.message, error.code, media)
            response = Response(body, error.status, headers=headers, media_type=media)
        except ApiError as error:  # refused before execution: a token, a role, the database
            response = refusal(error.message, error.code, media)
        except Exception:
            log.exception("GraphQL request failed")
            body = error_body("Internal error; it was logged.", "INTERNAL_SERVER_ERROR", media)
            response = Response(body, 500, media_type=media)
        await response(scope, receive, send)

    async def answer(self, request: Request, media: str) -> Response:
        method = request.method
        if method not in ("GET", "POST"):
            raise RequestError(
                405,
                "GraphQL only supports GET and POST requests.",
                "METHOD_NOT_ALLOWED",
                "GET, POST",
            )
        headers = request.headers
        body = b""
        if method == "POST":
            body = await read_body(request.receive, headers.get("content-length"))
        graphql = decode_request(
            method, body, request.scope.get("query_string", b""), headers.get("content-type", "")
        )
        services = self.services["current"]
        principal = await services.tokens.authenticate(headers.get("authorization"))
        document = documents.prepare(graphql.query)
        if document.errors:
            return self.request_errors(document.errors, media)
        kind = operation_kind(document, graphql.operation_name, method, principal)
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
            return self.respond(request, found, found.body, media)
        result = self.execute(graphql, document, context)
        if not isinstance(result, ExecutionResult):  # it awaits something: the database
            if kind == OperationType.QUERY:  # (a write the client started is carried out)
                result = await until_disconnect(request.receive, result)
            else:
                result = await result
        errors = [with_code(error) for error in result.errors or ()]
        if result.data is None and errors:
            return self.failed(errors, media)
        body = encode(result.data, errors)
        if errors or not context.cacheable or kind != OperationType.QUERY:
            return Response(body, media_type=media)
        depends = Depends(context.depends_on_today, context.depends_on_now)
        stored = self.cache.store(key, depends, now, context.today, body)
        return self.respond(request, stored, body, media)

    @staticmethod
    def execute(
        graphql: GraphQLRequest, document: documents.Document, context: Context
    ) -> ExecutionResult | Awaitable[ExecutionResult]:
        """The result, or what to await for it once execution reaches a resolver that awaits."""
        return execute(
            schema._schema,
            document.node,  # type: ignore[arg-type]
            context_value=context,
            variable_values=graphql.variables,
            operation_name=graphql.operation_name,
            executor_class=LedgerExecutionContext,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
        )

    @staticmethod
    def request_errors(errors: list[GraphQLError], media: str) -> Response:
        """A document that does not parse or validate, or variables that do not coerce: 200
        with data null for application/json, 400 without data for graphql-response+json."""
        coded = [with_code(error) for error in errors]
        if media == GRAPHQL_RESPONSE:
            body = orjson.dumps({"errors": [error.formatted for error in coded]})  # no data
            return Response(body, 400, media_type=media)
        return Response(encode(None, coded), media_type=media)

    def failed(self, errors: list[GraphQLError], media: str) -> Response:
        """An answer without data: the database out of reach (503), the request's variables
        (no error has a path: execution never began), or an error that reached the root."""
        if all((error.extensions or {}).get("code") == UNAVAILABLE for error in errors):
            headers = {"Retry-After": RETRY_AFTER}
            return Response(encode(None, errors), 503, headers=headers, media_type=media)
        if all(error.path is None for error in errors):
            return self.request_errors(errors, media)
        return Response(encode(None, errors), media_type=media)

    @staticmethod
    def respond(request: Request, found: Lookup, body: bytes, media: str) -> Response:
        headers: dict[str, str] = {}
        if request.method == "GET" and found.etag and found.depends:
            headers["ETag"] = found.etag
            headers["Cache-Control"] = FINAL if found.depends.final else REVALIDATE
            if found.etag in request.headers.get("if-none-match", ""):
                return Response(status_code=304, headers=headers)
        return Response(body, media_type=media, headers=headers)


def operation_kind(
    document: documents.Document, name: str | None, method: str, principal: Principal | None
) -> OperationType:
    """The kind of the operation to run, once the request may run it: a mutation only over
    POST, and with a writer's token (decided before its variables are read)."""
    operation = document.operation(name)
    if operation is None:
        raise RequestError(400, document.why_none(name))
    kind = operation.operation
    if kind == OperationType.SUBSCRIPTION:
        raise RequestError(
            400, "subscriptions are served over WebSocket (graphql-transport-ws) on this path"
        )
    if kind == OperationType.MUTATION:
        if method == "GET":
            raise RequestError(
                405, "mutations are not allowed over GET", "METHOD_NOT_ALLOWED", "POST"
            )
        require_writer(principal)
    return kind


def refusal(message: str, code: str, media: str) -> Response:
    status = STATUS.get(code, 400)
    headers = {"Retry-After": RETRY_AFTER} if status == 503 else None
    return Response(error_body(message, code, media), status, headers=headers, media_type=media)


def encode(data: dict[str, Any] | None, errors: list[GraphQLError] | None) -> bytes:
    answer: dict[str, Any] = {"data": data}
    if errors:
        answer["errors"] = [with_code(error).formatted for error in errors]
    return orjson.dumps(answer)
