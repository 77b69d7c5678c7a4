"""The ceiling: how fast plain clients move the same entries through Redis on this machine.

For each payload set (the drain backlogs, and a mix of all four) the same number of entries of
the same bytes is XADD-ed (pipelined) to a scratch stream and read back by
  - redis-py asyncio (hiredis parser): XREADGROUP COUNT 100, then XACK of those ids, in a loop;
  - FastStream batch subscribers (max_records 100 and, for the mix, 200) with an empty handler,
    and for the mix also one whose parser skips decoding the bodies (what it would cost if
    the services, which only read the raw entries, told FastStream not to decode).
No database is involved: the service figures divided by these say how much of the budget the
services' own work (decode, validate, transaction) takes.
"""

import asyncio
import logging
import time
from typing import Any

from faststream.redis import RedisBroker, StreamSub
from faststream.redis.annotations import RedisBatchStreamMessage
from redis.asyncio import Redis

from bench.backend import Sandbox
from bench.context import CONSUMERS, Context
from bench.events import Entry, mixed_entries
from bench.streams import group_states

READ_COUNT = 100


async def run(ctx: Context) -> dict[str, Any]:
    sets: dict[str, list[Entry]] = {name: ctx.backlog(name).entries for name in CONSUMERS}
    n = ctx.config.backlog
    sets = {"mix": mixed_entries([ctx.backlog(name) for name in CONSUMERS], n), **sets}
    results: dict[str, Any] = {"entries": n, "read_count": READ_COUNT}
    async with ctx.sandbox("ceiling") as sandbox:
        redis = Redis.from_url(ctx.backend.redis_url)
        task = ctx.task("ceiling: redis-py and FastStream readers", total=len(sets))
        try:
            for name, entries in sets.items():
                results[name] = await _payload_set(ctx, sandbox, redis, name, entries)
                ctx.progress.advance(task)
        finally:
            await redis.aclose()
            ctx.finish(task)
    mix = results["mix"]
    ctx.log(
        f"ceiling (mix of {n:,} entries, {mix['payload_bytes_mean']:.0f} B mean): "
        f"XADD {mix['produce_per_s']:,.0f}/s, XREADGROUP+XACK {mix['redis_py_per_s']:,.0f}/s, "
        f"FastStream batch {mix['faststream_batch100_per_s']:,.0f}/s"
    )
    return results


async def _payload_set(
    ctx: Context, sandbox: Sandbox, redis: Redis, name: str, entries: list[Entry]
) -> dict[str, Any]:
    n = len(entries)
    result: dict[str, Any] = {
        "payload_bytes_mean": sum(len(f[b"__data__"]) for _, f in entries) / max(n, 1)
    }
    stream = sandbox.stream(f"ceiling.{name}")
    elapsed = await _produce(redis, stream, entries)
    result["produce_per_s"] = n / elapsed
    result["redis_py_per_s"] = n / await _read_redis_py(redis, stream, "redis-py", n)
    batch_sizes = (100, 200) if name == "mix" else (100,)
    for size in batch_sizes:
        seconds = await _read_faststream(ctx.backend.redis_url, redis, stream, f"fs-{size}", size)
        result[f"faststream_batch{size}_per_s"] = n / seconds
    if name == "mix":
        seconds = await _read_faststream(
            ctx.backend.redis_url, redis, stream, "fs-lean", 200, lean=True
        )
        result["faststream_batch200_without_body_decoding_per_s"] = n / seconds
    await redis.unlink(stream)
    return {k: round(v, 1) if isinstance(v, float) else v for k, v in result.items()}


async def _produce(redis: Redis, stream: str, entries: list[Entry], pipeline: int = 500) -> float:
    started = time.perf_counter()
    for start in range(0, len(entries), pipeline):
        async with redis.pipeline(transaction=False) as pipe:
            for _, fields in entries[start : start + pipeline]:
                pipe.xadd(stream, fields)  # type: ignore[arg-type]
            await pipe.execute()
    return time.perf_counter() - started


async def _read_redis_py(redis: Redis, stream: str, group: str, n: int) -> float:
    await redis.xgroup_create(stream, group, id="0")
    got = 0
    started = time.perf_counter()
    while got < n:
        reply: Any = await redis.xreadgroup(group, "reader", {stream: ">"}, count=READ_COUNT)
        if not reply:
            continue
        ids = [entry_id for entry_id, _ in reply[0][1]]
        await redis.xack(stream, group, *ids)
        got += len(ids)
    return time.perf_counter() - started


async def _lean_parser(message: Any, original: Any) -> Any:
    """FastStream's batch parser without decoding the bodies (the services never use them).

    The stock parser json-loads every entry, json-dumps the list again and decodes that once
    more for the handler; this one parses an empty list and hands over the untouched entries.
    """
    parsed = await original({**message, "data": []})
    parsed.raw_message = message
    return parsed


async def _read_faststream(
    url: str, redis: Redis, stream: str, group: str, max_records: int, *, lean: bool = False
) -> float:
    """An empty batch handler: what FastStream's read, parse and ack cost by themselves."""
    await redis.xgroup_create(stream, group, id="0")  # at 0: FastStream would create it at $
    logger = logging.getLogger("bench.faststream")
    # No log line per message, as in the services; and not the "connection closed" error that
    # stopping a broker in the middle of a blocking read logs.
    logger.setLevel(logging.CRITICAL)
    broker = RedisBroker(url, logger=logger, graceful_timeout=5)

    @broker.subscriber(
        stream=StreamSub(
            stream,
            group=group,
            consumer="bench",
            batch=True,
            max_records=max_records,
            polling_interval=100,
        ),
        parser=_lean_parser if lean else None,
    )
    async def empty(message: RedisBatchStreamMessage) -> None:
        return None

    started = time.perf_counter()
    await broker.start()
    try:
        while True:
            states = await group_states(redis, [stream], group)
            if states and states[0].settled:
                return time.perf_counter() - started
            await asyncio.sleep(0.002)
    finally:
        await broker.stop()
