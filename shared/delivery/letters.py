"""Dead letters as they are read back, and what may be replayed: one reading for the `jejak`
CLI (every service's letters, as the Redis administrator: jejak/streams.py) and for each
service's own operations API (its own letters, with its own Redis user: shared/ops.py).

A letter is only a pointer: replay trusts neither its copy of the entry nor its word on where
the entry came from. It must name the group whose dead letters hold it and a stream that group
consumes; the entry is then re-read from that stream by id, and refused if it would still be
invalid or is older than the inbox retention (groups may have forgotten they applied it).
"""

import contextlib
import dataclasses
import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.contracts import ALL_EVENTS
from shared.delivery.dead_letters import ORIGINAL_PREFIX
from shared.delivery.entries import DATA_FIELD, Entry, InvalidEntry, decode
from shared.delivery.retention import entry_time

# 19 digits at most: both halves of a Redis id are 64-bit, and a longer one would be a 500.
ENTRY_ID = re.compile(r"^\d{1,19}-\d{1,19}$")


@dataclass(frozen=True)
class Letter:
    """A letter of a dead-letter stream (fields: shared.delivery.dead_letters.DeadLetter)."""

    service: str  # whose dead letters hold it: the group that set it aside is this service's
    entry_id: str  # its id in that service's dead-letter stream
    source_stream: str
    source_group: str
    reason: str
    error: str
    source_entry_id: str = ""
    deliveries: str = ""
    dead_at: str = ""
    original: dict[str, bytes] = field(default_factory=dict)  # the entry's fields, unprefixed

    @property
    def letter_id(self) -> str:
        """How the CLI and the console name it: `<service>/<entry id>`."""
        return f"{self.service}/{self.entry_id}"

    @property
    def payload(self) -> dict[str, Any] | None:
        """The original event as JSON, if it is a JSON object."""
        try:
            payload = json.loads(self.original.get(DATA_FIELD.decode(), b""))
        except ValueError:
            return None
        return payload if isinstance(payload, dict) else None

    @property
    def event_type(self) -> str | None:
        value = (self.payload or {}).get("event_type")
        return value if isinstance(value, str) else None

    @property
    def event_id(self) -> str | None:
        value = (self.payload or {}).get("event_id")
        return value if isinstance(value, str) else None

    @property
    def event(self) -> str:
        """`<event_type> <event_id>` of the original, as far as it says."""
        return f"{self.event_type or '?'} {self.event_id or '?'}"

    def event_time(self) -> datetime | None:
        """The older of its entry's XADD time and the event's recorded_at: since when groups
        may have applied it."""
        times = []
        if ENTRY_ID.match(self.source_entry_id):
            times.append(entry_time(self.source_entry_id))
        with contextlib.suppress(KeyError, TypeError, ValueError):
            recorded = datetime.fromisoformat((self.payload or {})["recorded_at"])
            times.append(recorded if recorded.tzinfo else recorded.replace(tzinfo=UTC))
        return min(times, default=None)


def text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def read_letter(service: str, entry_id: bytes | str, fields: Mapping[bytes, bytes]) -> Letter:
    """A letter from its entry in `service`'s dead-letter stream."""

    def named(name: bytes) -> str:
        return text(fields.get(name, b""))

    return Letter(
        service=service,
        entry_id=text(entry_id),
        source_stream=named(b"source_stream"),
        source_group=named(b"source_group"),
        reason=named(b"reason"),
        error=named(b"error"),
        source_entry_id=named(b"source_entry_id"),
        deliveries=named(b"deliveries"),
        dead_at=named(b"dead_at"),
        original={
            key.removeprefix(ORIGINAL_PREFIX).decode(errors="replace"): value
            for key, value in fields.items()
            if key.startswith(ORIGINAL_PREFIX)
        },
    )


def source_refusal(letter: Letter, namespace: str, consumed: Collection[str]) -> str | None:
    """Why the letter names no entry its group may have replayed, not even forced: another
    group than the one whose dead letters hold it, a stream that group does not consume
    (`consumed`: its spec's subscriptions), or no entry id. None: re-read its entry."""
    group = f"{namespace}.{letter.service}"
    if letter.source_group != group:
        return f"it names group {letter.source_group!r} but is in the dead letters of {group}"
    if letter.source_stream not in consumed:
        return f"its group {group} does not consume {letter.source_stream!r}"
    if not ENTRY_ID.match(letter.source_entry_id):
        return missing_source(letter)
    return None


def missing_source(letter: Letter) -> str:
    return (
        f"its source entry {letter.source_entry_id!r} is not on {letter.source_stream} "
        "(trimmed, deleted, or never there)"
    )


def replay_refusal(
    letter: Letter, namespace: str, inbox_retention: timedelta, now: datetime
) -> str | None:
    """Why replaying this letter (its `original` being the source entry) would do harm or no
    good (None: it may go back)."""
    contract = next((c for c in ALL_EVENTS if c.stream(namespace) == letter.source_stream), None)
    original = {key.encode(): value for key, value in letter.original.items()}
    try:  # an entry without its data field too: it would only be set aside again
        if contract is not None:
            decode(Entry(letter.source_stream, letter.source_entry_id, original), contract)
    except InvalidEntry as invalid:
        return f"it is still {invalid.reason} ({invalid.error[:200]}): it would come back"
    since = letter.event_time()
    if since is not None and since < now - inbox_retention:
        return (
            f"its event is from {since:%Y-%m-%d %H:%M} UTC, older than the inbox retention "
            f"(JEJAK_INBOX_RETENTION_S={inbox_retention.total_seconds():g}): groups that "
            "applied it may have forgotten so and would apply it again"
        )
    return None


def as_stored(letter: Letter, source: Mapping[bytes, bytes]) -> Letter:
    """The letter with the source stream's entry in place of its own copy."""
    original = {key.decode(errors="replace"): value for key, value in source.items()}
    return dataclasses.replace(letter, original=original)


def group_lag(group: Mapping[str, Any], last_generated_id: Any) -> int | None:
    """Entries of the stream not yet delivered to the group (XINFO GROUPS' lag); None when
    Redis cannot tell. Redis 6.2 (embedded) has no lag field; caught up is still knowable."""
    lag = group.get("lag")
    if lag is None and group["last-delivered-id"] == last_generated_id:
        return 0
    return None if lag is None else int(lag)
