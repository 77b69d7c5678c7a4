"""What is on the streams: per consumer group, what is still pending or not yet read; the
dead letters of every consuming service, and putting them back (replay) or away (drop).

A letter is named `<service>/<entry id>`: the service whose dead-letter stream holds it
(`<namespace>.dead-letters.<service>`, which only that service's Redis user may write) and its
id there. Replay trusts neither the letter's copy of the entry nor its word on where the entry
came from: it re-reads the entry from its source stream by id and adds that, and refuses a
letter whose source its group does not consume or whose entry is not there (any more).
"""

import contextlib
import dataclasses
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import redis

from jejak.redis_users import consumed_streams
from shared.contracts import ALL_EVENTS
from shared.delivery.dead_letters import (
    ORIGINAL_PREFIX,
    dead_letter_owner,
    dead_letter_prefix,
    dead_letter_stream,
)
from shared.delivery.entries import DATA_FIELD, Entry, InvalidEntry, decode
from shared.delivery.retention import entry_time, parse_id

ENTRY_ID = re.compile(r"^\d+-\d+$")
LETTER_ID = re.compile(r"^(?P<service>[a-z0-9][a-z0-9-]*)/(?P<entry_id>\d+-\d+)$")


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
        """How commands name it: `<service>/<entry id>`."""
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
    """Replaying would do harm or no good (too old, still invalid): `--force` overrides it."""


class ReplayForbidden(DeadLetterError):
    """The letter names no entry its group consumes: nothing may be replayed, forced or not."""


@dataclass(frozen=True)
class Replayed:
    letter_id: str
    stream: str
    group: str
    entry_id: str  # the copy's id on the source stream
    copy_differed: bool  # the letter's copy was not the source entry (which was replayed)


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def group_statuses(redis_url: str, namespace: str) -> list[GroupStatus]:
    client = redis.Redis.from_url(redis_url)
    try:
        statuses = []
        for key in sorted(client.scan_iter(match=f"{namespace}.*", _type="stream")):
            stream = _text(key)
            if dead_letter_owner(namespace, stream) is not None:
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


def dead_letter_streams(client: redis.Redis, namespace: str) -> list[str]:
    """Every consuming service's dead-letter stream there is."""
    pattern = f"{dead_letter_prefix(namespace)}*"
    return sorted(_text(key) for key in client.scan_iter(match=pattern, _type="stream"))


def dead_letters(redis_url: str, namespace: str) -> list[DeadLetter]:
    """Every service's dead letters, oldest first."""
    client = redis.Redis.from_url(redis_url)
    try:
        letters = []
        for stream in dead_letter_streams(client, namespace):
            service = dead_letter_owner(namespace, stream) or ""
            entries: Any = client.xrange(stream)
            letters += [_letter(service, entry_id, fields) for entry_id, fields in entries]
        return sorted(letters, key=lambda x: (parse_id(x.entry_id), x.service))
    finally:
        client.close()


def _letter(service: str, entry_id: bytes, fields: dict[bytes, bytes]) -> DeadLetter:
    def text(name: bytes) -> str:
        return _text(fields.get(name, b""))

    return DeadLetter(
        service=service,
        entry_id=_text(entry_id),
        source_stream=text(b"source_stream"),
        source_group=text(b"source_group"),
        reason=text(b"reason"),
        error=text(b"error"),
        source_entry_id=text(b"source_entry_id"),
        deliveries=text(b"deliveries"),
        dead_at=text(b"dead_at"),
        original=_unprefixed(fields),
    )


def _unprefixed(fields: dict[bytes, bytes]) -> dict[str, bytes]:
    return {
        key.removeprefix(ORIGINAL_PREFIX).decode(errors="replace"): value
        for key, value in fields.items()
        if key.startswith(ORIGINAL_PREFIX)
    }


def find_dead_letters(client: redis.Redis, namespace: str, ids: Sequence[str]) -> list[DeadLetter]:
    """These letters (`<service>/<entry id>`), in the order given; UnknownDeadLetter names
    every id not there."""
    found: list[DeadLetter] = []
    unknown: list[str] = []
    for letter_id in ids:
        letter = _find(client, namespace, letter_id)
        if letter is None:
            unknown.append(letter_id)
        else:
            found.append(letter)
    if unknown:
        raise UnknownDeadLetter(
            f"no dead letter {', '.join(unknown)} in {dead_letter_prefix(namespace)}* "
            "(ids are <service>/<entry id>, as `jejak dead-letters list` shows them)"
        )
    return found


