"""Sales under a hold: released orders are cancelled, held units cannot be ordered, and held
stock leaves the catalogue when inventory quarantines it."""

from collections.abc import Sequence
from uuid import UUID, uuid4

import pytest
from fastapi import Response

from services.sales.api import OrderView, PlaceOrder, complete_order, get_order, place_order
from services.sales.db import HeldLotRow, OrderRow
from shared import samples
from shared.contracts import (
    Allocation,
    BatchCompleted,
    LotHeld,
    OrderPlaced,
    SaleCompleted,
    StockReserved,
)
from shared.errors import Conflict, Rejected
from tests.builders import (
    SHOES,
    batch_completed,
    random_buyer_ref,
    stock_changed,
    stock_reserved,
)
from tests.handlers.harness import GALLERY, Service
from tests.handlers.test_sales import listed

REASON = "lot CLG-FTW-2611-0042 is on hold: mould found in a sample"


def request(quantity: int, serials: Sequence[str] = ()) -> PlaceOrder:
    return PlaceOrder(
        order_id=uuid4(),
        channel_code="GALERI-SERANG",
        sku=SHOES,
        quantity=quantity,
        serials=[*serials],
        buyer_ref=random_buyer_ref(),
    )


async def place(sales: Service, body: PlaceOrder) -> OrderView:
    """POST /orders as the gallery places it."""
    async with sales.runtime.units.begin() as uow:
        return await place_order(body, uow, Response(), GALLERY)


async def complete(sales: Service, order_id: UUID) -> OrderView:
    """POST /orders/{order_id}/complete as the gallery calls it."""
    async with sales.runtime.units.begin() as uow:
        return await complete_order(order_id, uow, GALLERY)


async def order(sales: Service, order_id: UUID) -> OrderView:
    """GET /orders/{order_id} as the gallery reads it."""
    async with sales.session() as session:
        return await get_order(order_id, session, GALLERY)


async def confirmed_order(sales: Service, batch: BatchCompleted) -> StockReserved:
    """An order for two of the batch's shoes, placed and confirmed by inventory."""
    await sales.publish(stock_changed(available=22, version=1))
    units = batch.serials[:2]
    await place(sales, request(2, units))
    [placed] = await sales.outbox(OrderPlaced)
    allocation = Allocation(
        lot_code=batch.lot_code, location_code="CLG-STORE", quantity=2, serials=units
    )
    reserved = stock_reserved(placed, [allocation])
    await sales.publish(reserved)
    assert (await order(sales, placed.order_id)).status == "confirmed"
    return reserved


def held(batch: BatchCompleted, serials: Sequence[str] = ()) -> LotHeld:
    return samples.lot_held(batch, serials=serials, reason="mould found in a sample")


async def test_a_released_reservation_cancels_the_confirmed_order_with_the_reason(
    sales: Service,
) -> None:
    reserved = await confirmed_order(sales, batch_completed())

    await sales.publish(samples.reservation_released(reserved, reason=REASON))

    cancelled = await order(sales, reserved.order_id)
    assert (cancelled.status, cancelled.reason) == ("cancelled", REASON)


async def test_a_completed_order_stays_completed_when_its_reservation_is_released(
    sales: Service,
) -> None:
    reserved = await confirmed_order(sales, batch_completed())
    await complete(sales, reserved.order_id)

    await sales.publish(samples.reservation_released(reserved, reason=REASON))

    completed = await order(sales, reserved.order_id)
    assert (completed.status, completed.reason) == ("completed", None)
    assert len(await sales.outbox(SaleCompleted)) == 1


async def test_a_release_delivered_twice_changes_nothing_more(sales: Service) -> None:
    reserved = await confirmed_order(sales, batch_completed())
    released = samples.reservation_released(reserved, reason=REASON)
    await sales.publish(released)

    await sales.publish(released)
    await sales.publish(samples.reservation_released(reserved, reason="another hold"))

    [row] = await sales.rows(OrderRow, OrderRow.order_id == reserved.order_id)
    assert (row.status, row.reason) == ("cancelled", REASON)


