"""Errors a user can act on: the field and the reason, in FastAPI's own error shape."""

from fastapi import Request
from fastapi.responses import JSONResponse


class Rejected(Exception):
    """A request that breaks a rule; raised inside a transaction, so nothing changes."""

    status_code = 422

    def __init__(self, field: str, reason: str, *, kind: str = "rejected") -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.kind = kind


class NotFound(Rejected):
    status_code = 404

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(field, reason, kind="not_found")


class Conflict(Rejected):
    status_code = 409

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(field, reason, kind="conflict")


async def rejected_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Rejected)
    return JSONResponse(
        status_code=exc.status_code,
        content={"detail": [{"loc": exc.field.split("."), "msg": exc.reason, "type": exc.kind}]},
    )
