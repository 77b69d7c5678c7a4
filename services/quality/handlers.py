"""Quality's subscribers: every completed batch becomes a pending inspection."""

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.quality.db import InspectionRow
from shared.contracts import BatchCompleted
from shared.db import core_table
from shared.delivery.consumer import Subscription


async def open_inspections(session: AsyncSession, events: list[BatchCompleted]) -> None:
    now = datetime.now(UTC)
    await session.execute(
        insert(core_table(InspectionRow)),
        [
            {
                "batch_id": event.batch_id,
                "inspection_id": uuid4(),
                "lot_code": event.lot_code,
                "sku": event.sku,
                "product_name": event.product_name,
                "family": event.qc_family,
                "tracking": event.tracking,
                "upt_code": event.upt_code,
                "workshop_code": event.workshop_code,
                "quantity": event.quantity,
                "serials": event.serials,
                "status": "pending",
                "received_at": now,
            }
            for event in events
        ],
    )


subscriptions: list[Subscription[Any]] = [Subscription(BatchCompleted, open_inspections)]