async def test_a_release_read_before_its_reservation_leaves_the_order_cancelled(
    sales: Service,
) -> None:
    await sales.publish(stock_changed(available=22, version=1))
    await place(sales, request(1))
    [placed] = await sales.outbox(OrderPlaced)
    reserved = stock_reserved(
        placed, [Allocation(lot_code=batch_completed().lot_code, location_code="X", quantity=1)]
    )

    await sales.publish(samples.reservation_released(reserved, reason=REASON))
    await sales.publish(reserved)

    assert (await order(sales, placed.order_id)).status == "cancelled"


async def test_a_cancelled_order_cannot_be_completed(sales: Service) -> None:
    reserved = await confirmed_order(sales, batch_completed())
    await sales.publish(samples.reservation_released(reserved, reason=REASON))

    with pytest.raises(Conflict) as refused:
        await complete(sales, reserved.order_id)

    assert refused.value.status_code == 409
    assert refused.value.field == "order_id"
    assert f"it was cancelled: {REASON}" in refused.value.reason
    assert await sales.outbox(SaleCompleted) == []


async def test_an_order_naming_a_held_unit_is_refused_and_changes_nothing(
    sales: Service,
) -> None:
    batch = batch_completed()
    await sales.publish(stock_changed(available=22, version=1), held(batch, batch.serials[:3]))
    body = request(2, [batch.serials[5], batch.serials[1]])

    with pytest.raises(Rejected) as refused:
        await place(sales, body)

    assert (refused.value.status_code, refused.value.field) == (422, "serials")
    assert batch.serials[1] in refused.value.reason
    assert batch.serials[5] not in refused.value.reason
    assert f"lot {batch.lot_code} is on hold: mould found in a sample" in refused.value.reason
    assert await sales.outbox(OrderPlaced) == []
    assert await sales.rows(OrderRow) == []


async def test_a_hold_on_the_whole_lot_refuses_any_of_its_units(sales: Service) -> None:
    batch, other = batch_completed(), batch_completed()
    await sales.publish(stock_changed(available=22, version=1), held(batch))

    with pytest.raises(Rejected) as refused:
        await place(sales, request(1, [batch.serials[7]]))
    view = await place(sales, request(1, [other.serials[7]]))

    assert refused.value.field == "serials"
    assert view.status == "pending"
    [placed] = await sales.outbox(OrderPlaced)
    assert placed.serials == [other.serials[7]]


async def test_an_order_for_the_sku_without_serials_is_still_accepted(sales: Service) -> None:
    batch = batch_completed()
    await sales.publish(stock_changed(available=22, version=1), held(batch))

    view = await place(sales, request(3))

    assert view.status == "pending"
    [placed] = await sales.outbox(OrderPlaced)
    assert (placed.sku, placed.quantity, placed.serials) == (SHOES, 3, [])


async def test_a_hold_delivered_twice_is_kept_once(sales: Service) -> None:
    hold = held(batch_completed())

    await sales.publish(hold, hold)
    await sales.deliver_batch([hold, hold])

    assert [row.hold_id for row in await sales.rows(HeldLotRow)] == [hold.hold_id]


async def test_quarantined_stock_drops_out_of_the_catalogue(sales: Service) -> None:
    batch = batch_completed()
    await sales.publish(stock_changed(available=22, version=1), held(batch, batch.serials[:3]))
    assert await listed(sales) == {SHOES: {"CLG-STORE": 22}}  # a hold alone changes no stock

    await sales.publish(
        stock_changed(
            available=19,
            on_hand=22,
            version=2,
            reason="quarantined",
            delta=-3,
            lot_code=batch.lot_code,
            serials=batch.serials[:3],
        )
    )

    assert await listed(sales) == {SHOES: {"CLG-STORE": 19}}
