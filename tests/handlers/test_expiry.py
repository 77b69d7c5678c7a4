"""Inventory's best-before job: food past its best-before date (WIB) is quarantined at every
location, reason expired, exactly once, and the orders given it are released, as for a hold;
goods of an expired lot that become free again later are expired by the next run."""

import asyncio
from datetime import UTC, date, datetime, timedelta

from services.inventory import db
from services.inventory.expiry import BestBeforeRow, business_day, expire_lots
from shared import samples
from shared.contracts import (
    BatchCompleted,
    ReservationReleased,
    StockChanged,
    StockReserved,
)
from shared.settings import Settings
from tests.builders import GINGER, batch_completed, batch_signed_off, food, order_placed
from tests.handlers.harness import Service
from tests.handlers.inventory_checks import assert_stock_adds_up
from tests.handlers.test_quarantine import counts, held, level, lot, reservation_status

BEST_BEFORE = date(2026, 12, 10)


async def received(inventory: Service, best_before: date | None = BEST_BEFORE) -> BatchCompleted:
    """A lot of ginger that passed QC whole (10 pouches), in Serang's store."""
    batch = batch_completed(sku=GINGER, quantity=10)
    if best_before is not None:
        batch = food(batch, best_before=best_before, production_date=date(2026, 6, 10))
    await inventory.publish(batch_signed_off(batch))
    return batch


async def expired_changes(inventory: Service) -> list[StockChanged]:
    return [c for c in await inventory.outbox(StockChanged) if c.reason == "expired"]


async def test_a_lot_past_its_best_before_date_is_quarantined_once_and_its_orders_released(
    inventory: Service,
) -> None:
    old, fresh = await received(inventory), await received(inventory, BEST_BEFORE.replace(2027))
    order = order_placed(sku=GINGER, quantity=3)  # the oldest lot first: the expiring one
    await inventory.publish(order)
    [reserved] = await inventory.outbox(StockReserved)
    assert [a.lot_code for a in reserved.allocations] == [old.lot_code]
    [kept] = await inventory.rows(BestBeforeRow, BestBeforeRow.lot_code == old.lot_code)
    assert kept.best_before == BEST_BEFORE

    assert await expire_lots(inventory.runtime.units, today=BEST_BEFORE) == 0  # still good
    done = await expire_lots(inventory.runtime.units, today=BEST_BEFORE + timedelta(days=1))
    again = await expire_lots(inventory.runtime.units, today=BEST_BEFORE + timedelta(days=2))

    assert (done, again) == (1, 0)
    [released] = await inventory.outbox(ReservationReleased)
    assert released.order_id == order.order_id
    assert released.reason == f"lot {old.lot_code} is past its best-before date {BEST_BEFORE}"
    assert await reservation_status(inventory, order) == "released"
    [change] = await expired_changes(inventory)
    assert (change.lot_code, change.delta, change.on_hand, change.available) == (
        old.lot_code,
        -10,
        20,
        10,
    )
    assert change.correlation_id == old.correlation_id  # it follows the lot's flow
    assert counts(await level(inventory, GINGER)) == (20, 0, 10, 10)
    assert await lot(inventory, old.lot_code) == (10, 0, 10)
    assert await lot(inventory, fresh.lot_code) == (10, 0, 0)
    ledger = await inventory.rows(db.LedgerRow, db.LedgerRow.reason == "expired")
    assert [(line.lot_code, line.quarantined_delta) for line in ledger] == [(old.lot_code, 10)]
    await assert_stock_adds_up(inventory)


async def test_two_runs_at_once_quarantine_a_lot_once(inventory: Service) -> None:
    batch = await received(inventory)
    today = BEST_BEFORE + timedelta(days=1)

    done = await asyncio.gather(
        expire_lots(inventory.runtime.units, today=today),
        expire_lots(inventory.runtime.units, today=today),
    )

    assert sorted(done) == [0, 1]
    assert len(await expired_changes(inventory)) == 1
    assert await lot(inventory, batch.lot_code) == (10, 0, 10)
    await assert_stock_adds_up(inventory)


async def test_goods_of_an_expired_lot_released_from_a_hold_are_expired_by_the_next_run(
    inventory: Service,
) -> None:
    batch = await received(inventory)
    hold = held(batch)
    await inventory.publish(hold)
    today = BEST_BEFORE + timedelta(days=1)
    assert await expire_lots(inventory.runtime.units, today=today) == 0  # nothing free of it

    closed = samples.hold_closed(hold, outcome="released", reason="re-inspected: no mould")
    await inventory.publish(closed)
    assert counts(await level(inventory, GINGER)) == (10, 0, 0, 10)
    assert await expire_lots(inventory.runtime.units, today=today) == 1

    assert counts(await level(inventory, GINGER)) == (10, 0, 10, 0)
    [change] = await expired_changes(inventory)
    assert change.causation_id != closed.event_id
    await assert_stock_adds_up(inventory)


async def test_goods_without_a_best_before_date_never_expire(inventory: Service) -> None:
    await received(inventory, best_before=None)

    assert await expire_lots(inventory.runtime.units, today=date(2099, 1, 1)) == 0


def test_the_business_day_is_jakartas_shifted_for_drills() -> None:
    late_evening_utc = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)  # 01:00 on 1 Dec in WIB
    settings = Settings()
    assert business_day(settings, late_evening_utc) == date(2026, 12, 1)
    shifted = settings.model_copy(update={"business_date_shift_days": 30})
    assert business_day(shifted, late_evening_utc) == date(2026, 12, 31)
