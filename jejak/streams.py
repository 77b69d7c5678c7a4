"""What is on the streams: per consumer group, what is still pending or not yet read; the
dead letters of every consuming service, and putting them back (replay) or away (drop).

A letter is named `<service>/<entry id>`: the service whose dead-letter stream holds it
(`<namespace>.dead-letters.<service>`, which only that service's Redis user may write) and its
id there. Replay trusts neither the letter's copy of the entry nor its word on where the entry
came from: it re-reads the entry from its source stream by id and adds that, and refuses a
letter whose source its group does not consume or whose entry is not there (any more).
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import redis

from jejak.redis_users import consumed_streams
from shared.delivery.dead_letters import dead_letter_owner, dead_letter_prefix, dead_letter_stream
from shared.delivery.letters import (
    Letter,
    as_stored,
    group_lag,
    missing_source,
    read_letter,
    replay_refusal,
    source_refusal,
)
from shared.delivery.letters import text as _text
from shared.delivery.retention import parse_id

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
                statuses.append(
                    GroupStatus(
                        stream=stream,
                        group=_text(group["name"]),
                        length=length,
                        pending=int(group["pending"]),
                        lag=group_lag(group, last_id),
                    )
                )
        return statuses
    finally:
        client.close()


def dead_letter_streams(client: redis.Redis, namespace: str) -> list[str]:
    """Every consuming service's dead-letter stream there is."""
    pattern = f"{dead_letter_prefix(namespace)}*"
    return sorted(_text(key) for key in client.scan_iter(match=pattern, _type="stream"))


def dead_letters(redis_url: str, namespace: str) -> list[Letter]:
    """Every service's dead letters, oldest first."""
    client = redis.Redis.from_url(redis_url)
    try:
        letters = []
        for stream in dead_letter_streams(client, namespace):
            service = dead_letter_owner(namespace, stream) or ""
            entries: Any = client.xrange(stream)
            letters += [read_letter(service, entry_id, fields) for entry_id, fields in entries]
        return sorted(letters, key=lambda x: (parse_id(x.entry_id), x.service))
    finally:
        client.close()


def find_dead_letters(client: redis.Redis, namespace: str, ids: Sequence[str]) -> list[Letter]:
    """These letters (`<service>/<entry id>`), in the order given; UnknownDeadLetter names
    every id not there."""
    found: list[Letter] = []
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


def _find(client: redis.Redis, namespace: str, letter_id: str) -> Letter | None:
    named = LETTER_ID.match(letter_id)
    if named is None:
        return None
    service, entry_id = named["service"], named["entry_id"]
    entries: Any = client.xrange(
        dead_letter_stream(namespace, service), min=entry_id, max=entry_id, count=1
    )
    return read_letter(service, *entries[0]) if entries else None


def dead_letters_by_id(redis_url: str, namespace: str, ids: Sequence[str]) -> list[Letter]:
    client = redis.Redis.from_url(redis_url)
    try:
        return find_dead_letters(client, namespace, ids)
    finally:
        client.close()


def source_entry(client: redis.Redis, letter: Letter, namespace: str) -> dict[bytes, bytes] | str:
    """The entry the letter names, re-read from its source stream by id; or why there is none
    its group may have replayed, not even with `--force` (shared.delivery.letters)."""
    refusal = source_refusal(letter, namespace, consumed_streams(letter.service, namespace))
    if refusal is not None:
        return refusal
    entry_id = letter.source_entry_id
    entries: Any = client.xrange(letter.source_stream, min=entry_id, max=entry_id, count=1)
    return dict(entries[0][1]) if entries else missing_source(letter)


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
    client: redis.Redis, namespace: str, letter: Letter, source: dict[bytes, bytes]
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
