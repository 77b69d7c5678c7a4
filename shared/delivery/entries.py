"""Stream entries as they come off Redis, and their decoding into contracts.

Wire format (language neutral): one field `__data__` holding the event as UTF-8 JSON. Entries
written by FastStream's own publisher (its binary envelope) are accepted too.
"""

from dataclasses import dataclass
from typing import TypeVar

from faststream.redis.parser import BinaryMessageFormatV1
from pydantic import ValidationError

from shared.contracts import Event

DATA_FIELD = b"__data__"
E = TypeVar("E", bound=Event)


@dataclass(frozen=True, slots=True)
class Entry:
    stream: str
    entry_id: str
    fields: dict[bytes, bytes]


class InvalidEntry(Exception):
    """An entry that can never be applied: it goes to the dead-letter stream at once."""

    def __init__(self, reason: str, error: str) -> None:
        super().__init__(f"{reason}: {error}")
        self.reason = reason
        self.error = error


def encode(event: Event) -> dict[bytes, bytes]:
    return {DATA_FIELD: event.model_dump_json().encode()}


def decode(entry: Entry, contract: type[E]) -> E:
    raw = entry.fields.get(DATA_FIELD)
    if raw is None:
        raise InvalidEntry("malformed", f"the entry has no {DATA_FIELD.decode()} field")
    payload = raw
    if raw.startswith(BinaryMessageFormatV1.IDENTITY_HEADER):
        # Only entries written by FastStream's own publisher: its parser would otherwise take
        # any JSON object with a "data" string for a legacy envelope (and cost two exceptions).
        payload, _headers = BinaryMessageFormatV1.parse(raw)
    try:
        return contract.model_validate_json(payload)
    except ValidationError as exc:
        reason = "malformed" if _is_json_error(exc) else "invalid"
        raise InvalidEntry(reason, describe(exc)) from exc


def describe(exc: ValidationError) -> str:
    """One line per problem: the field path and the reason."""
    return "; ".join(
        f"{'.'.join(str(part) for part in err['loc']) or '<root>'}: {err['msg']}"
        for err in exc.errors(include_url=False)
    )


def _is_json_error(exc: ValidationError) -> bool:
    return any(err["type"] == "json_invalid" for err in exc.errors())
