"""Applying stream entries: in batches, once per event, bad entries to the dead letters."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table

from shared import metrics
from shared.contracts import Event
from shared.delivery.dead_letters import DeadLetters
from shared.delivery.entries import Entry, InvalidEntry, decode
from shared.delivery.inbox import take_unprocessed
from shared.delivery.subscriptions import Subscription
from shared.uow import UnitsOfWork


class Consumer:
    """Applies entries for one consumer group; never acks what it did not commit."""

    def __init__(
        self,
        units: UnitsOfWork,
        inbox: Table,
        dead_letters: DeadLetters,
        *,
        group: str,
        max_deliveries: int,
    ) -> None:
        self.units = units
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
        async with self.units.begin() as uow:
            fresh = await take_unprocessed(uow.session, self.inbox, self.group, events)
            if fresh:
                await subscription.handler(fresh, uow)
        metrics.applied(entries[0].stream, self.group, len(events))

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
        metrics.redelivered(entry.stream, self.group)
        try:
            await self.apply_entries(subscription, [entry])
        except Exception as exc:
            await self.dead_letters.remember_failure(entry, self.group, repr(exc))
            raise
