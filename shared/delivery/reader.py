"""The reader: new entries of every stream a service consumes, with one XREADGROUP.

Each stream's entries of a read are applied as one batch (one transaction) and acknowledged
once committed; a batch that fails stays pending for the claimer. Groups are created at id 0
before the first read, so events published before the service ever ran are delivered too.

Why not FastStream's subscriber: it creates groups at `$`, decodes every entry of a batch
several times, resolves dependencies per batch, reads each stream on its own, and its test
broker has no entry ids or pending lists; see the README's delivery section.
"""

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.delivery.consumer import Consumer
from shared.delivery.entries import Entry
from shared.delivery.subscriptions import Subscription

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
        self._waiting = False  # inside XREADGROUP: nothing in hand, safe to cancel
        self._stopping = False
        self.last_failure: str | None = None  # why the last batch that failed did

    @property
    def streams(self) -> list[str]:
        return list(self.by_stream)

    async def run(self) -> None:
        while not self._stopping:
            try:
                await self.read_once(self.block_ms)
            except ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                # The stream or its group was deleted under us (by an operator, a reset).
                log.warning("%s; creating the groups again", exc)
                await ensure_groups(self.redis, self.streams, self.consumer.group)
            except Exception:
                log.exception("reading %s failed; retrying in a second", ", ".join(self.streams))
                await asyncio.sleep(1)

    async def stop(self, task: "asyncio.Task[None]", timeout_s: float = 10) -> None:
        """Let the batch in hand commit and be acknowledged, then stop; a batch still running
        after `timeout_s` is cancelled (rolled back, left pending for the claimer)."""
        self._stopping = True
        if self._waiting:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, timeout_s)

    async def read_once(self, block_ms: int | None = None) -> int:
        """One read of every stream; returns how many entries it brought."""
        self._waiting = True
        try:
            response: Any = await self.redis.xreadgroup(
                self.consumer.group,
                self.name,
                dict.fromkeys(self.by_stream, ">"),
                count=self.batch_size,
                block=block_ms,
            )
        finally:
            self._waiting = False
        read = 0
        for stream_name, raw_entries in response or []:
            stream = stream_name.decode()
            entries = [Entry(stream, entry_id.decode(), fields) for entry_id, fields in raw_entries]
            read += len(entries)
            await self._apply(self.by_stream[stream], entries)
        return read

    async def _apply(self, subscription: Subscription[Any], entries: list[Entry]) -> None:
        try:
            await self.consumer.apply_entries(subscription, entries)
        except Exception as exc:
            # Not acknowledged: the batch stays pending and the claimer retries it entry by entry.
            log.exception("a batch of %d %s entries failed", len(entries), subscription.name)
            self.last_failure = repr(exc)
            return
        stream = entries[0].stream
        await self.redis.xack(stream, self.consumer.group, *(e.entry_id for e in entries))