def _find(client: redis.Redis, namespace: str, letter_id: str) -> DeadLetter | None:
    named = LETTER_ID.match(letter_id)
    if named is None:
        return None
    service, entry_id = named["service"], named["entry_id"]
    entries: Any = client.xrange(
        dead_letter_stream(namespace, service), min=entry_id, max=entry_id, count=1
    )
    return _letter(service, *entries[0]) if entries else None


def dead_letters_by_id(redis_url: str, namespace: str, ids: Sequence[str]) -> list[DeadLetter]:
    client = redis.Redis.from_url(redis_url)
    try:
        return find_dead_letters(client, namespace, ids)
    finally:
        client.close()


def source_entry(
    client: redis.Redis, letter: DeadLetter, namespace: str
) -> dict[bytes, bytes] | str:
    """The entry the letter names, re-read from its source stream by id; or why there is none
    its group may have replayed, not even with `--force`: the letter names another group than
    the one whose dead letters hold it, a stream that group does not consume (its spec's
    subscriptions), or an entry not there (trimmed, deleted, or never there)."""
    group = f"{namespace}.{letter.service}"
    if letter.source_group != group:
        return f"it names group {letter.source_group!r} but is in the dead letters of {group}"
    if letter.source_stream not in consumed_streams(letter.service, namespace):
        return f"its group {group} does not consume {letter.source_stream!r}"
    entry_id = letter.source_entry_id
    entries: Any = (
        client.xrange(letter.source_stream, min=entry_id, max=entry_id, count=1)
        if ENTRY_ID.match(entry_id)
        else []
    )
    if not entries:
        return (
            f"its source entry {entry_id!r} is not on {letter.source_stream} "
            "(trimmed, deleted, or never there)"
        )
    return dict(entries[0][1])


def replay_refusal(
    letter: DeadLetter, namespace: str, inbox_retention: timedelta, now: datetime
) -> str | None:
    """Why replaying this letter (its `original` being the source entry) would do harm or no
    good (None: it may go back)."""
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
    """Put the entry each letter names back on its source stream (XADD of a copy of the
    source entry's fields, re-read there by id: never the letter's copy), then delete the
    letter (XDEL), only once the XADD succeeded. Every group of the stream sees the copy: those
    that applied the event skip it by their inbox. Nothing is done if an id is unknown, if a
    letter names no entry of a stream its group consumes (ReplayForbidden, even with `force`),
    or if one is refused (too old, still invalid: ReplayRefused) without `force`."""
    client = redis.Redis.from_url(redis_url)
    try:
        letters = find_dead_letters(client, namespace, ids)
        checked = [(letter, source_entry(client, letter, namespace)) for letter in letters]
        forbidden = [f"{x.letter_id}: {why}" for x, why in checked if isinstance(why, str)]
        if forbidden:
            raise ReplayForbidden("not replayed: " + "; ".join(forbidden))
        found = [(x, source) for x, source in checked if not isinstance(source, str)]
        if not force:
            now = datetime.now(UTC)
            refusals = [
                f"{x.letter_id}: {reason}"
                for x, source in found
                if (reason := replay_refusal(as_stored(x, source), namespace, inbox_retention, now))
            ]
            if refusals:
                raise ReplayRefused("not replayed: " + "; ".join(refusals))
        return [_replay(client, namespace, letter, source) for letter, source in found]
    finally:
        client.close()


def _replay(
    client: redis.Redis, namespace: str, letter: DeadLetter, source: dict[bytes, bytes]
) -> Replayed:
    copy_id: Any = client.xadd(letter.source_stream, source)  # type: ignore[arg-type]
    client.xdel(dead_letter_stream(namespace, letter.service), letter.entry_id)
    return Replayed(
        letter.letter_id,
        letter.source_stream,
        letter.source_group,
        _text(copy_id),
        copy_differed=letter.original != as_stored(letter, source).original,
    )


def as_stored(letter: DeadLetter, source: dict[bytes, bytes]) -> DeadLetter:
    """The letter with the source stream's entry in place of its own copy."""
    original = {key.decode(errors="replace"): value for key, value in source.items()}
    return dataclasses.replace(letter, original=original)


def drop_dead_letters(redis_url: str, namespace: str, ids: Sequence[str]) -> int:
    """Delete these letters for good (none if an id is unknown); how many went."""
    client = redis.Redis.from_url(redis_url)
    try:
        letters = find_dead_letters(client, namespace, ids)
        return sum(
            int(client.xdel(dead_letter_stream(namespace, x.service), x.entry_id)) for x in letters
        )
    finally:
        client.close()
