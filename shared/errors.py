"""Errors a user can act on: the field and the reason (shown in FastAPI's own error shape).

Plain exceptions, so pure domain rules can raise them; `shared/http.py` turns them into
responses.
"""

from collections.abc import Mapping


class Rejected(Exception):
    """A request that breaks a rule; raised inside a unit of work, so nothing changes."""

    status_code = 422

    def __init__(
        self,
        field: str,
        reason: str,
        *,
        kind: str = "rejected",
        extensions: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.kind = kind
        # Members the problem answer carries besides its own (RFC 9457 extension members, JSON
        # values): the facts behind the reason, for a client to say them in its own words.
        self.extensions = dict(extensions or {})


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


def check_resend(
    field: str, what: str, recorded: Mapping[str, object], asked: Mapping[str, object]
) -> None:
    """A client id sent again must ask for what it asked the first time: then the request is a
    harmless resend (an offline terminal's queue sent twice). Asked differently, it is a 409
    naming the fields that differ (never their values: they may be private, as worker codes
    are). `what` says what the id is already used for; only the fields of `asked` count."""
    differing = [name for name, value in asked.items() if recorded.get(name) != value]
    if differing:
        raise Conflict(field, f"{what}; it differs in {', '.join(differing)}")
