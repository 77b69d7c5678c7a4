"""Inventory's best-before job run by two replicas at once on the run's database (PostgreSQL
in CI): each expired lot is quarantined once per location, its order released once."""

import asyncio
from datetime import date, timedelta

from sqlalchemy import select

from services.inventory import db
from services.inventory.app import spec as inventory_spec
from services.inventory.expiry import expire_lots
from services.inventory.handlers import receive_goods, reserve_stock
from shared.service import Runtime
from tests.builders import GINGER, batch_completed, batch_signed_off, food, order_placed
from tests.integration.harness import running

BEST_BEFORE = date(2026, 12, 10)
LOTS = 6


async def test_two_replicas_expire_each_lot_once(system_env: dict[str, str]) -> None:
    hourly = {"JEJAK_BEST_BEFORE_INTERVAL_S": 3600}  # each runs its job once, at start
    async with (
        running(inventory_spec, system_env, **hourly) as one,
        running(inventory_spec, system_env, **hourly) as two,
    ):
        lots = await _received(one)
        today = BEST_BEFORE + timedelta(days=1)

        done = await asyncio.gather(
            expire_lots(one.units, today=today), expire_lots(two.units, today=today)
        )

        async with one.db.sessions() as session:
            expired = (
                await session.scalars(
                    select(db.LedgerRow.lot_code).where(db.LedgerRow.reason == "expired")
                )
            ).all()
            released = (
                await session.scalars(
                    select(db.ReservationRow.status).where(db.ReservationRow.sku == GINGER)
                )
            ).all()
    assert sum(done) == LOTS
    assert sorted(expired) == sorted(lots)
    assert released == ["released"]


async def _received(runtime: Runtime) -> list[str]:
    """LOTS lots of ginger received, best before BEST_BEFORE; an order reserved from the
    oldest."""
    batches = [
        food(batch_completed(sku=GINGER, quantity=5), best_before=BEST_BEFORE) for _ in range(LOTS)
    ]
    async with runtime.units.begin() as uow:
        await receive_goods([batch_signed_off(batch) for batch in batches], uow)
    async with runtime.units.begin() as uow:
        await reserve_stock([order_placed(sku=GINGER, quantity=2)], uow)
    return [batch.lot_code for batch in batches]
