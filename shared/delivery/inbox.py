"""Inbox: which events a consumer group has applied, written in the transaction of the effect."""

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts import Event

E = TypeVar("E", bound=Event)


async def take_unprocessed(
    session: AsyncSession, inbox: Table, group: str, events: Sequence[E]
) -> list[E]:
    """Record the events as processed and return those not seen before (duplicates dropped).

    Two replicas applying the same event race on the primary key: the loser's transaction
    fails, its entries stay pending, and the retry finds them processed.
    """
    ids = [str(event.event_id) for event in events]
    seen = set(
        await session.scalars(
            select(inbox.c.event_id).where(
                inbox.c.consumer_group == group, inbox.c.event_id.in_(ids)
            )
        )
    )
    fresh: dict[str, E] = {}
    for event_id, event in zip(ids, events, strict=True):
        if event_id not in seen and event_id not in fresh:
            fresh[event_id] = event
    if fresh:
        await session.execute(
            insert(inbox), [{"consumer_group": group, "event_id": key} for key in fresh]
        )
    return list(fresh.values())
