"""Inventory after goods leave the usual path: a hold closed (goods released or destroyed), an
order cancelled (before or after inventory read it), goods returned by a buyer, and a QC
sign-off superseded after the goods were received."""

from collections.abc import Sequence
from typing import Literal
from uuid import uuid4

import pytest

from services.inventory import db
from services.quality.domain import DEFECT_CODES
from shared import samples
from shared.contracts import (
    Allocation,
    BatchCompleted,
    BatchSignedOff,
    HoldClosed,
    LotHeld,
    OrderPlaced,
    ReservationDeclined,
    ReservationReleased,
    SaleCompleted,
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
from tests.handlers.harness import NotApplied, Service
from tests.handlers.inventory_checks import assert_stock_adds_up

STORE = "CLG-STORE"  # where shoes are received
GINGER_STORE = "SRG-STORE"
DESK = "TGR-STORE"  # where buyers bring goods back in these tests


async def received(inventory: Service, sku: str = SHOES, quantity: int = 10) -> BatchSignedOff:
    """A lot that passed QC whole, in its store; its sign-off."""
    signed_off = batch_signed_off(batch_completed(sku=sku, quantity=quantity))
    await inventory.publish(signed_off)
    return signed_off


def held(lot: BatchSignedOff, serials: Sequence[str] = ()) -> LotHeld:
    return LotHeld.new(
        caused_by=lot,
        source=lot,
        hold_id=uuid4(),
        serials=[*serials],
        reason="mould found in a sample",
        held_by="kanwil_admin",
    )


def closed(hold: LotHeld, outcome: Literal["released", "destroyed"] = "released") -> HoldClosed:
    return samples.hold_closed(hold, outcome=outcome, reason="re-inspected")


async def reserve(inventory: Service, order: OrderPlaced) -> StockReserved:
    await inventory.publish(order)
    [reserved] = [r for r in await inventory.outbox(StockReserved) if r.order_id == order.order_id]
    return reserved


async def sell(inventory: Service, order: OrderPlaced) -> SaleCompleted:
    sale = sale_completed(await reserve(inventory, order))
    await inventory.publish(sale)
    return sale


async def level(inventory: Service, sku: str, location: str = STORE) -> tuple[int, int, int]:
    """(on hand, reserved, quarantined) of a SKU at a location."""
    [row] = await inventory.rows(
        db.LevelRow, db.LevelRow.sku == sku, db.LevelRow.location_code == location
    )
    return row.on_hand, row.reserved, row.quarantined


async def lot(inventory: Service, lot_code: str, location: str = STORE) -> tuple[int, int, int]:
    """(on hand, reserved, quarantined) of a lot at a location."""
    [row] = await inventory.rows(
        db.LotRow, db.LotRow.lot_code == lot_code, db.LotRow.location_code == location
    )
    return row.on_hand, row.reserved, row.quarantined


async def statuses(inventory: Service, serials: Sequence[str]) -> list[str]:
    units = {u.serial: u for u in await inventory.rows(db.UnitRow, db.UnitRow.serial.in_(serials))}
    return [units[serial].status for serial in serials]


async def changes(inventory: Service, reason: str) -> list[StockChanged]:
    return [c for c in await inventory.outbox(StockChanged) if c.reason == reason]


async def reservation(inventory: Service, order: OrderPlaced) -> db.ReservationRow:
    async with inventory.session() as session:
        row = await session.get(db.ReservationRow, order.order_id)
    assert row is not None, f"order {order.order_id} was never answered"
    return row


async def ledger_reasons(inventory: Service) -> list[tuple[str, int, int, int]]:
    """(reason, on hand, reserved, quarantined) of every ledger line, oldest first."""
    lines = sorted(await inventory.rows(db.LedgerRow), key=lambda line: line.id)
    return [
        (line.reason, line.on_hand_delta, line.reserved_delta, line.quarantined_delta)
        for line in lines
    ]


def corrected(
    batch: BatchCompleted, first: BatchSignedOff, *, rejected: int | Sequence[str]
) -> BatchSignedOff:
    """QC's new decision on a batch, superseding `first`: `rejected` fail the first code."""
    return samples.batch_signed_off(
        batch,
        rejected=rejected,
        defect=next(iter(DEFECT_CODES[batch.qc_family].items())),
        supersedes=first.inspection_id,
    )


# --------------------------------------------------------------------------- closing a hold


async def test_a_released_hold_puts_its_goods_back_on_sale(inventory: Service) -> None:
    shoes = await received(inventory)
    hold = held(shoes, shoes.passed_serials[:4])
    await inventory.publish(hold)
    assert await level(inventory, SHOES) == (10, 0, 4)

    await inventory.publish(closed(hold))

    assert await level(inventory, SHOES) == (10, 0, 0)
    assert await lot(inventory, shoes.lot_code) == (10, 0, 0)
    assert set(await statuses(inventory, shoes.passed_serials)) == {"available"}
    [change] = await changes(inventory, "released")
    assert (change.delta, change.available, change.on_hand) == (4, 10, 10)
    assert ("released", 0, 0, -4) in await ledger_reasons(inventory)
    [row] = await inventory.rows(db.HoldRow, db.HoldRow.hold_id == hold.hold_id)
    assert row.closed == "released"
    reserved = await reserve(inventory, order_placed(quantity=1, serials=shoes.passed_serials[:1]))
    assert reserved.quantity == 1  # sellable again
    await assert_stock_adds_up(inventory)


async def test_goods_another_open_hold_covers_stay_quarantined(inventory: Service) -> None:
    shoes = await received(inventory)
    serials = shoes.passed_serials
    first, second = held(shoes, serials[:4]), held(shoes, serials[2:6])
    await inventory.publish(first, second)
    assert await level(inventory, SHOES) == (10, 0, 6)

    await inventory.publish(closed(first))

    assert await statuses(inventory, serials[:6]) == ["available"] * 2 + ["quarantined"] * 4
    assert await level(inventory, SHOES) == (10, 0, 4)
    [change] = await changes(inventory, "released")
    assert change.delta == 2

    await inventory.publish(closed(second))

    assert set(await statuses(inventory, serials)) == {"available"}
    assert await level(inventory, SHOES) == (10, 0, 0)
    await assert_stock_adds_up(inventory)


async def test_a_lot_held_twice_stays_quarantined_until_both_holds_are_closed(
    inventory: Service,
) -> None:
    ginger = await received(inventory, GINGER, 8)
    first, second = held(ginger), held(ginger)
    await inventory.publish(first, second)

    await inventory.publish(closed(first))

    assert await level(inventory, GINGER, GINGER_STORE) == (8, 0, 8)
    assert await changes(inventory, "released") == []

    await inventory.publish(closed(second))

    assert await level(inventory, GINGER, GINGER_STORE) == (8, 0, 0)
    assert await lot(inventory, ginger.lot_code, GINGER_STORE) == (8, 0, 0)
    await assert_stock_adds_up(inventory)


async def test_a_destroyed_hold_writes_its_goods_off(inventory: Service) -> None:
    shoes = await received(inventory)
    serials = shoes.passed_serials
    hold = held(shoes, serials[:3])
    await inventory.publish(hold)

    await inventory.publish(closed(hold, "destroyed"))

    assert await level(inventory, SHOES) == (7, 0, 0)
    assert await lot(inventory, shoes.lot_code) == (7, 0, 0)
    assert await statuses(inventory, serials[:4]) == ["destroyed"] * 3 + ["available"]
    [change] = await changes(inventory, "written_off")
    assert (change.delta, change.on_hand, change.available) == (0, 7, 7)
    assert (change.lot_code, change.serials) == (shoes.lot_code, serials[:3])
    assert ("written_off", -3, 0, -3) in await ledger_reasons(inventory)
    await assert_stock_adds_up(inventory)


async def test_a_destroyed_lot_traced_per_lot_is_written_off_whole(inventory: Service) -> None:
    ginger = await received(inventory, GINGER, 6)
    other = await received(inventory, GINGER, 4)
    hold = held(ginger)
    await inventory.publish(hold)

    await inventory.publish(closed(hold, "destroyed"))

    assert await level(inventory, GINGER, GINGER_STORE) == (4, 0, 0)
    assert await lot(inventory, ginger.lot_code, GINGER_STORE) == (0, 0, 0)
    assert await lot(inventory, other.lot_code, GINGER_STORE) == (4, 0, 0)
    await assert_stock_adds_up(inventory)


async def test_a_hold_closed_twice_is_closed_once(inventory: Service) -> None:
    shoes = await received(inventory)
    hold = held(shoes)
    await inventory.publish(hold)
    close = closed(hold)

    await inventory.publish(close)
    after = (await level(inventory, SHOES), len(await inventory.outbox(StockChanged)))
    await inventory.publish(close)  # the inbox skips the same event
    await inventory.publish(closed(hold, "destroyed"))  # another close: nothing left to do

    assert (await level(inventory, SHOES), len(await inventory.outbox(StockChanged))) == after
    await inventory.publish(hold)  # nor does the hold quarantine anything again
    assert await level(inventory, SHOES) == (10, 0, 0)
    await assert_stock_adds_up(inventory)


async def test_a_closed_hold_no_longer_quarantines_goods_arriving_later(
    inventory: Service,
) -> None:
    batch = batch_completed(sku=SHOES, quantity=5)
    hold = samples.lot_held(batch, reason="mould")
    await inventory.publish(hold)  # read before the goods: they come on another stream
    await inventory.publish(closed(hold))

    await inventory.publish(batch_signed_off(batch))

    assert await level(inventory, SHOES) == (5, 0, 0)
    assert set(await statuses(inventory, batch.serials)) == {"available"}
    await assert_stock_adds_up(inventory)


async def test_a_close_read_before_its_hold_is_left_to_retry(inventory: Service) -> None:
    shoes = await received(inventory)

    with pytest.raises(NotApplied, match="has not read that hold"):
        await inventory.publish(closed(held(shoes)))

    assert await level(inventory, SHOES) == (10, 0, 0)


# --------------------------------------------------------------------------- cancelling an order


@pytest.mark.parametrize(
    ("cancelled_by", "why"),
    [("channel", "cancelled by its channel"), ("expiry", "expired")],
)
async def test_a_cancelled_order_gives_its_goods_back(
    inventory: Service, cancelled_by: Literal["channel", "expiry"], why: str
) -> None:
    shoes = await received(inventory)
    order = order_placed(quantity=3)
    reserved = await reserve(inventory, order)
    cancel = samples.order_cancelled(order, cancelled_by=cancelled_by, reason="no longer wanted")

    await inventory.publish(cancel)

    [released] = await inventory.outbox(ReservationReleased)
    assert (released.order_id, released.reason) == (order.order_id, f"{why}: no longer wanted")
    assert released.allocations == reserved.allocations
    assert released.causation_id == cancel.event_id
    assert await level(inventory, SHOES) == (10, 0, 0)
    assert set(await statuses(inventory, shoes.passed_serials)) == {"available"}
    assert (await reservation(inventory, order)).status == "released"
    [change] = await changes(inventory, "released")
    assert (change.delta, change.available) == (3, 10)
    await assert_stock_adds_up(inventory)


async def test_an_order_cancelled_before_inventory_read_it_is_never_reserved(
    inventory: Service,
) -> None:
    await received(inventory)
    order = order_placed(quantity=2)

    await inventory.publish(samples.order_cancelled(order))
    await inventory.publish(order)  # read after: it comes on another stream

    answer = await reservation(inventory, order)
    assert (answer.status, answer.allocations) == ("cancelled", [])
    assert answer.reason == "cancelled by its channel: the buyer changed their mind"
    assert await inventory.outbox(StockReserved) == []
    assert await inventory.outbox(ReservationDeclined) == []
    assert await inventory.outbox(ReservationReleased) == []
    assert await level(inventory, SHOES) == (10, 0, 0)
    await assert_stock_adds_up(inventory)


async def test_cancelling_an_order_with_nothing_reserved_changes_nothing(
    inventory: Service,
) -> None:
    await received(inventory)
    declined = order_placed(quantity=11)
    await inventory.publish(declined)
    sold = order_placed(quantity=2)
    await sell(inventory, sold)
    before = (await level(inventory, SHOES), len(await inventory.outbox(StockChanged)))

    await inventory.publish(samples.order_cancelled(declined), samples.order_cancelled(sold))

    assert (await level(inventory, SHOES), len(await inventory.outbox(StockChanged))) == before
    assert await inventory.outbox(ReservationReleased) == []
    assert (await reservation(inventory, declined)).status == "declined"
    assert (await reservation(inventory, sold)).status == "sold"


# --------------------------------------------------------------------------- goods returned


async def test_returned_units_are_quarantined_where_they_came_back(inventory: Service) -> None:
    shoes = await received(inventory)
    order = order_placed(quantity=3)
    sale = await sell(inventory, order)
    [sold] = sale.allocations
    back = Allocation(
        lot_code=sold.lot_code, location_code=STORE, quantity=2, serials=sold.serials[:2]
    )
    returned = samples.goods_returned(sale, location_code=DESK, allocations=[back])

    await inventory.publish(returned)

    assert await level(inventory, SHOES, DESK) == (2, 0, 2)
    assert await level(inventory, SHOES) == (7, 0, 0)
    assert await lot(inventory, shoes.lot_code, DESK) == (2, 0, 2)
    units = await inventory.rows(db.UnitRow, db.UnitRow.serial.in_(sold.serials))
    where = {u.serial: (u.status, u.location_code, u.order_id) for u in units}
    assert where[sold.serials[0]] == ("quarantined", DESK, None)
    assert where[sold.serials[2]] == ("sold", STORE, order.order_id)
    [change] = await changes(inventory, "returned")
    assert (change.location_code, change.on_hand, change.available, change.delta) == (
        DESK,
        2,
        0,
        0,
    )
    assert (change.lot_code, change.serials) == (shoes.lot_code, sold.serials[:2])
    [line] = await inventory.rows(db.LedgerRow, db.LedgerRow.reason == "returned")
    assert (line.on_hand_delta, line.quarantined_delta, line.order_id) == (2, 2, order.order_id)
    await assert_stock_adds_up(inventory)


async def test_returned_goods_go_back_on_sale_when_their_hold_is_released(
    inventory: Service,
) -> None:
    shoes = await received(inventory)
    sale = await sell(inventory, order_placed(quantity=1))
    [unit] = sale.allocations[0].serials
    await inventory.publish(samples.goods_returned(sale, location_code=DESK))
    hold = held(shoes, [unit])  # quality re-inspects the unit under a hold
    await inventory.publish(hold)
    assert await level(inventory, SHOES, DESK) == (1, 0, 1)

    await inventory.publish(closed(hold))

    assert await level(inventory, SHOES, DESK) == (1, 0, 0)
    assert await statuses(inventory, [unit]) == ["available"]
    again = await reserve(inventory, order_placed(quantity=1, serials=[unit]))
    assert [(a.location_code, a.serials) for a in again.allocations] == [(DESK, [unit])]
    await assert_stock_adds_up(inventory)


async def test_a_return_resent_is_taken_back_once(inventory: Service) -> None:
    await received(inventory)
    sale = await sell(inventory, order_placed(quantity=2))
    returned = samples.goods_returned(sale, location_code=STORE)
    resent = returned.model_copy(update={"event_id": uuid4()})

    await inventory.publish(returned, resent)

    assert await level(inventory, SHOES) == (10, 0, 2)
    assert len(await changes(inventory, "returned")) == 1
    await assert_stock_adds_up(inventory)


async def test_units_never_sold_cannot_be_returned(inventory: Service) -> None:
    shoes = await received(inventory)
    sale = await sell(inventory, order_placed(quantity=1, serials=shoes.passed_serials[:1]))
    unsold = Allocation(
        lot_code=shoes.lot_code, location_code=STORE, quantity=1, serials=shoes.passed_serials[5:6]
    )

    with pytest.raises(NotApplied, match="were not sold in order"):
        await inventory.publish(
            samples.goods_returned(sale, location_code=STORE, allocations=[unsold])
        )

    assert await level(inventory, SHOES) == (9, 0, 0)


async def test_goods_traced_per_lot_come_back_no_more_than_were_sold(inventory: Service) -> None:
    ginger = await received(inventory, GINGER, 10)
    sale = await sell(inventory, order_placed(sku=GINGER, quantity=4))
    some = Allocation(lot_code=ginger.lot_code, location_code=GINGER_STORE, quantity=3)

    await inventory.publish(
        samples.goods_returned(sale, location_code=GINGER_STORE, allocations=[some])
    )

    assert await level(inventory, GINGER, GINGER_STORE) == (9, 0, 3)
    assert await lot(inventory, ginger.lot_code, GINGER_STORE) == (9, 0, 3)
    with pytest.raises(NotApplied, match="has 1 of it out"):
        await inventory.publish(
            samples.goods_returned(sale, location_code=GINGER_STORE, allocations=[some])
        )
    assert await level(inventory, GINGER, GINGER_STORE) == (9, 0, 3)
    await assert_stock_adds_up(inventory)


# --------------------------------------------------------------------------- QC corrections


async def test_a_correction_takes_out_the_units_it_fails_wherever_they_are(
    inventory: Service,
) -> None:
    batch = batch_completed(sku=SHOES, quantity=10)
    first = batch_signed_off(batch)
    await inventory.publish(first)
    s = batch.serials
    await inventory.publish(held(first, [s[1]]))  # s[1] quarantined
    order = order_placed(quantity=2, serials=[s[2], s[3]])  # s[2] fails, s[3] does not
    reserved = await reserve(inventory, order)
    await sell(inventory, order_placed(quantity=1, serials=[s[4]]))  # s[4] sold
    assert await level(inventory, SHOES) == (9, 2, 1)
    failing = [s[0], s[1], s[2], s[4]]

    correction = corrected(batch, first, rejected=failing)
    await inventory.publish(correction)

    [released] = await inventory.outbox(ReservationReleased)
    assert (released.order_id, released.allocations) == (order.order_id, reserved.allocations)
    assert released.reason.startswith(f"QC correction of lot {batch.lot_code}: ")
    assert released.causation_id == correction.event_id
    assert await statuses(inventory, s[:5]) == ["rejected"] * 3 + ["available", "sold"]
    assert await level(inventory, SHOES) == (6, 0, 0)
    assert await lot(inventory, batch.lot_code) == (6, 0, 0)
    [change] = await changes(inventory, "rejected")
    assert (change.lot_code, change.serials) == (batch.lot_code, [s[0], s[1], s[2]])
    assert (change.on_hand, change.available) == (6, 6)
    assert ("rejected", -3, 0, -1) in await ledger_reasons(inventory)
    assert (await reservation(inventory, order)).status == "released"
    await assert_stock_adds_up(inventory)


async def test_a_correction_passing_more_units_receives_them(inventory: Service) -> None:
    batch = batch_completed(sku=SHOES, quantity=6)
    first = batch_signed_off(batch, rejected_serials=batch.serials[3:])
    await inventory.publish(first)
    await inventory.publish(held(first, [batch.serials[4]]))  # held before it was in stock

    await inventory.publish(corrected(batch, first, rejected=[batch.serials[5]]))

    assert await level(inventory, SHOES) == (5, 0, 1)
    assert await statuses(inventory, batch.serials[:5]) == ["available"] * 4 + ["quarantined"]
    [_, change] = await changes(inventory, "received")
    assert (change.delta, change.serials) == (2, batch.serials[3:5])
    await assert_stock_adds_up(inventory)


async def test_a_unit_rejected_then_passed_again_is_back_on_the_shelf(inventory: Service) -> None:
    batch = batch_completed(sku=SHOES, quantity=4)
    first = batch_signed_off(batch)
    await inventory.publish(first)
    second = corrected(batch, first, rejected=batch.serials[:1])
    await inventory.publish(second)
    assert await level(inventory, SHOES) == (3, 0, 0)

    await inventory.publish(corrected(batch, second, rejected=0))

    assert await level(inventory, SHOES) == (4, 0, 0)
    assert set(await statuses(inventory, batch.serials)) == {"available"}
    await assert_stock_adds_up(inventory)


async def test_a_correction_of_goods_traced_per_lot_follows_the_difference(
    inventory: Service,
) -> None:
    batch = batch_completed(sku=GINGER, quantity=10)
    first = batch_signed_off(batch)
    await inventory.publish(first)
    order = order_placed(sku=GINGER, quantity=6)
    await reserve(inventory, order)  # 4 free

    second = corrected(batch, first, rejected=7)  # 3 pass: 4 free out, then 3 of the order's
    await inventory.publish(second)

    [released] = await inventory.outbox(ReservationReleased)
    assert released.order_id == order.order_id
    assert await level(inventory, GINGER, GINGER_STORE) == (3, 0, 0)
    assert await lot(inventory, batch.lot_code, GINGER_STORE) == (3, 0, 0)
    assert [c.delta for c in await changes(inventory, "rejected")] == [-4, -3]

    await inventory.publish(corrected(batch, second, rejected=2))  # 8 pass: 5 more

    assert await level(inventory, GINGER, GINGER_STORE) == (8, 0, 0)
    [_, more] = await changes(inventory, "received")
    assert (more.delta, more.lot_code) == (5, batch.lot_code)
    await assert_stock_adds_up(inventory)


async def test_a_correction_takes_free_goods_before_quarantined_ones(inventory: Service) -> None:
    batch = batch_completed(sku=GINGER, quantity=10)
    first = batch_signed_off(batch)
    await inventory.publish(first)
    sale = await sell(inventory, order_placed(sku=GINGER, quantity=4))
    await inventory.publish(samples.goods_returned(sale, location_code=DESK))  # 4 quarantined
    assert await level(inventory, GINGER, DESK) == (4, 0, 4)

    await inventory.publish(corrected(batch, first, rejected=8))  # 2 pass: 6 free, then 2 held

    assert await level(inventory, GINGER, GINGER_STORE) == (0, 0, 0)
    assert await level(inventory, GINGER, DESK) == (2, 0, 2)
    rejected = await changes(inventory, "rejected")
    assert [(c.location_code, c.delta, c.on_hand) for c in rejected] == [
        (GINGER_STORE, -6, 0),
        (DESK, 0, 2),
    ]
    await assert_stock_adds_up(inventory)


async def test_a_correction_never_takes_sold_goods(inventory: Service) -> None:
    batch = batch_completed(sku=GINGER, quantity=5)
    first = batch_signed_off(batch)
    await inventory.publish(first)
    await sell(inventory, order_placed(sku=GINGER, quantity=4))

    await inventory.publish(corrected(batch, first, rejected=5))

    assert await level(inventory, GINGER, GINGER_STORE) == (0, 0, 0)
    assert [c.delta for c in await changes(inventory, "rejected")] == [-1]
    await assert_stock_adds_up(inventory)


async def test_a_correction_of_a_lot_that_passed_nothing_receives_its_goods(
    inventory: Service,
) -> None:
    batch = batch_completed(sku=SHOES, quantity=5)
    first = batch_signed_off(batch, rejected_serials=batch.serials)
    await inventory.publish(first)

    await inventory.publish(corrected(batch, first, rejected=batch.serials[4:]))

    assert await level(inventory, SHOES) == (4, 0, 0)
    assert await lot(inventory, batch.lot_code) == (4, 0, 0)
    assert await statuses(inventory, batch.serials[:4]) == ["available"] * 4
    await assert_stock_adds_up(inventory)


async def test_a_correction_read_before_its_original_is_left_to_retry(
    inventory: Service,
) -> None:
    batch = batch_completed(sku=SHOES, quantity=5)
    first = batch_signed_off(batch)

    with pytest.raises(NotApplied, match="which inventory has not applied"):
        await inventory.publish(corrected(batch, first, rejected=1))

    assert await inventory.rows(db.LevelRow) == []


async def test_a_sign_off_and_its_correction_read_together_apply_in_turn(
    inventory: Service,
) -> None:
    batch = batch_completed(sku=SHOES, quantity=5)
    first = batch_signed_off(batch)

    await inventory.deliver_batch([first, corrected(batch, first, rejected=2)])

    assert await level(inventory, SHOES) == (3, 0, 0)
    await inventory.publish(first.model_copy(update={"event_id": uuid4()}))  # resent
    assert await level(inventory, SHOES) == (3, 0, 0)
    await assert_stock_adds_up(inventory)
