"""Error answers as RFC 9457 problem details, and their place in the OpenAPI documents.

Every error a service answers is `application/problem+json`:

    {"type": "tag:jejak,2025:problems/not-found", "title": "Not found", "status": 404,
     "detail": "no batch 0b6f...", "instance": "/batches/0b6f...",
     "field": "batch_id", "reason": "no batch 0b6f...",
     "errors": [{"field": "batch_id", "reason": "no batch 0b6f..."}]}

`type` names the kind of problem (a stable URI; `about:blank` for plain HTTP ones such as an
unknown route), `title` is the same for every problem of a type, `detail` is this occurrence,
`instance` the path asked for. Errors about fields list them in `errors` (a dotted location
without FastAPI's "body"/"query"/"path" prefix, and the reason); with exactly one, `field` and
`reason` say it at the top level too.

`install(app)` registers the handlers and completes the OpenAPI document: the `Problem` schema,
every FastAPI 422 answered with it. Routes declare the other 4xx they can answer through
`shared.auth.allow(..., errors=...)` (401 and 403 come with a role), built by
`problem_responses` below, in this one place.
"""

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException

from shared.errors import Rejected
from shared.inputs import text_problem

PROBLEM = "application/problem+json"
TYPE_PREFIX = "tag:jejak,2025:problems/"
BLANK = "about:blank"
# A path or query parameter longer than this is no code, id or filter of Jejak's.
MAX_PARAMETER_LENGTH = 200

# kind (of Rejected, or of the handlers below) -> the problem type's name and title
KINDS: dict[str, tuple[str, str]] = {
    "rejected": ("rejected", "The request breaks a rule"),
    "validation": ("validation", "The request is not valid"),
    "bad_request": ("bad-request", "Bad request"),
    "not_found": ("not-found", "Not found"),
    "conflict": ("conflict", "Conflict"),
    "forbidden": ("forbidden", "Forbidden"),
    "unauthorized": ("unauthorized", "Unauthorized"),
    "rate": ("rate-limited", "Too many requests"),
}

DESCRIPTIONS: dict[int, str] = {
    400: "Bad request: the field and why",
    401: "No bearer token, or one that does not verify (see WWW-Authenticate)",
    403: "The token's role or binding does not allow this",
    404: "No such thing",
    409: "Conflicts with the current state: the field and why",
    422: "A field that is not valid, or breaks a rule: the field and why",
    413: "The request body is larger than the route's limit (named in the detail)",
    429: "An anonymous client asked too often; see Retry-After",
    503: "Not ready: the checks that failed",
}

FIELD_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "FieldError",
    "required": ["field", "reason"],
    "properties": {
        "field": {"type": "string", "description": "Dotted location: rejections.0.defect_code"},
        "reason": {"type": "string"},
    },
}
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string", "description": "A URI naming the kind of problem"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string", "description": "The path asked for"},
        "field": {"type": "string", "description": "The field, when there is one"},
        "reason": {"type": "string", "description": "Why, when there is one field"},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
    },
}
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def problem_type(kind: str | None) -> str:
    return TYPE_PREFIX + KINDS[kind][0] if kind in KINDS else BLANK


def problem_body(
    status: int,
    detail: str,
    instance: str,
    *,
    kind: str | None = None,
    errors: Sequence[tuple[str, str]] = (),
    **extensions: Any,
) -> dict[str, Any]:
    """The problem's members; `kind` None: a plain HTTP problem (about:blank)."""
    body: dict[str, Any] = {
        "type": problem_type(kind),
        "title": KINDS[kind][1] if kind in KINDS else HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if len(errors) == 1:
        body["field"], body["reason"] = errors[0]
    if errors:
        body["errors"] = [{"field": field, "reason": reason} for field, reason in errors]
    return body | extensions


class ProblemResponse(JSONResponse):
    """A problem as ASCII JSON: a detail may quote what a client sent, and text that is not
    valid Unicode (a lone surrogate) cannot be encoded as UTF-8. It was a 500 raised while
    answering; escaped (\\ud800) it is the client's own text sent back."""

    media_type = PROBLEM

    def render(self, content: Any) -> bytes:
        return json.dumps(content, separators=(",", ":")).encode("ascii")


def problem_response(
    request: Request,
    status: int,
    detail: str,
    *,
    kind: str | None = None,
    errors: Sequence[tuple[str, str]] = (),
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body = problem_body(status, detail, request.url.path, kind=kind, errors=errors, **extensions)
    return ProblemResponse(body, status_code=status, headers=headers)


async def rejected_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Rejected)
    retry_after = getattr(exc, "retry_after_s", None)
    return problem_response(
        request,
        exc.status_code,
        exc.reason,
        kind=exc.kind,
        errors=[(exc.field, exc.reason)],
        headers={"Retry-After": str(retry_after)} if retry_after else None,
        **exc.extensions,
    )


SOURCES = ("body", "query", "path", "header", "cookie")


def field_of(location: Sequence[Any], error_type: str = "") -> str:
    """FastAPI's error location as a dotted field, without its source: ("body", "rejections",
    0, "defect_code") -> "rejections.0.defect_code"."""
    parts = [str(part) for part in location]
    if parts and parts[0] in SOURCES:
        source, parts = parts[0], parts[1:]
        if source == "body" and error_type == "json_invalid":
            parts = []
        if not parts:
            return source
    return ".".join(parts)


def _reason(error: Mapping[str, Any]) -> str:
    """A validation error's reason; pydantic's own for a lone surrogate in a code (a field with
    a pattern) says the policy's words instead (shared/inputs.py)."""
    if error.get("type") == "string_unicode":
        return text_problem("\ud800") or ""
    return str(error.get("msg", ""))


async def validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        (field_of(error.get("loc", ()), str(error.get("type", ""))), _reason(error))
        for error in exc.errors()
    ]
    if len(errors) == 1:
        detail = f"{errors[0][0]}: {errors[0][1]}"
    else:
        detail = f"{len(errors)} fields are not valid: {', '.join(f for f, _ in errors)}"
    return problem_response(request, 422, detail, kind="validation", errors=errors)


