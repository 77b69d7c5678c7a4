"""A consuming service's operations API, for Kanwil administrators: its consumer groups (lag,
pending, consumers, how long the oldest pending entry has waited), its own dead letters with
their reasons, and replaying one. The console's operational view reads it with the person's
token; nobody but the service itself reads its Redis.

Replay re-delivers to this service's group only: the entry the letter names is re-read from its
source stream by id (shared/delivery/letters.py: never the letter's copy, never a stream the
group does not consume) and applied by the service's own consumer, whose inbox skips an event
it applied already; then the letter is deleted. Nothing is written to the source stream: a
service's Redis user adds only to what it produces (jejak/redis_users.py), so no consumer can
put entries on another's stream. The `jejak dead-letters replay` CLI, as the Redis
administrator, puts a copy back on the stream instead, for every group of it at once.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.auth import CallerDep, allow
from shared.delivery.consumer import Consumer
from shared.delivery.dead_letters import dead_letter_stream
from shared.delivery.entries import Entry
from shared.delivery.letters import (
    ENTRY_ID,
    Letter,
    as_stored,
    group_lag,
    missing_source,
    read_letter,
    replay_refusal,
    source_refusal,
    text,
)
from shared.delivery.subscriptions import Subscription
from shared.errors import Conflict, NotFound
from shared.http import CheckedRoute
from shared.pagination import Page, PagingDep

log = logging.getLogger("jejak")
router = APIRouter(prefix="/ops", tags=["operations"], route_class=CheckedRoute)


class GroupView(BaseModel):
    """This service's consumer group on one stream it consumes."""

    stream: str
    group: str
    length: int = Field(description="Entries on the stream now (trimmed ones aside).")
    lag: int | None = Field(
        description="Entries not yet delivered to the group; null: Redis cannot tell."
    )
    pending: int = Field(description="Delivered to the group, not yet acknowledged.")
    consumers: int
    oldest_pending_idle_ms: int | None = Field(
        description="How long the oldest pending entry has waited since its last delivery; "
        "null: nothing is pending."
    )


class LetterView(BaseModel):
    """One of this service's dead letters: where its entry came from and why it was set
    aside (the entry itself is not shown: replay re-reads it from the stream)."""

    letter_id: str = Field(description="Its id in this service's dead letters.")
    service: str
    source_stream: str
    source_group: str
    source_entry_id: str
    reason: str = Field(description="malformed, invalid or max_deliveries")
    error: str
    deliveries: int | None
    dead_at: datetime | None
    event_type: str | None
    event_id: str | None

    @classmethod
    def of(cls, letter: Letter) -> "LetterView":
        return cls(
            letter_id=letter.entry_id,
            service=letter.service,
            source_stream=letter.source_stream,
            source_group=letter.source_group,
            source_entry_id=letter.source_entry_id,
            reason=letter.reason,
            error=letter.error,
            deliveries=int(letter.deliveries) if letter.deliveries.isdigit() else None,
            dead_at=_time(letter.dead_at),
            event_type=letter.event_type,
            event_id=letter.event_id,
        )


