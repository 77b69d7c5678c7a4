"""Writing backlogs onto streams and watching consumer groups work through them.

Works on Redis 6.2 (embedded: XINFO GROUPS has no lag) and 7: a group has caught up when its
last-delivered id is the stream's last id and nothing is pending. How far it got is counted
from the ids the benchmark wrote (a bisect), not from Redis 7's entries-read.
"""

import asyncio
import bisect
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from bench.events import Entry
from shared.delivery.dead_letters import dead_letter_owner, dead_letter_prefix

EntryId = tuple[int, int]


def parse_id(raw: bytes | str) -> EntryId:
    text = raw.decode() if isinstance(raw, bytes) else raw
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


async def xadd_all(
    redis: Redis,
    namespace: str,
    entries: Iterable[Entry],
    *,
    pipeline_size: int = 500,
    on_added: Callable[[int], None] | None = None,
) -> dict[str, list[EntryId]]:
    """XADD every entry (pipelined, no transaction); the ids written, per stream."""
    ids: dict[str, list[EntryId]] = {}
    batch: list[tuple[str, dict[bytes, bytes]]] = []

    async def flush() -> None:
        async with redis.pipeline(transaction=False) as pipe:
            for stream, fields in batch:
                pipe.xadd(stream, fields)  # type: ignore[arg-type]
            results = await pipe.execute()
        for (stream, _), entry_id in zip(batch, results, strict=True):
            ids.setdefault(stream, []).append(parse_id(entry_id))
        if on_added:
            on_added(len(batch))
        batch.clear()

    for suffix, fields in entries:
        batch.append((f"{namespace}.{suffix}", fields))
        if len(batch) >= pipeline_size:
            await flush()
    if batch:
        await flush()
    return ids


@dataclass(frozen=True)
class GroupState:
    stream: str
    group: str
    last_delivered: EntryId
    last_generated: EntryId
    pending: int

    @property
    def settled(self) -> bool:
        return self.pending == 0 and self.last_delivered >= self.last_generated

    @property
    def started(self) -> bool:
        return self.last_delivered > (0, 0)


async def group_states(redis: Redis, streams: Sequence[str], group: str) -> list[GroupState]:
    states = []
    for stream in streams:
        info: Any = await redis.xinfo_stream(stream)
        for row in await redis.xinfo_groups(stream):
            name = row["name"].decode() if isinstance(row["name"], bytes) else row["name"]
            if name != group:
                continue
            states.append(
                GroupState(
                    stream=stream,
                    group=name,
                    last_delivered=parse_id(row["last-delivered-id"]),
                    last_generated=parse_id(info["last-generated-id"]),
                    pending=int(row["pending"]),
                )
            )
    return states


def acked(states: Sequence[GroupState], ids: dict[str, list[EntryId]]) -> int:
    """Entries of `ids` delivered to the group and acknowledged since."""
    done = 0
    for state in states:
        written = ids.get(state.stream, [])
        done += bisect.bisect_right(written, state.last_delivered) - state.pending
    return done


@dataclass(frozen=True)
class DrainTimes:
    first_read: float  # perf_counter when the group had first taken entries
    settled: float  # perf_counter when everything was delivered and acknowledged


async def watch_drain(
    redis: Redis,
    group: str,
    ids: dict[str, list[EntryId]],
    *,
    on_progress: Callable[[int], None],
    is_alive: Callable[[], bool],
    timeout_s: float,
    poll_s: float = 0.01,
) -> DrainTimes:
    """Poll XINFO until the group has read and acknowledged every written entry."""
    streams = sorted(ids)
    first: float | None = None
    deadline = time.monotonic() + timeout_s
    while True:
        states = await group_states(redis, streams, group)
        now = time.perf_counter()
        if first is None and any(s.started for s in states):
            first = now
        on_progress(acked(states, ids))
        if len(states) == len(streams) and all(s.settled for s in states):
            return DrainTimes(first_read=first if first is not None else now, settled=now)
        if not is_alive():
            raise RuntimeError(f"the consumer of group {group} exited while draining")
        if time.monotonic() > deadline:
            raise TimeoutError(f"group {group} did not drain within {timeout_s:.0f} s: {states}")
        # Poll tightly until the first read so startup is not counted; then less often.
        await asyncio.sleep(poll_s / 5 if first is None else poll_s)


async def unsettled(redis: Redis, namespace: str) -> dict[str, int]:
    """Pending plus not-yet-delivered entries per group, for every stream of a namespace."""
    totals: dict[str, int] = {}
    async for key in redis.scan_iter(match=f"{namespace}.*", _type="stream"):
        stream = key.decode()
        if dead_letter_owner(namespace, stream) is not None:
            continue
        info: Any = await redis.xinfo_stream(stream)
        last_generated = parse_id(info["last-generated-id"])
        for row in await redis.xinfo_groups(stream):
            lag = row.get("lag")
            if lag is None:  # Redis 6.2: only "caught up or not" is knowable
                lag = 0 if parse_id(row["last-delivered-id"]) >= last_generated else 1
            count = int(row["pending"]) + int(lag)
            if count:
                name = row["name"].decode() if isinstance(row["name"], bytes) else row["name"]
                totals[f"{name} <- {stream}"] = count
    return totals


async def dead_letter_count(redis: Redis, namespace: str) -> int:
    """Letters in every consuming service's dead letters."""
    count = 0
    async for key in redis.scan_iter(match=f"{dead_letter_prefix(namespace)}*", _type="stream"):
        count += int(await redis.xlen(key))
    return count
