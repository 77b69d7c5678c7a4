"""Inbox: which events a consumer group has applied, written in the transaction of the effect."""

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts import Event
from shared.db import upsert

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