def _time(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class ReplayView(BaseModel):
    letter_id: str
    source_stream: str
    source_entry_id: str
    copy_differed: bool = Field(
        description="The letter's copy was not the source entry (the source entry was applied)."
    )


@dataclass(frozen=True)
class Operations:
    """What the operations API reads and does, with the service's own Redis connection."""

    redis: Redis
    namespace: str
    service: str
    consumer: Consumer
    subscriptions: Mapping[str, Subscription[Any]]  # by the stream they read
    inbox_retention: timedelta

    @property
    def letters_stream(self) -> str:
        return dead_letter_stream(self.namespace, self.service)

    async def groups(self) -> list[GroupView]:
        return [await self._group(stream) for stream in sorted(self.subscriptions)]

    async def _group(self, stream: str) -> GroupView:
        info: Any
        groups: Any
        try:
            info = await self.redis.xinfo_stream(stream)
            groups = await self.redis.xinfo_groups(stream)
        except ResponseError:  # no such stream (deleted by hand): nothing on it, no group
            info, groups = {"length": 0}, []
        mine = next((g for g in groups if text(g["name"]) == self.consumer.group), None)
        if mine is None:  # the group went too: the service's reader makes it again
            return GroupView(
                stream=stream,
                group=self.consumer.group,
                length=int(info["length"]),
                lag=None,
                pending=0,
                consumers=0,
                oldest_pending_idle_ms=None,
            )
        oldest: Any = await self.redis.xpending_range(stream, self.consumer.group, "-", "+", 1)
        return GroupView(
            stream=stream,
            group=self.consumer.group,
            length=int(info["length"]),
            lag=group_lag(mine, info["last-generated-id"]),
            pending=int(mine["pending"]),
            consumers=int(mine["consumers"]),
            oldest_pending_idle_ms=int(oldest[0]["time_since_delivered"]) if oldest else None,
        )

    async def letters(self, limit: int, offset: int) -> tuple[list[Letter], int]:
        """A page of its dead letters, oldest first, and how many there are."""
        total = int(await self.redis.xlen(self.letters_stream))
        entries: Any = await self.redis.xrange(self.letters_stream, count=offset + limit)
        return [read_letter(self.service, *entry) for entry in entries[offset:]], total

    async def replay(self, letter_id: str) -> ReplayView:
        letter = await self._letter(letter_id)
        source = await self._source(letter)
        stored = as_stored(letter, source)
        now = datetime.now(UTC)
        refusal = replay_refusal(stored, self.namespace, self.inbox_retention, now)
        if refusal is not None:
            raise Conflict("letter_id", f"not replayed: {refusal}")
        entry = Entry(letter.source_stream, letter.source_entry_id, source)
        try:
            await self.consumer.apply_entries(self.subscriptions[letter.source_stream], [entry])
        except Exception as exc:  # the handler's failure: the letter stays for another try
            raise Conflict("letter_id", f"applying it failed again: {exc!r}") from exc
        await self.redis.xdel(self.letters_stream, letter.entry_id)
        differed = letter.original != stored.original
        return ReplayView(
            letter_id=letter.entry_id,
            source_stream=letter.source_stream,
            source_entry_id=letter.source_entry_id,
            copy_differed=differed,
        )

    async def _letter(self, letter_id: str) -> Letter:
        entries: Any = await self.redis.xrange(
            self.letters_stream, min=letter_id, max=letter_id, count=1
        )
        if not entries:
            raise NotFound("letter_id", f"no dead letter {letter_id} in {self.letters_stream}")
        return read_letter(self.service, *entries[0])

    async def _source(self, letter: Letter) -> dict[bytes, bytes]:
        """The entry the letter names, re-read from its source stream; a 409 when there is
        none its group may have replayed."""
        refusal = source_refusal(letter, self.namespace, self.subscriptions)
        if refusal is None:
            entry_id = letter.source_entry_id
            entries: Any = await self.redis.xrange(
                letter.source_stream, min=entry_id, max=entry_id, count=1
            )
            if entries:
                return dict(entries[0][1])
            refusal = missing_source(letter)
        raise Conflict("letter_id", f"not replayed: {refusal}")


async def operations(request: Request) -> Operations:
    ops: Operations = request.app.state.operations
    return ops


OperationsDep = Annotated[Operations, Depends(operations)]
KANWIL = allow("kanwil_admin")
LetterId = Annotated[str, Path(pattern=ENTRY_ID.pattern, examples=["1732000000000-0"])]


@router.get("/consumers", **KANWIL)
async def consumer_groups(ops: OperationsDep) -> list[GroupView]:
    """This service's consumer group on each stream it consumes."""
    return await ops.groups()


@router.get("/dead-letters", **KANWIL)
async def dead_letters(ops: OperationsDep, paging: PagingDep) -> Page[LetterView]:
    """This service's dead letters, oldest first, with their reasons."""
    letters, total = await ops.letters(paging.limit, paging.offset)
    items = [LetterView.of(letter) for letter in letters]
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.post("/dead-letters/{letter_id}/replay", **allow("kanwil_admin", errors=[404, 409]))
async def replay(letter_id: LetterId, ops: OperationsDep, caller: CallerDep) -> ReplayView:
    """Re-read the entry the letter names from its source stream and apply it in this
    service's group (an event it applied already is skipped), then delete the letter. 409:
    the letter names no entry its group consumes, the entry is gone, it would still be
    invalid, it is older than the inbox retention, or applying it failed again."""
    done = await ops.replay(letter_id)
    log.info("%s replayed dead letter %s/%s", caller.sub, ops.service, letter_id)
    return done
