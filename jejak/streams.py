"""What is on the streams: per consumer group, what is still pending or not yet read; the
dead letters, and putting them back (replay) or away (drop)."""

import contextlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import redis

from shared.contracts import ALL_EVENTS
from shared.delivery.dead_letters import ORIGINAL_PREFIX, dead_letter_stream
from shared.delivery.entries import DATA_FIELD, Entry, InvalidEntry, decode
from shared.delivery.retention import entry_time

ENTRY_ID = re.compile(r"^\d+-\d+$")


@dataclass(frozen=True)
class GroupStatus:
    stream: str
    group: str
    length: int
    pending: int
    lag: int | None  # entries not yet delivered to the group (None: Redis cannot tell)

    @property
    def settled(self) -> bool:
        return self.pending == 0 and self.lag == 0


@dataclass(frozen=True)
class DeadLetter:
    """A letter of the dead-letter stream (fields: shared.delivery.dead_letters.DeadLetter)."""

    entry_id: str
    source_stream: str
    source_group: str
    reason: str
    error: str
    source_entry_id: str = ""
    deliveries: str = ""
    dead_at: str = ""
    original: dict[str, bytes] = field(default_factory=dict)  # the entry's fields, unprefixed

    @property
    def payload(self) -> dict[str, Any] | None:
        """The original event as JSON, if it is a JSON object."""
        try:
            payload = json.loads(self.original.get(DATA_FIELD.decode(), b""))
        except ValueError:
            return None
        return payload if isinstance(payload, dict) else None

    @property
    def event(self) -> str:
        """`<event_type> <event_id>` of the original, as far as it says."""
        payload = self.payload or {}
        return f"{payload.get('event_type', '?')} {payload.get('event_id', '?')}"

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


class DeadLetterError(Exception):
    """What a dead-letter command cannot do, said so that the operator can act on it."""


class UnknownDeadLetter(DeadLetterError):
    pass


class ReplayRefused(DeadLetterError):
    pass


@dataclass(frozen=True)
class Replayed:
    letter_id: str
    stream: str
    group: str
    entry_id: str  # the copy's id on the source stream


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def group_statuses(redis_url: str, namespace: str) -> list[GroupStatus]:
    client = redis.Redis.from_url(redis_url)
    try:
        statuses = []
        dead = dead_letter_stream(namespace)
        for key in sorted(client.scan_iter(match=f"{namespace}.*", _type="stream")):
            stream = _text(key)
            if stream == dead:
                continue
            info: Any = client.xinfo_stream(stream)
            length, last_id = int(info["length"]), info["last-generated-id"]
            for group in client.xinfo_groups(stream):
                lag = group.get("lag")
                if lag is None and group["last-delivered-id"] == last_id:
                    lag = 0  # Redis 6.2 (embedded) has no lag field; caught up is still knowable
                statuses.append(
                    GroupStatus(
                        stream=stream,
                        group=_text(group["name"]),
                        length=length,
                        pending=int(group["pending"]),
                        lag=None if lag is None else int(lag),
                    )
                )
        return statuses
    finally:
        client.close()


def dead_letters(redis_url: str, namespace: str) -> list[DeadLetter]:
    client = redis.Redis.from_url(redis_url)
    try:
        entries: Any = client.xrange(dead_letter_stream(namespace))
        return [_letter(entry_id, fields) for entry_id, fields in entries]
    finally:
        client.close()


def _letter(entry_id: bytes, fields: dict[bytes, bytes]) -> DeadLetter:
    def text(name: bytes) -> str:
        return _text(fields.get(name, b""))

    return DeadLetter(
        entry_id=_text(entry_id),
        source_stream=text(b"source_stream"),
        source_group=text(b"source_group"),
        reason=text(b"reason"),
        error=text(b"error"),
        source_entry_id=text(b"source_entry_id"),
        deliveries=text(b"deliveries"),
        dead_at=text(b"dead_at"),
        original={
            key.removeprefix(ORIGINAL_PREFIX).decode(errors="replace"): value
            for key, value in fields.items()
            if key.startswith(ORIGINAL_PREFIX)
        },
    )


def find_dead_letters(client: redis.Redis, namespace: str, ids: Sequence[str]) -> list[DeadLetter]:
    """These letters, in the order given; UnknownDeadLetter names every id not there."""
    stream = dead_letter_stream(namespace)
    found: list[DeadLetter] = []
    unknown: list[str] = []
    for letter_id in ids:
        entries: Any = (
            client.xrange(stream, min=letter_id, max=letter_id, count=1)
            if ENTRY_ID.match(letter_id)
            else []
        )
        if entries:
            found.append(_letter(*entries[0]))
        else:
            unknown.append(letter_id)
    if unknown:
        raise UnknownDeadLetter(f"no dead letter {', '.join(unknown)} in {stream}")
    return found


def dead_letters_by_id(redis_url: str, namespace: str, ids: Sequence[str]) -> list[DeadLetter]:
    client = redis.Redis.from_url(redis_url)
    try:
        return find_dead_letters(client, namespace, ids)
    finally:
        client.close()


def replay_refusal(
    letter: DeadLetter, namespace: str, inbox_retention: timedelta, now: datetime
) -> str | None:
    """Why replaying this letter would do harm or no good (None: it may go back)."""
    if DATA_FIELD.decode() in letter.original:
        contract = next(
            (c for c in ALL_EVENTS if c.stream(namespace) == letter.source_stream), None
        )
        original = {key.encode(): value for key, value in letter.original.items()}
        try:
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


def replay_dead_letters(
    redis_url: str,
    namespace: str,
    ids: Sequence[str],
    *,
    inbox_retention: timedelta,
    force: bool = False,
) -> list[Replayed]:
    """Put each letter's original entry back on its source stream (XADD of a copy of its
    fields), then delete the letter (XDEL), only once the XADD succeeded. Every group of the
    stream sees the copy: those that applied the event skip it by their inbox. Nothing is done
    if an id is unknown or a letter is refused (too old, still invalid) without `force`; a
    letter without its original is never replayed."""
    client = redis.Redis.from_url(redis_url)
    try:
        letters = find_dead_letters(client, namespace, ids)
        now = datetime.now(UTC)
        refusals = [
            f"{letter.entry_id}: {reason}"
            for letter in letters
            if (reason := _refusal(letter, namespace, inbox_retention, now, force))
        ]
        if refusals:
            raise ReplayRefused("not replayed: " + "; ".join(refusals))
        replayed = []
        for letter in letters:
            fields = {key.encode(): value for key, value in letter.original.items()}
            copy_id: Any = client.xadd(letter.source_stream, fields)  # type: ignore[arg-type]
            client.xdel(dead_letter_stream(namespace), letter.entry_id)
            replayed.append(
                Replayed(letter.entry_id, letter.source_stream, letter.source_group, _text(copy_id))
            )
        return replayed
    finally:
        client.close()


def _refusal(
    letter: DeadLetter, namespace: str, inbox_retention: timedelta, now: datetime, force: bool
) -> str | None:
    if not letter.original or not letter.source_stream:
        return "it holds no original entry to put back"
    return None if force else replay_refusal(letter, namespace, inbox_retention, now)


def drop_dead_letters(redis_url: str, namespace: str, ids: Sequence[str]) -> int:
    """Delete these letters for good (none if an id is unknown); how many went."""
    client = redis.Redis.from_url(redis_url)
    try:
        letters = find_dead_letters(client, namespace, ids)
        return int(client.xdel(dead_letter_stream(namespace), *(x.entry_id for x in letters)))
    finally:
        client.close()
