"""What is on the streams: per consumer group, what is still pending or not yet read."""

from dataclasses import dataclass
from typing import Any

import redis

from shared.delivery.dead_letters import dead_letter_stream


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
    entry_id: str
    source_stream: str
    source_group: str
    reason: str
    error: str


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
        return [
            DeadLetter(
                entry_id=_text(entry_id),
                source_stream=_text(fields.get(b"source_stream", b"")),
                source_group=_text(fields.get(b"source_group", b"")),
                reason=_text(fields.get(b"reason", b"")),
                error=_text(fields.get(b"error", b"")),
            )
            for entry_id, fields in entries
        ]
    finally:
        client.close()
