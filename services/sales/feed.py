"""The stock feed for channels that don't speak Redis: Server-Sent Events read straight from
inventory's stock-changed stream.

Each SSE event's id is the stream entry's id, so `Last-Event-ID` (which browsers and SSE
clients send by themselves when they reconnect) resumes right after the last entry the client
got: no gap, no repeat, in stream order. Only changes at the channel's locations are sent.
A client that comes back after retention trimmed entries it never got is told so with a
`reset` event (reload GET /catalogue) before the feed goes on from the oldest entry kept.
"""

import json
import re
from collections.abc import AsyncIterator, Collection
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.delivery.entries import DATA_FIELD

ENTRY_ID = re.compile(r"^\d{1,20}-\d{1,20}$")
START = "0-0"
RETRY_MS = 2_000  # what a client waits before reconnecting
BATCH = 200


def entry_key(entry_id: str) -> tuple[int, int]:
    milliseconds, sequence = entry_id.split("-")
    return int(milliseconds), int(sequence)


def frame(data: str | bytes, *, event: str | None = None, entry_id: str | None = None) -> bytes:
    """One SSE message. The JSON is a single line, so one `data:` field carries it."""
    text = data.decode() if isinstance(data, bytes) else data
    head = (f"id: {entry_id}\n" if entry_id else "") + (f"event: {event}\n" if event else "")
    return f"{head}data: {text}\n\n".encode()


def text_of(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def _stream_info(redis: Redis, stream: str) -> dict[str, Any] | None:
    """XINFO STREAM, or None when there is no stream yet (nothing announced so far)."""
    try:
        info: dict[str, Any] = await redis.xinfo_stream(stream)
    except ResponseError as error:
        if "no such key" in str(error).lower():
            return None
        raise
    return info


async def newest_entry(redis: Redis, stream: str) -> str:
    """The id of the stream's newest entry (START when it has none): where `since=now` begins.
    XREAD's own `$` means "newest" anew on every call, so a reader would skip what came
    between its calls."""
    info = await _stream_info(redis, stream)
    return text_of(info.get("last-generated-id", START)) if info else START


async def trimmed_past(redis: Redis, stream: str, after: str) -> bool:
    """Whether retention deleted entries newer than `after`: the client missed some."""
    info = await _stream_info(redis, stream) if after != START else None
    if info is None:
        return False
    deleted = text_of(info.get("max-deleted-entry-id", START))
    return entry_key(deleted) > entry_key(after)


async def stock_feed(
    redis: Redis,
    stream: str,
    locations: Collection[str],
    after: str,
    *,
    block_ms: int = 15_000,
) -> AsyncIterator[bytes]:
    """SSE bytes of every stock change at `locations` after entry `after`, for as long as the
    client listens; a comment every `block_ms` of silence keeps proxies from closing it."""
    wanted = frozenset(locations)
    yield f"retry: {RETRY_MS}\n\n".encode()
    if await trimmed_past(redis, stream, after):
        reason = {"reason": "entries after your Last-Event-ID were trimmed; reload /catalogue"}
        yield frame(json.dumps(reason), event="reset")
        after = START
    while True:
        answer: Any = await redis.xread(
            {stream: after}, count=BATCH, block=block_ms
        )  # RESP2: [(stream, [(entry id, fields)])]
        if not answer:
            yield b": keep-alive\n\n"
            continue
        for entry_id, fields in answer[0][1]:
            after = text_of(entry_id)
            raw = fields.get(DATA_FIELD)
            if raw is not None and (_location(raw) or "") in wanted:
                yield frame(raw, event="stock-changed", entry_id=after)


def _location(raw: bytes) -> str | None:
    """The change's location; an entry that isn't a JSON object (consumers dead-letter it)
    has none and is not sent."""
    try:
        payload = json.loads(raw)
    except ValueError:
        return None
    return payload.get("location_code") if isinstance(payload, dict) else None
