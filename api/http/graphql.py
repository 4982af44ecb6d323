"""GraphQL over HTTP (GET and POST /graphql): what lies around an execution. The request is read
(requests.py); the bearer token is checked (from the process's token cache); the document comes
from the one pipeline both transports use (api/graphql/execution/); a mutation without a
writer's token is refused before its variables are read; an answer that cannot change is served
from the process cache (cache.py); a query whose client has gone is cancelled; and every answer,
failures included, is shaped as responses.py has it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from graphql import ExecutionResult, OperationType
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from api.auth import Principal, require_writer
from api.errors import ApiError, with_code
from api.graphql.context import Context, Services
from api.graphql.execution import executor
from api.graphql.execution.documents import Document
from api.graphql.schema import prepare, schema
from api.http import responses
from api.http.cache import AnswerCache, Depends, RequestKey
from api.http.requests import (
    ClientGone,
    GraphQLRequest,
    RequestError,
    decode_request,
    read_body,
    until_disconnect,
)
from api.http.responses import error_body, media_type

log = logging.getLogger(__name__)


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
            response = responses.refusal(error.message, error.code, media)
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
        document = prepare(graphql.query)
        if document.errors:
            return responses.request_errors(document.errors, media)
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
            return responses.answer(request, found, found.body, media)
        try:
            result = execute(graphql, document, context)
            if not isinstance(result, ExecutionResult):  # it awaits something: the database
                if kind == OperationType.QUERY:  # (a write the client started is carried out)
                    result = await until_disconnect(request.receive, result)
                else:
                    result = await result
        finally:
            context.loaders.close()
        errors = [with_code(error) for error in result.errors or ()]
        if result.data is None and errors:
            return responses.failed(errors, media)
        body = responses.encode(result.data, errors)
        if errors or not context.cacheable or kind != OperationType.QUERY:
            return Response(body, media_type=media)
        depends = Depends(context.depends_on_today, context.depends_on_now)
        stored = self.cache.store(key, depends, now, context.today, body)
        return responses.answer(request, stored, body, media)


def execute(
    graphql: GraphQLRequest, document: Document, context: Context
) -> ExecutionResult | Awaitable[ExecutionResult]:
    assert document.node is not None
    return executor.run(
        schema._schema, document.node, context, graphql.variables, graphql.operation_name
    )


def operation_kind(
    document: Document, name: str | None, method: str, principal: Principal | None
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
