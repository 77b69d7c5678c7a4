"""Inbox: which events a consumer group has applied, written in the transaction of the effect."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Table, delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts import Event
from shared.db import Database, upsert

E = TypeVar("E", bound=Event)


async def take_unprocessed(
    session: AsyncSession, inbox: Table, group: str, events: Sequence[E]
) -> list[E]:
    """Record the events as processed and return those not seen before (duplicates dropped).

    One round trip: the insert skips ids already there and returns the ids it did record. A
    replica recording the same id at the same moment makes this insert wait for its outcome:
    committed, the id is skipped here; rolled back, it is recorded here.
    """
    by_id: dict[str, E] = {}
    for event in events:
        by_id.setdefault(str(event.event_id), event)
    statement = upsert(session, inbox).on_conflict_do_nothing().returning(inbox.c.event_id)
    rows = [{"consumer_group": group, "event_id": event_id} for event_id in by_id]
    recorded = set(await session.scalars(statement, rows))
    return [event for event_id, event in by_id.items() if event_id in recorded]


async def prune_inbox(
    db: Database, inbox: Table, group: str, before: datetime, batch_size: int = 5000
) -> int:
    """Delete the group's rows processed before `before`, a batch per transaction; how many.
    Which `before` is safe is the retention's business (shared/delivery/retention.py)."""
    keys = tuple_(inbox.c.consumer_group, inbox.c.event_id)
    pruned = 0
    while True:
        batch = (
            select(inbox.c.consumer_group, inbox.c.event_id)
            .where(inbox.c.consumer_group == group, inbox.c.processed_at < before)
            .limit(batch_size)
        )
        async with db.transaction() as session:
            result: Any = await session.execute(delete(inbox).where(keys.in_(batch)))
        count: int = result.rowcount
        pruned += count
        if count < batch_size:
            return pruned
