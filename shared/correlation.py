"""One correlation id per business flow, also across HTTP steps.

A request may bring the id of its flow (`X-Correlation-ID`, or the trace id of a W3C
`traceparent`); without one it starts a new flow. Every response says which id was in use: the
request's own, or that of the flow the request continued (a sign-off continues its batch's flow,
a completed order its order's), which `UnitOfWork.emit` records here.
"""

import re
from collections.abc import Awaitable, Callable, MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import orjson

from shared.http import PROBLEM, problem_body

HEADER = "X-Correlation-ID"
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass
class RequestFlow:
    """The flow a request belongs to; mutable, so what the handler decides reaches the reply."""

    correlation_id: UUID


_current: ContextVar[RequestFlow | None] = ContextVar("jejak_request_flow", default=None)


def request_flow() -> RequestFlow | None:
    """The flow of the HTTP request being handled; None outside requests (consumers)."""
    return _current.get()


class BadCorrelationHeader(ValueError):
    def __init__(self, header: str, reason: str) -> None:
        super().__init__(reason)
        self.header = header
        self.reason = reason


def correlation_from_headers(headers: dict[str, str]) -> UUID:
    """The flow named by the request's headers, or a new one."""
    given = headers.get(HEADER.lower())
    if given is not None:
        try:
            return UUID(given)
        except ValueError:
            raise BadCorrelationHeader(HEADER, f"{given[:60]!r} is not a UUID") from None
    traceparent = headers.get("traceparent")
    if traceparent is not None:
        match = _TRACEPARENT.match(traceparent.strip().lower())
        if match is None or match.group(1) == "0" * 32:
            raise BadCorrelationHeader(
                "traceparent", "expected 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>"
            )
        return UUID(hex=match.group(1))
    return uuid4()


class CorrelationMiddleware:
    """Plain ASGI (no per-request task or body buffering): sets the request's flow, answers
    with its id, and refuses a malformed header with a 400 naming it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {
            key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]
        }
        try:
            flow = RequestFlow(correlation_from_headers(headers))
        except BadCorrelationHeader as bad:
            await _refuse(send, bad, scope.get("path", ""))
            return

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                id_header = (HEADER.lower().encode(), str(flow.correlation_id).encode())
                message["headers"] = [*message.get("headers", []), id_header]
            await send(message)

        token = _current.set(flow)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _current.reset(token)


async def _refuse(send: Send, bad: BadCorrelationHeader, path: str) -> None:
    """A problem (RFC 9457) naming the header, as every other error answer is."""
    body = orjson.dumps(
        problem_body(
            400, bad.reason, path, kind="bad_request", errors=[(f"header.{bad.header}", bad.reason)]
        )
    )
    headers = [(b"content-type", PROBLEM.encode()), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": body})
