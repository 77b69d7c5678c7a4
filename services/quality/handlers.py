"""Quality's subscribers: every completed batch becomes a pending inspection."""

from datetime import UTC, datetime

from services.quality.db import Inspections
from shared.contracts import BatchCompleted
from shared.delivery.subscriptions import EventRouter
from shared.uow import UnitOfWork

events = EventRouter()


@events.subscriber
async def open_inspections(batches: list[BatchCompleted], uow: UnitOfWork) -> None:
    """Every completed batch waits for QC as a pending inspection."""
    await Inspections(uow.session).open(batches, datetime.now(UTC))
