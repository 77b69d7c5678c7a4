"""Transactional outbox: events are written with the state change, then relayed to Redis."""

import asyncio
import contextlib
import logging
from collections.abc import Iterable

from redis.asyncio import Redis
from sqlalchemy import Table, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts import Event
from shared.db import OUTBOX_PENDING, Database, DeliveryTables
from shared.delivery.entries import DATA_FIELD

log = logging.getLogger(__name__)


async def emit(session: AsyncSession, outbox: Table, events: Iterable[Event]) -> None:
    """Add events to the outbox inside the caller's transaction; the relay publishes them."""
    rows = [
        {
            "event_id": str(event.event_id),
            "stream": event.stream_suffix(),
            "payload": event.model_dump_json(),
        }
        for event in events
    ]
    if rows:
        await session.execute(insert(outbox), rows)
        session.info[OUTBOX_PENDING] = True


class Relay:
    """Publishes unsent outbox rows in order, pipelined, and marks them sent.

    A row is marked sent only after Redis accepted it; a crash between the two publishes it
    again, which the consumers' inbox turns into a no-op.
    """

    def __init__(
        self,
        db: Database,
        tables: DeliveryTables,
        redis: Redis,
        *,
        namespace: str,
        interval_s: float,
        batch_size: int = 500,
    ) -> None:
        self.db = db
        self.table = tables.outbox
        self.redis = redis
        self.namespace = namespace
        self.interval_s = interval_s
        self.batch_size = batch_size
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Called after a commit that wrote outbox rows: publish now, not at the next tick."""
        self._wake.set()

    async def run(self) -> None:
        while True:
            try:
                published = await self.publish_pending()
            except Exception:
                log.exception("outbox relay failed; retrying")
                await asyncio.sleep(1)
                continue
            if published < self.batch_size:
                await self._sleep_until_woken()

    async def _sleep_until_woken(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=self.interval_s)
        self._wake.clear()

    async def publish_pending(self) -> int:
        table = self.table
        query = (
            select(table.c.id, table.c.stream, table.c.payload)
            .where(table.c.sent_at.is_(None))
            .order_by(table.c.id)
            .limit(self.batch_size)
        )
        if not self.db.is_sqlite:
            # Replicas relay side by side without publishing the same rows twice.
            query = query.with_for_update(skip_locked=True)
        async with self.db.transaction() as session:
            if not self.db.is_sqlite:
                # Only the "sent" marks are written here; losing the last ones in a server
                # crash publishes those rows again, which the inbox absorbs. No flush wait.
                await session.execute(text("SET LOCAL synchronous_commit = off"))
            rows = (await session.execute(query)).all()
            if not rows:
                return 0
            async with self.redis.pipeline(transaction=False) as pipe:
                for row in rows:
                    pipe.xadd(f"{self.namespace}.{row.stream}", {DATA_FIELD: row.payload})
                await pipe.execute()
            await session.execute(
                update(table)
                .where(table.c.id.in_([row.id for row in rows]))
                .values(sent_at=func.now())
            )
        return len(rows)
