"""The dead-letter stream: entries that cannot be applied, with the reason and the original."""

import logging
from datetime import UTC, datetime
from typing import Literal

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


def dead_letter_stream(namespace: str) -> str:
    return f"{namespace}.dead-letters"


def failure_key(namespace: str) -> str:
    """Hash of the last error per pending entry, so a dead letter can say why it kept failing."""
    return f"{namespace}.delivery-errors"


class DeadLetters:
    def __init__(self, redis: Redis, namespace: str) -> None:
        self.redis = redis
        self.namespace = namespace
        self.stream = dead_letter_stream(namespace)

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
        await self.redis.xadd(self.stream, fields)  # type: ignore[arg-type]
        metrics.dead_lettered(entry.stream, group, reason)
        log.warning(
            "entry %s set aside as a dead letter (%s): %s",
            entry.entry_id,
            reason,
            error[:500],
            extra={"stream": entry.stream, "group": group, "entry_id": entry.entry_id},
        )

    async def remember_failure(self, entry: Entry, group: str, error: str) -> None:
        await self.redis.hset(
            failure_key(self.namespace), _failure_field(entry, group), error[:4000]
        )

    async def last_failure(self, entry: Entry, group: str) -> str:
        key, field = failure_key(self.namespace), _failure_field(entry, group)
        error = await self.redis.hget(key, field)
        await self.redis.hdel(key, field)
        if error is None:
            return "no error was recorded"
        return error.decode(errors="replace") if isinstance(error, bytes) else str(error)


def _failure_field(entry: Entry, group: str) -> str:
    return f"{group}|{entry.stream}|{entry.entry_id}"
