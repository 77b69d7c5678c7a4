"""The request body limit of every service (the input policy, shared/inputs.py): a body larger
than the limit is a 413 problem naming it, and is never held in memory whole.

A Content-Length over the limit is refused before a byte is read; a body without one (chunked)
is counted as it is read, and refused once the bytes read pass the limit. Imports (a path ending
in /import) take up to `MAX_IMPORT_BODY_BYTES`, every other route `Settings.max_body_bytes`.

Starlette has a body limit of its own, but it answers a Content-Length over it in plain text
(replacing whatever the app answered), not as a problem: this one answers in one shape.
"""

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.http import problem_response
from shared.imports import MAX_IMPORT_BODY_BYTES

IMPORT_SUFFIX = "/import"


def too_large(limit: int) -> str:
    return f"the request body is larger than the limit of {limit} bytes; nothing changed"


class BodyTooLarge(HTTPException):
    """Raised while the body is read: FastAPI passes an HTTPException on unchanged, and the
    problem handlers (shared/http.py) answer it as any other."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=too_large(limit))


class BodyLimit:
    """ASGI middleware: see the module's docstring."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    def limit_of(self, path: str) -> int:
        return MAX_IMPORT_BODY_BYTES if path.endswith(IMPORT_SUFFIX) else self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_of(scope["path"])
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            response = problem_response(Request(scope), 413, too_large(limit))
            await response(scope, receive, send)
            return
        read = 0

        async def counted() -> Message:
            nonlocal read
            message = await receive()
            if message["type"] == "http.request":
                read += len(message.get("body", b""))
                if read > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)
