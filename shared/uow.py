"""The unit of work: one transaction and the events it causes.

Routes and subscribers change state through `uow.session` and announce what happened with
`uow.emit(event)`. The events are written to the outbox in the same transaction, and handed to
the relay for publishing once that transaction has committed; if it rolls back, they never
existed.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts import Event
from shared.correlation import request_flow
from shared.db import Database
from shared.delivery.outbox import Relay


class UnitOfWork:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.events: list[Event] = []

    @property
    def correlation_id(self) -> UUID | None:
        """The flow an HTTP request brought (or started); None in a consumer, whose events
        follow the events that caused them."""
        flow = request_flow()
        return flow.correlation_id if flow else None

    def emit(self, *events: Event) -> None:
        """Publish these events if, and only if, this unit of work commits."""
        self.events.extend(events)
        flow = request_flow()
        if flow is not None and events:
            flow.correlation_id = events[-1].correlation_id  # the response names the flow


class UnitsOfWork:
    """Begins units of work on a service's database and hands their events to its relay."""

    def __init__(self, db: Database, relay: Relay) -> None:
        self.db = db
        self.relay = relay

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[UnitOfWork]:
        async with self.db.transaction() as session:
            uow = UnitOfWork(session)
            yield uow
            written = await self.relay.write(session, uow.events)
        await self.relay.dispatch(written)  # committed: publish now
