"""Errors a user can act on: the field and the reason (shown in FastAPI's own error shape).

Plain exceptions, so pure domain rules can raise them; `shared/http.py` turns them into
responses.
"""


class Rejected(Exception):
    """A request that breaks a rule; raised inside a unit of work, so nothing changes."""

    status_code = 422

    def __init__(self, field: str, reason: str, *, kind: str = "rejected") -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.kind = kind


class BadRequest(Rejected):
    status_code = 400

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(field, reason, kind="bad_request")


class NotFound(Rejected):
    status_code = 404

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(field, reason, kind="not_found")


class Conflict(Rejected):
    status_code = 409

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(field, reason, kind="conflict")
