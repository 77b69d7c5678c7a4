"""Dead letters: entries a consumer group cannot apply, with the reason and the original.

Each consuming service has its own dead-letter stream (`<namespace>.dead-letters.<service>`)
and its own hash of delivery errors (`<namespace>.delivery-errors.<service>`), and its Redis
user may write only those (jejak/redis_users.py): no service can put a letter in another's
dead letters, nor trim them, so a letter's stream says which group set it aside. A letter is
still only a pointer for the operator: a replay (`jejak dead-letters replay`, or a service's
operations API, shared/ops.py) re-reads the entry it names from its source stream instead of
trusting the letter's copy (shared/delivery/letters.py).
"""

import logging
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from redis.asyncio import Redis

from shared import metrics
from shared.delivery.entries import Entry

ORIGINAL_PREFIX = b"original."
log = logging.getLogger(__name__)


class DeadLetter(BaseModel):
    """An entry a consumer group could not apply. Unlike events, a dead letter is written as
    flat stream fields: these, plus the original entry's fields prefixed `original.`."""

    source_stream: str = Field(description="The stream the entry was read from.")
    source_group: str = Field(description="The consumer group that gave up on it.")
    source_entry_id: str = Field(description="Its Redis entry id there.", examples=["1732-0"])
    reason: Literal["malformed", "invalid", "max_deliveries"] = Field(
        description="malformed: not JSON or no __data__ field; invalid: breaks its contract; "
        "max_deliveries: applying it kept failing."
    )
    error: str = Field(description="The field errors, or the last failure.")
    deliveries: int = Field(description="How often it was delivered before it was set aside.")
    dead_at: datetime = Field(description="When it was set aside.")


def dead_letter_stream(namespace: str, service: str) -> str:
    """The dead letters of one consuming service (of its group `<namespace>.<service>`)."""
    return f"{dead_letter_prefix(namespace)}{service}"


def dead_letter_prefix(namespace: str) -> str:
    """What every dead-letter stream of a namespace starts with."""
    return f"{namespace}.dead-letters."


def dead_letter_owner(namespace: str, stream: str) -> str | None:
    """The service whose dead letters `stream` holds; None: it is no dead-letter stream."""
    prefix = dead_letter_prefix(namespace)
    return stream.removeprefix(prefix) if stream.startswith(prefix) else None


def failure_key(namespace: str, service: str) -> str:
    """Hash of the last error per pending entry of one service's group, so a dead letter can
    say why it kept failing."""
    return f"{namespace}.delivery-errors.{service}"


class DeadLetters:
    """One consuming service's dead letters and delivery errors."""

    def __init__(self, redis: Redis, namespace: str, service: str) -> None:
        self.redis = redis
        self.service = service
        self.stream = dead_letter_stream(namespace, service)
        self.errors = failure_key(namespace, service)

    async def send(
        self, entry: Entry, *, group: str, reason: str, error: str, deliveries: int = 1
    ) -> None:
        fields: dict[bytes, bytes | str | int] = {
            b"source_stream": entry.stream,
            b"source_group": group,
            b"source_entry_id": entry.entry_id,
            b"reason": reason,
            b"error": error[:4000],
            b"deliveries": deliveries,
            b"dead_at": datetime.now(UTC).isoformat(),
        }
        fields.update({ORIGINAL_PREFIX + key: value for key, value in entry.fields.items()})
        letter_id: Any = await self.redis.xadd(self.stream, fields)  # type: ignore[arg-type]
        metrics.dead_lettered(entry.stream, group, reason)
        log.warning(
            "entry %s set aside as dead letter %s/%s (%s): %s",
            entry.entry_id,
            self.service,
            letter_id.decode() if isinstance(letter_id, bytes) else letter_id,
            reason,
            error[:500],
            extra={"stream": entry.stream, "group": group, "entry_id": entry.entry_id},
        )

    async def remember_failure(self, entry: Entry, group: str, error: str) -> None:
        await self.redis.hset(self.errors, _failure_field(entry, group), error[:4000])

    async def last_failure(self, entry: Entry, group: str) -> str:
        key, field = self.errors, _failure_field(entry, group)
        error = await self.redis.hget(key, field)
        await self.redis.hdel(key, field)
        if error is None:
            return "no error was recorded"
        return error.decode(errors="replace") if isinstance(error, bytes) else str(error)


def _failure_field(entry: Entry, group: str) -> str:
    return f"{group}|{entry.stream}|{entry.entry_id}"
