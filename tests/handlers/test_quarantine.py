"""Inventory under a hold: confirmed orders given held goods are released, what is on hand of
the held lot (or units) is quarantined, new orders can't get it, and a sale handed over before
the hold reached the shop is still booked out."""

from services.inventory import db
from services.inventory.api import LevelView, get_reservation, list_stock
from shared import samples
from shared.contracts import (
    BatchCompleted,
    LotHeld,
    OrderPlaced,
    ReservationDeclined,
    ReservationReleased,
    StockChanged,
    StockReserved,
)
from tests.builders import (
    GINGER,
    SHOES,
    batch_completed,
    batch_signed_off,
    order_placed,
    sale_completed,
)
from tests.handlers.harness import KANWIL, PAGE, Service
from tests.handlers.inventory_checks import assert_stock_adds_up

REASON = "mould found in a sample"


async def received(inventory: Service, sku: str = SHOES, quantity: int = 10) -> BatchCompleted:
    """A lot that passed QC whole, in its store."""
    batch = batch_completed(sku=sku, quantity=quantity)
    await inventory.publish(batch_signed_off(batch))
    return batch


def held(batch: BatchCompleted, serials: list[str] | None = None) -> LotHeld:
    return samples.lot_held(batch, serials=serials or [], reason=REASON)


async def reserve(inventory: Service, order: OrderPlaced) -> StockReserved:
    await inventory.publish(order)
    [reserved] = [r for r in await inventory.outbox(StockReserved) if r.order_id == order.order_id]
    return reserved


async def level(inventory: Service, sku: str) -> LevelView:
    async with inventory.session() as session:
        [view] = (await list_stock(session, KANWIL, PAGE, sku=sku)).items
    return view


def counts(view: LevelView) -> tuple[int, int, int, int]:
    """(on hand, reserved, quarantined, available)"""
    return view.on_hand, view.reserved, view.quarantined, view.available


async def lot(inventory: Service, lot_code: str) -> tuple[int, int, int]:
    """(on hand, reserved, quarantined) of a lot."""
    [row] = await inventory.rows(db.LotRow, db.LotRow.lot_code == lot_code)
    return row.on_hand, row.reserved, row.quarantined


async def statuses(inventory: Service, serials: list[str]) -> dict[str, str]:
    units = await inventory.rows(db.UnitRow, db.UnitRow.serial.in_(serials))
    return {unit.serial: unit.status for unit in units}


async def reservation_status(inventory: Service, order: OrderPlaced) -> str:
    async with inventory.session() as session:
        return (await get_reservation(order.order_id, session)).status


async def test_a_hold_releases_orders_given_the_lot_and_quarantines_what_is_on_hand(
    inventory: Service,
) -> None:
    lot_a, lot_b = await received(inventory), await received(inventory)
    first = order_placed(sku=SHOES, quantity=3, serials=lot_a.serials[:3])
    other = order_placed(sku=SHOES, quantity=2, serials=lot_b.serials[:2])
    reserved = await reserve(inventory, first)
    await reserve(inventory, other)
    before = await level(inventory, SHOES)
    assert counts(before) == (20, 5, 0, 15)
    hold = held(lot_a)

    await inventory.publish(hold)

    [released] = await inventory.outbox(ReservationReleased)
    assert (released.order_id, released.sku, released.quantity) == (first.order_id, SHOES, 3)
    assert released.allocations == reserved.allocations
    assert released.reason == f"lot {lot_a.lot_code} is on hold: {REASON}"
    assert released.causation_id == hold.event_id  # the hold is why: it follows the hold
    assert await reservation_status(inventory, first) == "released"
    assert await reservation_status(inventory, other) == "reserved"
    after = await level(inventory, SHOES)
    assert counts(after) == (20, 2, 10, 8)
    # available drops by what of the lot was free before the hold; the release gives back 3
    # and the quarantine takes the lot's 7 free and those 3: delta -10
    assert before.available - after.available == 10 - 3
    *_, release_change, quarantine_change = await inventory.outbox(StockChanged)
    assert (release_change.reason, release_change.delta) == ("released", 3)
    assert (quarantine_change.reason, quarantine_change.delta) == ("quarantined", -10)
    assert quarantine_change.lot_code == lot_a.lot_code
    assert quarantine_change.serials == sorted(lot_a.serials)
    assert (quarantine_change.on_hand, quarantine_change.available) == (20, 8)
    assert quarantine_change.causation_id == hold.event_id
    assert set((await statuses(inventory, lot_a.serials)).values()) == {"quarantined"}
    units_b = await statuses(inventory, lot_b.serials)
    assert [units_b[s] for s in lot_b.serials] == ["reserved"] * 2 + ["available"] * 8
    assert await lot(inventory, lot_a.lot_code) == (10, 0, 10)
    assert await lot(inventory, lot_b.lot_code) == (10, 2, 0)  # the other lot is untouched
    await assert_stock_adds_up(inventory)


async def test_an_order_after_a_hold_cannot_get_held_goods(inventory: Service) -> None:
    lot_a = await received(inventory)
    await inventory.publish(held(lot_a))
    anything = order_placed(sku=SHOES, quantity=1)
    named = order_placed(sku=SHOES, quantity=1, serials=[lot_a.serials[4]])

    await inventory.publish(anything, named)

    declined = {d.order_id: d.reason for d in await inventory.outbox(ReservationDeclined)}
    assert declined == {
        anything.order_id: "only 0 available",
        named.order_id: f"units not available: {lot_a.serials[4]} (on hold: {lot_a.serials[4]})",
    }

    lot_b = await received(inventory)
    reserved = await reserve(inventory, order_placed(sku=SHOES, quantity=4))

    assert [(a.lot_code, a.quantity) for a in reserved.allocations] == [(lot_b.lot_code, 4)]
    assert counts(await level(inventory, SHOES)) == (20, 4, 10, 6)
    await assert_stock_adds_up(inventory)


