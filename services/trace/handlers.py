"""Trace's subscribers: every step of a lot or unit, as EPCIS business steps."""

from itertools import islice
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.trace import db
from shared.contracts import BatchCompleted, BatchSignedOff, Event, SaleCompleted, StockChanged
from shared.db import core_table
from shared.delivery.consumer import Subscription


def _step(
    event: Event,
    lot_code: str,
    biz_step: str,
    disposition: str,
    data: dict[str, Any],
    serial: str | None = None,
) -> dict[str, Any]:
    return {
        "lot_code": lot_code,
        "serial": serial,
        "biz_step": biz_step,
        "disposition": disposition,
        "occurred_at": event.occurred_at,
        "event_id": event.event_id,
        "data": data,
    }


async def _add_steps(session: AsyncSession, steps: list[dict[str, Any]]) -> None:
    if steps:
        await session.execute(insert(core_table(db.StepRow)), steps)


# A batch of 200 lots of 1,000 units would otherwise build 200,000 parameter rows at once.
UNIT_ROWS_PER_STATEMENT = 5_000


async def record_production(session: AsyncSession, events: list[BatchCompleted]) -> None:
    await session.execute(
        insert(core_table(db.LotRow)),
        [
            {
                "lot_code": e.lot_code,
                "batch_id": e.batch_id,
                "sku": e.sku,
                "product_name": e.product_name,
                "gtin": e.gtin,
                "tracking": e.tracking,
                "quantity": e.quantity,
                "unit_of_measure": e.unit_of_measure,
                "upt_code": e.upt_code,
                "upt_name": e.upt_name,
                "workshop_code": e.workshop_code,
                "workshop_name": e.workshop_name,
            }
            for e in events
        ],
    )
    units = ((serial, e.lot_code) for e in events for serial in e.serials)
    while chunk := list(islice(units, UNIT_ROWS_PER_STATEMENT)):
        await session.execute(
            insert(core_table(db.UnitRow)),
            [{"serial": serial, "lot_code": lot} for serial, lot in chunk],
        )
    await _add_steps(
        session,
        [
            _step(
                e,
                e.lot_code,
                "commissioning",
                "active",
                {
                    "upt_code": e.upt_code,
                    "upt_name": e.upt_name,
                    "workshop_code": e.workshop_code,
                    "workshop_name": e.workshop_name,
                    "quantity": e.quantity,
                },
            )
            for e in events
        ],
    )


async def record_inspection(session: AsyncSession, events: list[BatchSignedOff]) -> None:
    await _add_steps(
        session,
        [
            _step(
                e,
                e.lot_code,
                "inspecting",
                "conformant" if e.passed_quantity > 0 else "non_conformant",
                {
                    "passed_quantity": e.passed_quantity,
                    "rejected_quantity": e.rejected_quantity,
                    "defects": [d.model_dump() for d in e.defects],
                },
            )
            for e in events
        ],
    )


async def record_storing(session: AsyncSession, events: list[StockChanged]) -> None:
    await _add_steps(
        session,
        [
            _step(
                e,
                e.lot_code,
                "storing",
                "sellable_not_accessible",
                {"location_code": e.location_code, "quantity": e.delta},
            )
            for e in events
            if e.reason == "received" and e.lot_code is not None
        ],
    )


async def record_sales(session: AsyncSession, events: list[SaleCompleted]) -> None:
    steps = []
    for sale in events:
        for allocation in sale.allocations:
            data = {
                "channel_code": sale.channel_code,
                "buyer_ref": sale.buyer_ref,
                "order_id": str(sale.order_id),
                "location_code": allocation.location_code,
                "quantity": allocation.quantity,
            }
            if allocation.serials:
                steps += [
                    _step(
                        sale,
                        allocation.lot_code,
                        "retail_selling",
                        "retail_sold",
                        {**data, "quantity": 1},
                        serial,
                    )
                    for serial in allocation.serials
                ]
            else:
                steps.append(
                    _step(sale, allocation.lot_code, "retail_selling", "retail_sold", data)
                )
    await _add_steps(session, steps)


subscriptions: list[Subscription[Any]] = [
    Subscription(BatchCompleted, record_production),
    Subscription(BatchSignedOff, record_inspection),
    Subscription(StockChanged, record_storing),
    Subscription(SaleCompleted, record_sales),
]
