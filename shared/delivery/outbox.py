"""Transactional outbox: events are written with the state change, then published to Redis.

Right after a commit that wrote events, they are published at once from memory (no query),
in commit order. Rows are marked sent in bulk a moment later. A sweep publishes whatever is
still unsent after a grace period: events of a process that crashed between its commit and
its publish, or that found Redis down. A row is only ever marked sent after Redis accepted it;
publishing one twice is harmless, the consumers' inbox turns the second into a no-op.
"""

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from redis.asyncio import Redis
from sqlalchemy import Table, delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared import metrics
from shared.contracts import Event
from shared.db import Database, DeliveryTables
from shared.delivery.entries import DATA_FIELD

log = logging.getLogger(__name__)
E = TypeVar("E", bound=Event)


@dataclass(frozen=True, slots=True)
class OutboxRow:
    event_id: str
    stream: str  # without the namespace
    payload: str


class Relay:
    def __init__(
        self,
        db: Database,
        tables: DeliveryTables,
        redis: Redis,
        *,
        namespace: str,
        interval_s: float,
        sweep_grace: timedelta,
        batch_size: int = 500,
    ) -> None:
        self.db = db
        self.table = tables.outbox
        self.redis = redis
        self.namespace = namespace
        self.interval_s = interval_s
        self.sweep_grace = sweep_grace  # unsent rows younger than this are their committer's
        self.batch_size = batch_size
        self._published: list[str] = []  # event ids on Redis, not yet marked sent

    async def write(self, session: AsyncSession, events: Sequence[Event]) -> list[OutboxRow]:
        """Add events to the outbox inside the caller's transaction; `dispatch` them once it
        committed."""
        rows = [OutboxRow(str(e.event_id), e.stream_suffix(), e.model_dump_json()) for e in events]
        if rows:
            await session.execute(
                insert(self.table),
                [{"event_id": r.event_id, "stream": r.stream, "payload": r.payload} for r in rows],
            )
        return rows

    async def dispatch(self, rows: Sequence[OutboxRow]) -> None:
        """Publish rows just committed. On failure they stay unsent for the sweep."""
        if not rows:
            return
        try:
            await self._xadd([(row.stream, row.payload) for row in rows])
        except Exception:
            streams = sorted({f"{self.namespace}.{row.stream}" for row in rows})
            ids = [row.event_id for row in rows[:20]]
            log.exception(
                "publishing %d committed events failed; the sweep retries",
                len(rows),
                extra={"stream": ",".join(streams), "event_id": ",".join(ids)},
            )
            return
        self._published.extend(row.event_id for row in rows)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await self.mark_published()
                while await self.sweep() == self.batch_size:
                    pass
            except Exception:
                log.exception("outbox relay failed; retrying")

    async def mark_published(self) -> None:
        done, self._published = self._published, []
        if not done:
            return
        try:
            async with self.db.transaction() as session:
                await self._no_flush_wait(session)
                for start in range(0, len(done), self.batch_size):
                    chunk = done[start : start + self.batch_size]
                    await session.execute(
                        update(self.table)
                        .where(self.table.c.event_id.in_(chunk))
                        .values(sent_at=func.now())
                    )
        except Exception:
            self._published.extend(done)  # try again next time; the sweep waits for grace
            raise

    async def sweep(self, grace: timedelta | None = None) -> int:
        """Publish rows left unsent for longer than `grace`, oldest first; returns how many."""
        table = self.table
        query = (
            select(table.c.id, table.c.stream, table.c.payload)
            .where(
                table.c.sent_at.is_(None),
                table.c.created_at
                < datetime.now(UTC) - (self.sweep_grace if grace is None else grace),
            )
            .order_by(table.c.id)
            .limit(self.batch_size)
        )
        if not self.db.is_sqlite:
            # Replicas sweep side by side without publishing the same rows twice.
            query = query.with_for_update(skip_locked=True)
        async with self.db.transaction() as session:
            rows = (await session.execute(query)).all()
            if not rows:
                return 0
            await self._no_flush_wait(session)
            await self._xadd([(row.stream, row.payload) for row in rows])
            await session.execute(
                update(table)
                .where(table.c.id.in_([row.id for row in rows]))
                .values(sent_at=func.now())
            )
        return len(rows)

    async def flush(self) -> None:
        """At shutdown: mark what was published, publish what is left."""
        await self.mark_published()
        with contextlib.suppress(Exception):
            while await self.sweep(grace=timedelta(0)) == self.batch_size:
                pass

    async def _xadd(self, entries: Sequence[tuple[str, str]]) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for stream, payload in entries:
                pipe.xadd(f"{self.namespace}.{stream}", {DATA_FIELD: payload})
            await pipe.execute()
        metrics.published(self.namespace, entries)

    async def _no_flush_wait(self, session: AsyncSession) -> None:
        if not self.db.is_sqlite:
            # Only "sent" marks are written in these transactions: losing the last ones in a
            # server crash publishes those rows again, which the inbox absorbs.
            await session.execute(text("SET LOCAL synchronous_commit = off"))


async def written_events(session: AsyncSession, outbox: Table, contract: type[E]) -> list[E]:
    """The events of one contract a service wrote to its outbox, oldest first."""
    payloads = await session.scalars(
        select(outbox.c.payload)
        .where(outbox.c.stream == contract.stream_suffix())
        .order_by(outbox.c.id)
    )
    return [contract.model_validate_json(payload) for payload in payloads]


async def prune_sent(db: Database, outbox: Table, before: datetime, batch_size: int = 5000) -> int:
    """Delete rows sent before `before`, a batch per transaction (unsent rows stay); how many."""
    pruned = 0
    while True:
        batch = (
            select(outbox.c.id)
            .where(outbox.c.sent_at.is_not(None), outbox.c.sent_at < before)
            .limit(batch_size)
        )
        async with db.transaction() as session:
            result: Any = await session.execute(delete(outbox).where(outbox.c.id.in_(batch)))
        count: int = result.rowcount
        pruned += count
        if count < batch_size:
            return pruned