async def test_a_hold_of_some_units_quarantines_only_those(inventory: Service) -> None:
    batch = await received(inventory)
    serials = batch.serials
    touched = order_placed(sku=SHOES, quantity=2, serials=[serials[0], serials[5]])
    spared = order_placed(sku=SHOES, quantity=1, serials=[serials[7]])
    await reserve(inventory, touched)
    await reserve(inventory, spared)
    hold = held(batch, serials[:2])

    await inventory.publish(hold)

    [released] = await inventory.outbox(ReservationReleased)
    assert released.order_id == touched.order_id  # released whole, its unit 5 too
    assert await reservation_status(inventory, spared) == "reserved"
    units = await statuses(inventory, serials)
    assert {s for s, status in units.items() if status == "quarantined"} == set(serials[:2])
    assert (units[serials[5]], units[serials[7]]) == ("available", "reserved")
    assert counts(await level(inventory, SHOES)) == (10, 1, 2, 7)
    assert await lot(inventory, batch.lot_code) == (10, 1, 2)
    change = (await inventory.outbox(StockChanged))[-1]
    assert (change.reason, change.delta, change.serials) == ("quarantined", -2, serials[:2])
    await assert_stock_adds_up(inventory)


async def test_a_sale_handed_over_before_the_hold_is_booked_out_of_quarantine(
    inventory: Service,
) -> None:
    batch = await received(inventory)
    reserved = await reserve(inventory, order_placed(sku=SHOES, quantity=3))
    await inventory.publish(held(batch))

    await inventory.publish(sale_completed(reserved))  # no NotApplied: it is booked out

    sold = [s for a in reserved.allocations for s in a.serials]
    assert set((await statuses(inventory, sold)).values()) == {"sold"}
    assert counts(await level(inventory, SHOES)) == (7, 0, 7, 0)
    assert await lot(inventory, batch.lot_code) == (7, 0, 7)
    async with inventory.session() as session:
        answer = await get_reservation(reserved.order_id, session)
    assert answer.status == "sold"
    change = (await inventory.outbox(StockChanged))[-1]
    assert (change.reason, change.on_hand, change.available, change.delta) == ("sold", 7, 0, 0)
    await assert_stock_adds_up(inventory)


async def test_the_same_hold_delivered_twice_changes_nothing_the_second_time(
    inventory: Service,
) -> None:
    batch = await received(inventory)
    await reserve(inventory, order_placed(sku=SHOES, quantity=2))
    hold = held(batch)

    await inventory.publish(hold)
    after_first = (await level(inventory, SHOES), len(await inventory.outbox(StockChanged)))
    await inventory.publish(hold)
    await inventory.deliver_batch([hold, hold])

    assert (await level(inventory, SHOES), len(await inventory.outbox(StockChanged))) == after_first
    assert len(await inventory.outbox(ReservationReleased)) == 1

    await inventory.publish(held(batch))  # held again, by another hold: nothing left to do

    assert (await level(inventory, SHOES), len(await inventory.outbox(StockChanged))) == after_first
    await assert_stock_adds_up(inventory)


async def test_goods_traced_per_lot_are_quarantined_by_quantity(inventory: Service) -> None:
    older = await received(inventory, GINGER, 10)
    newer = await received(inventory, GINGER, 5)
    reserved = await reserve(inventory, order_placed(sku=GINGER, quantity=12))
    assert [(a.lot_code, a.quantity) for a in reserved.allocations] == [
        (older.lot_code, 10),
        (newer.lot_code, 2),
    ]

    await inventory.publish(held(older))

    [released] = await inventory.outbox(ReservationReleased)
    assert released.order_id == reserved.order_id
    assert counts(await level(inventory, GINGER)) == (15, 0, 10, 5)
    assert await lot(inventory, older.lot_code) == (10, 0, 10)
    assert await lot(inventory, newer.lot_code) == (5, 0, 0)
    change = (await inventory.outbox(StockChanged))[-1]
    assert (change.reason, change.delta, change.lot_code) == ("quarantined", -10, older.lot_code)
    assert change.serials == []
    await assert_stock_adds_up(inventory)

    too_many = order_placed(sku=GINGER, quantity=6)
    await inventory.publish(too_many)
    [declined] = await inventory.outbox(ReservationDeclined)
    assert (declined.order_id, declined.reason) == (too_many.order_id, "only 5 available")

    # the first order's goods had been handed over: 10 from quarantine, 2 of the newer lot
    await inventory.publish(sale_completed(reserved))

    assert counts(await level(inventory, GINGER)) == (3, 0, 0, 3)
    assert await lot(inventory, older.lot_code) == (0, 0, 0)
    assert await lot(inventory, newer.lot_code) == (3, 0, 0)
    await assert_stock_adds_up(inventory)


async def test_goods_received_after_their_hold_are_quarantined_on_arrival(
    inventory: Service,
) -> None:
    batch = batch_completed(sku=SHOES, quantity=10)
    hold = held(batch, batch.serials[:3])
    await inventory.publish(hold)  # read before the sign-off: they come on different streams

    await inventory.publish(batch_signed_off(batch))

    assert counts(await level(inventory, SHOES)) == (10, 0, 3, 7)
    units = await statuses(inventory, batch.serials)
    assert {s for s, status in units.items() if status == "quarantined"} == set(batch.serials[:3])
    change = (await inventory.outbox(StockChanged))[-1]
    assert (change.reason, change.delta, change.serials) == ("quarantined", -3, batch.serials[:3])
    assert change.causation_id == hold.event_id
    await assert_stock_adds_up(inventory)
