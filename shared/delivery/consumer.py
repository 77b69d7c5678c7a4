"""Applying stream entries: in batches, once per event, bad entries to the dead letters."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts import Event
from shared.db import Database
from shared.delivery.dead_letters import DeadLetters
from shared.delivery.entries import Entry, InvalidEntry, decode
from shared.delivery.inbox import take_unprocessed

E = TypeVar("E", bound=Event)


@dataclass(frozen=True)
class Subscription(Generic[E]):
    """A service applies events of one contract with one function (inside a transaction)."""

    contract: type[E]
    apply: Callable[[AsyncSession, list[E]], Awaitable[None]]


class Consumer:
    """Applies entries for one consumer group; never acks what it did not commit."""

    def __init__(
        self,
        db: Database,
        inbox: Table,
        dead_letters: DeadLetters,
        *,
        group: str,
        max_deliveries: int,
    ) -> None:
        self.db = db
        self.inbox = inbox
        self.dead_letters = dead_letters
        self.group = group
        self.max_deliveries = max_deliveries

    async def apply_entries(
        self, subscription: Subscription[Any], entries: Sequence[Entry]
    ) -> None:
        """Invalid entries go to the dead letters; the rest are applied in one transaction.

        Raising leaves every entry of the batch pending: the claimer retries them one by one.
        """
        events: list[Event] = []
        for entry in entries:
            try:
                events.append(decode(entry, subscription.contract))
            except InvalidEntry as invalid:
                await self.dead_letters.send(
                    entry, group=self.group, reason=invalid.reason, error=invalid.error
                )
        if not events:
            return
        async with self.db.transaction() as session:
            fresh = await take_unprocessed(session, self.inbox, self.group, events)
            if fresh:
                await subscription.apply(session, fresh)

    async def retry_claimed(
        self, subscription: Subscription[Any], entry: Entry, deliveries: int
    ) -> None:
        """An entry left pending (failed, or its consumer died): apply again or give up."""
        if deliveries > self.max_deliveries:
            error = await self.dead_letters.last_failure(entry, self.group)
            await self.dead_letters.send(
                entry,
                group=self.group,
                reason="max_deliveries",
                error=f"not applied after {deliveries - 1} deliveries; last error: {error}",
                deliveries=deliveries - 1,
            )
            return
        try:
            await self.apply_entries(subscription, [entry])
        except Exception as exc:
            await self.dead_letters.remember_failure(entry, self.group, repr(exc))
            raise
