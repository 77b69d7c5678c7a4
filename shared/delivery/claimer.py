"""The claimer: takes over entries left pending (a failed batch, a crashed consumer).

It asks Redis only for entries idle past the limit (XPENDING ... IDLE), claims them under its
own consumer name, and retries them one at a time; an entry delivered too often goes to the
dead letters. With nothing to claim it sleeps: FastStream's XAUTOCLAIM subscriber, by
contrast, walks the pending list without pause whenever a batch is in flight, which kept every
consuming service busy at a few events per second.
"""

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis

from shared import metrics
from shared.delivery.consumer import Consumer
from shared.delivery.entries import Entry
from shared.delivery.subscriptions import Subscription
from shared.logs import bound, entry_ids

log = logging.getLogger(__name__)

CLAIM_COUNT = 50


class Claimer:
    def __init__(
        self,
        redis: Redis,
        consumer: Consumer,
        subscriptions: Sequence[Subscription[Any]],
        *,
        namespace: str,
        name: str,
        min_idle_ms: int,
    ) -> None:
        self.redis = redis
        self.consumer = consumer
        self.subscriptions = subscriptions
        self.namespace = namespace
        self.name = name
        self.min_idle_ms = min_idle_ms
        self.pause_s = min(max(min_idle_ms / 4000, 0.1), 5.0)

    async def run(self) -> None:
        while True:
            metrics.claimer_ran()
            try:
                claimed = 0
                for subscription in self.subscriptions:
                    claimed += await self.claim(subscription)
            except Exception:
                log.exception("claimer pass failed; trying again")
                claimed = 0
            if claimed == 0:
                await asyncio.sleep(self.pause_s)

    async def claim(self, subscription: Subscription[Any]) -> int:
        """One pass over a stream's stale entries; returns how many were claimed."""
        stream = subscription.contract.stream(self.namespace)
        group = self.consumer.group
        stale = await self.redis.xpending_range(
            stream, group, min="-", max="+", count=CLAIM_COUNT, idle=self.min_idle_ms
        )
        if not stale:
            return 0
        deliveries = {item["message_id"]: int(item["times_delivered"]) + 1 for item in stale}
        claimed: Any = await self.redis.xclaim(
            stream, group, self.name, self.min_idle_ms, list(deliveries)
        )
        for entry_id, fields in claimed:
            entry = Entry(stream, entry_id.decode(), fields)
            with bound(stream=stream, group=group, **entry_ids(fields)):
                try:
                    await self.consumer.retry_claimed(subscription, entry, deliveries[entry_id])
                except Exception as exc:
                    # Not acknowledged: it stays pending and comes back after the idle limit.
                    log.warning("claimed entry %s of %s failed again: %r", entry_id, stream, exc)
                    continue
            await self.redis.xack(stream, group, entry_id)
        return len(claimed)
