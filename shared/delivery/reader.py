"""The reader: new entries of every stream a service consumes, by XREADGROUP.

Each stream is followed by a task of its own; the entries of one read are applied as one
batch (one transaction) and acknowledged once committed, and a batch that fails stays pending
for the claimer. Groups are created at id 0 before the first read, so events published before
the service ever ran are delivered too.

Why not FastStream's subscriber: it creates groups at `$`, decodes every entry of a batch
several times, resolves dependencies per batch, and its test broker has no entry ids or
pending lists; see the README's delivery section.
"""

import asyncio
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.delivery.consumer import Consumer
from shared.delivery.entries import Entry
from shared.delivery.subscriptions import Subscription
from shared.logs import bound, entry_ids

log = logging.getLogger(__name__)


async def ensure_groups(redis: Redis, streams: Iterable[str], group: str) -> None:
    """Create the group at id 0 so events published before the first start are delivered."""
    for stream in streams:
        try:
            await redis.xgroup_create(stream, group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise


class Reader:
    def __init__(
        self,
        redis: Redis,
        consumer: Consumer,
        subscriptions: Sequence[Subscription[Any]],
        *,
        namespace: str,
        name: str,
        batch_size: int,
        block_ms: int,
    ) -> None:
        self.redis = redis
        self.consumer = consumer
        self.by_stream = {sub.contract.stream(namespace): sub for sub in subscriptions}
        self.name = name
        self.batch_size = batch_size
        self.block_ms = block_ms
        self.last_failure: str | None = None  # why the last batch that failed did
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._waiting: set[str] = set()  # streams inside XREADGROUP: nothing in hand
        self._stopping = False

    @property
    def streams(self) -> list[str]:
        return list(self.by_stream)

    def start(self) -> None:
        """Follow every stream in a task of its own: a slow batch of one stream (a big lot
        received) does not hold back another's (an order waiting for its reservation)."""
        self._tasks = {
            stream: asyncio.create_task(self._follow(stream), name=f"read {stream}")
            for stream in self.by_stream
        }

    async def stop(self, timeout_s: float = 10) -> None:
        """Let the batches in hand commit and be acknowledged, then stop; a batch still running
        after `timeout_s` is cancelled (rolled back, left pending for the claimer)."""
        self._stopping = True
        for stream, task in self._tasks.items():
            if stream in self._waiting:
                task.cancel()
        if self._tasks:
            _done, late = await asyncio.wait(self._tasks.values(), timeout=timeout_s)
            for task in late:
                task.cancel()
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def _follow(self, stream: str) -> None:
        group_missing = False
        while not self._stopping:
            try:
                if group_missing:  # the stream or its group was deleted (an operator, a reset)
                    await ensure_groups(self.redis, [stream], self.consumer.group)
                    group_missing = False
                await self.read_once(self.block_ms, streams=[stream])
            except Exception as exc:
                # Never leave the loop: a reader that stops is a stream nobody applies.
                log.exception("reading %s failed; retrying in a second", stream)
                group_missing = isinstance(exc, ResponseError) and "NOGROUP" in str(exc)
                await asyncio.sleep(1)

    async def read_once(
        self, block_ms: int | None = None, streams: Sequence[str] | None = None
    ) -> int:
        """One read of these streams (all by default); returns how many entries it brought."""
        keys = list(streams or self.by_stream)
        self._waiting.update(keys)
        try:
            response: Any = await self.redis.xreadgroup(
                self.consumer.group,
                self.name,
                dict.fromkeys(keys, ">"),
                count=self.batch_size,
                block=block_ms,
            )
        finally:
            self._waiting.difference_update(keys)
        read = 0
        for stream_name, raw_entries in response or []:
            stream = stream_name.decode()
            entries = [Entry(stream, entry_id.decode(), fields) for entry_id, fields in raw_entries]
            read += len(entries)
            await self._apply(self.by_stream[stream], entries)
        return read

    async def _apply(self, subscription: Subscription[Any], entries: list[Entry]) -> None:
        ids = entry_ids(entries[0].fields) if len(entries) == 1 else {}
        with bound(stream=entries[0].stream, group=self.consumer.group, **ids):
            try:
                await self.consumer.apply_entries(subscription, entries)
            except Exception as exc:
                # Not acknowledged: the batch stays pending; the claimer retries it entry by entry.
                log.exception("a batch of %d %s entries failed", len(entries), subscription.name)
                self.last_failure = repr(exc)
                return
        stream = entries[0].stream
        await self.redis.xack(stream, self.consumer.group, *(e.entry_id for e in entries))