async def http_exception_handler(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's own: an unknown route (404), a method the route has not (405)."""
    assert isinstance(exc, HTTPException)
    detail = str(exc.detail)
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"nothing at {request.url.path}"
    elif exc.status_code == 405 and exc.headers and "Allow" in exc.headers:
        detail = f"{request.method} is not allowed here; allowed: {exc.headers['Allow']}"
    return problem_response(request, exc.status_code, detail, headers=exc.headers)


async def server_error_handler(request: Request, exc: Exception) -> JSONResponse:
    if connection_lost(exc):
        # The database dropped the connection (restarted, or it was terminated) or Redis is
        # away: nothing was committed, and the same request again shortly should succeed.
        detail = "a backing service is briefly unavailable; nothing changed, try again"
        return problem_response(request, 503, detail, headers={"Retry-After": "1"})
    return problem_response(request, 500, "an error of the service's own; it is logged")


def connection_lost(exc: BaseException) -> bool:
    """Whether a request failed because a connection to the database or Redis was lost (the
    pool drops the dead connection: no pre-ping, see shared/db.py), not because of a bug."""
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError)
    return isinstance(exc, RedisConnectionError)


def problem_responses(*statuses: int) -> dict[str, dict[str, Any]]:
    """OpenAPI responses of error statuses, each a problem (keys as the document has them)."""
    return {
        str(status): {
            "description": DESCRIPTIONS.get(status, HTTPStatus(status).phrase),
            "content": {PROBLEM: {"schema": dict(PROBLEM_REF)}},
        }
        for status in statuses
    }


def checked_parameters(request: Request, query: Collection[str]) -> None:
    """Path and query parameters (those of `query`) a database could choke on, refused at the
    edge with a 422: text the input policy refuses (shared/inputs.py: a NUL or another control
    character, a lone surrogate), or a value longer than any code, id or filter of Jejak's."""
    given = [("path", name, value) for name, value in request.path_params.items()]
    given += [
        ("query", name, value)
        for name, value in request.query_params.multi_items()
        if name in query
    ]
    errors = []
    for source, name, value in given:
        if not isinstance(value, str):
            continue
        if len(value) > MAX_PARAMETER_LENGTH:
            reason = f"longer than {MAX_PARAMETER_LENGTH} characters"
        elif (problem := text_problem(value)) is not None:
            reason = problem
        else:
            continue
        errors.append({"loc": (source, name), "msg": reason, "type": "value_error"})
    if errors:
        raise RequestValidationError(errors)


class CheckedRoute(APIRoute):
    """A route whose path and query parameters pass `checked_parameters` before anything
    else (its dependencies, its database); every service's router uses it."""

    def get_route_handler(self) -> Callable[[Request], Any]:
        handler = super().get_route_handler()
        query = _query_names(self.dependant)

        async def checked(request: Request) -> Any:
            checked_parameters(request, query)
            return await handler(request)

        return checked


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for dependency in dependant.dependencies:
        names |= _query_names(dependency)
    return names


def install(app: FastAPI) -> None:
    """Problem answers for every error, and the problem schema in the OpenAPI document."""
    app.add_exception_handler(Rejected, rejected_handler)
    app.add_exception_handler(RequestValidationError, validation_handler)
    app.add_exception_handler(HTTPException, http_exception_handler)
    app.add_exception_handler(Exception, server_error_handler)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = problems_documented(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def problems_documented(document: dict[str, Any]) -> dict[str, Any]:
    """FastAPI's 422s (HTTPValidationError) become problems, a body FastAPI cannot parse (not
    UTF-8: its 400) is declared on every route taking one; the schemas join the components."""
    problem_400, problem_422 = problem_responses(400)["400"], problem_responses(422)["422"]
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if "HTTPValidationError" in str(responses.get("422", "")):
                responses["422"] = problem_422
            if "requestBody" in operation and "400" not in responses:
                responses["400"] = problem_400
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    if "HTTPValidationError" not in str(document.get("paths")):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas["FieldError"] = FIELD_ERROR_SCHEMA
    return document
