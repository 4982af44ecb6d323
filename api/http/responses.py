"""The answers of GraphQL over HTTP, as the GraphQL-over-HTTP specification shapes them:
`application/graphql-response+json` for a client that prefers it, `application/json` otherwise;
every failure in GraphQL's shape with `extensions.code` (api/errors.py); a database out of reach
503 with Retry-After; an answer that cannot change, over GET, with an ETag and
`Cache-Control: immutable`, and `304 Not Modified` for a client that has it already."""

from __future__ import annotations

from typing import Any

import orjson
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response

from api.errors import with_code
from api.http.cache import Lookup

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"
FINAL = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
RETRY_AFTER = "5"
UNAVAILABLE = "SERVICE_UNAVAILABLE"
STATUS = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403, UNAVAILABLE: 503}
"""The status of a request refused before execution with this code; 400 for the others."""


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


def request_errors(errors: list[GraphQLError], media: str) -> Response:
    """A document that does not parse or validate, or variables that do not coerce: 200
    with data null for application/json, 400 without data for graphql-response+json."""
    coded = [with_code(error) for error in errors]
    if media == GRAPHQL_RESPONSE:
        body = orjson.dumps({"errors": [error.formatted for error in coded]})  # no data
        return Response(body, 400, media_type=media)
    return Response(encode(None, coded), media_type=media)


def failed(errors: list[GraphQLError], media: str) -> Response:
    """An answer without data: the database out of reach (503), the request's variables
    (no error has a path: execution never began), or an error that reached the root."""
    if all((error.extensions or {}).get("code") == UNAVAILABLE for error in errors):
        headers = {"Retry-After": RETRY_AFTER}
        return Response(encode(None, errors), 503, headers=headers, media_type=media)
    if all(error.path is None for error in errors):
        return request_errors(errors, media)
    return Response(encode(None, errors), media_type=media)


def answer(request: Request, found: Lookup, body: bytes, media: str) -> Response:
    """An answer the cache has looked up or stored: over GET with its ETag and Cache-Control
    (304 when the client has it already)."""
    headers: dict[str, str] = {}
    if request.method == "GET" and found.etag and found.depends:
        headers["ETag"] = found.etag
        headers["Cache-Control"] = FINAL if found.depends.final else REVALIDATE
        if found.etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
    return Response(body, media_type=media, headers=headers)


def refusal(message: str, code: str, media: str) -> Response:
    status = STATUS.get(code, 400)
    headers = {"Retry-After": RETRY_AFTER} if status == 503 else None
    return Response(error_body(message, code, media), status, headers=headers, media_type=media)


def encode(data: dict[str, Any] | None, errors: list[GraphQLError] | None) -> bytes:
    answer: dict[str, Any] = {"data": data}
    if errors:
        answer["errors"] = [with_code(error).formatted for error in errors]
    return orjson.dumps(answer)
