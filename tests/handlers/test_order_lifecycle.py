"""An order after it is placed: its channel cancels it, its reservation expires, its goods come
back from the buyer, and a hold on its units is closed (released or destroyed)."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi import Response
from sqlalchemy import update

from services.sales.api import (
    CancelOrder,
    OrderView,
    PlaceOrder,
    RecordReturn,
    ReturnView,
    cancel_order,
    complete_order,
    get_order,
    place_order,
    record_return,
)
from services.sales.db import HeldLotRow, OrderRow, ReturnRow
from services.sales.jobs import expire_orders
from shared import samples
from shared.auth import Forbidden
from shared.contracts import (
    Allocation,
    BatchCompleted,
    GoodsReturned,
    OrderCancelled,
    OrderPlaced,
    SaleCompleted,
    StockReserved,
)
from shared.errors import Conflict, Rejected
from shared.identity import Claims
from tests.builders import (
    GINGER,
    SHOES,
    batch_completed,
    random_buyer_ref,
    reservation_declined,
    stock_changed,
    stock_reserved,
)
from tests.handlers.harness import GALLERY, KANWIL, Service

EXPO = Claims(role="channel", sub="expo-test", channel="EXPO-UMKM")
HOUR = timedelta(hours=1)


# --------------------------------------------------------------------------- routes, as called


async def place(sales: Service, sku: str = SHOES, serials: Sequence[str] = ()) -> OrderPlaced:
    """POST /orders by the gallery, for the serials (or two of the SKU); the event it wrote."""
    body = PlaceOrder(
        order_id=uuid4(),
        channel_code="GALERI-SERANG",
        sku=sku,
        quantity=len(serials) or 2,
        serials=[*serials],
        buyer_ref=random_buyer_ref(),
    )
    async with sales.runtime.units.begin() as uow:
        await place_order(body, uow, Response(), GALLERY)
    [placed] = [
        event for event in await sales.outbox(OrderPlaced) if event.order_id == body.order_id
    ]
    return placed


async def cancel(
    sales: Service, order_id: UUID, reason: str = "the buyer changed their mind"
) -> OrderView:
    """POST /orders/{order_id}/cancel as the gallery calls it."""
    async with sales.runtime.units.begin() as uow:
        return await cancel_order(order_id, CancelOrder(reason=reason), uow, GALLERY)


async def complete(sales: Service, order_id: UUID) -> OrderView:
    async with sales.runtime.units.begin() as uow:
        return await complete_order(order_id, uow, GALLERY)


async def order(sales: Service, order_id: UUID) -> OrderView:
    async with sales.session() as session:
        return await get_order(order_id, session, GALLERY)


async def give_back(
    sales: Service, order_id: UUID, *, caller: Claims = GALLERY, **body: Any
) -> tuple[int, ReturnView]:
    """POST /orders/{order_id}/returns; the status it answered and the return."""
    request = RecordReturn.model_validate({"return_id": uuid4(), "reason": "came back"} | body)
    response = Response(status_code=201)
    async with sales.runtime.units.begin() as uow:
        view = await record_return(order_id, request, uow, response, caller)
    return response.status_code, view


# --------------------------------------------------------------------------- orders, as made


async def confirmed(
    sales: Service, batch: BatchCompleted | None = None, units: int = 2
) -> StockReserved:
    """An order for units of a batch of shoes (a lot of ginger), confirmed by inventory from
    the Cilegon store (Serang's)."""
    batch = batch or batch_completed()
    store = "CLG-STORE" if batch.sku == SHOES else "SRG-STORE"
    await sales.publish(stock_changed(sku=batch.sku, location_code=store, available=22, version=1))
    chosen = batch.serials[:units]
    placed = await place(sales, batch.sku, chosen)
    allocation = Allocation(
        lot_code=batch.lot_code, location_code=store, quantity=placed.quantity, serials=chosen
    )
    reserved = stock_reserved(placed, [allocation])
    await sales.publish(reserved)
    return reserved


async def sold(
    sales: Service, batch: BatchCompleted | None = None, units: int = 2
) -> SaleCompleted:
    """A confirmed order handed over; the sale it announced."""
    reserved = await confirmed(sales, batch, units)
    await complete(sales, reserved.order_id)
    [sale] = [s for s in await sales.outbox(SaleCompleted) if s.order_id == reserved.order_id]
    return sale


async def age(sales: Service, order_id: UUID, by: timedelta) -> None:
    """Let time pass for an order: it was confirmed `by` earlier than it was."""
    async with sales.runtime.db.transaction() as session:
        await session.execute(
            update(OrderRow)
            .where(OrderRow.order_id == order_id)
            .values(answered_at=datetime.now(UTC) - by)
        )


# --------------------------------------------------------------------------- cancelling


async def test_a_channel_cancels_its_pending_order_in_the_order_s_flow(sales: Service) -> None:
    await sales.publish(stock_changed(available=22, version=1))
    placed = await place(sales)

    view = await cancel(sales, placed.order_id, "wrong size")

    assert (view.status, view.reason) == ("cancelled", "wrong size")
    [cancelled] = await sales.outbox(OrderCancelled)
    assert (cancelled.order_id, cancelled.cancelled_by, cancelled.reason) == (
        placed.order_id,
        "channel",
        "wrong size",
    )
    assert (cancelled.sku, cancelled.quantity, cancelled.channel_code) == (
        SHOES,
        2,
        "GALERI-SERANG",
    )
    assert cancelled.correlation_id == placed.correlation_id
    assert cancelled.causation_id is None  # no answer yet: the order's flow, nothing more


async def test_a_channel_cancels_its_confirmed_order_after_inventory_s_answer(
    sales: Service,
) -> None:
    reserved = await confirmed(sales)

    await cancel(sales, reserved.order_id)

    assert (await order(sales, reserved.order_id)).status == "cancelled"
    [cancelled] = await sales.outbox(OrderCancelled)
    assert cancelled.causation_id == reserved.event_id
    assert cancelled.correlation_id == reserved.correlation_id


async def test_a_reservation_read_after_the_cancel_leaves_the_order_cancelled(
    sales: Service,
) -> None:
    await sales.publish(stock_changed(available=22, version=1))
    placed = await place(sales)
    await cancel(sales, placed.order_id)

    lot = batch_completed().lot_code
    await sales.publish(
        stock_reserved(placed, [Allocation(lot_code=lot, location_code="CLG-STORE", quantity=2)])
    )

    assert (await order(sales, placed.order_id)).status == "cancelled"
    assert len(await sales.outbox(OrderCancelled)) == 1


async def test_cancelling_twice_is_a_resend_with_nothing_new(sales: Service) -> None:
    reserved = await confirmed(sales)
    await cancel(sales, reserved.order_id, "first")

    again = await cancel(sales, reserved.order_id, "second")

    assert (again.status, again.reason) == ("cancelled", "first")
    assert len(await sales.outbox(OrderCancelled)) == 1


async def test_a_completed_order_cannot_be_cancelled(sales: Service) -> None:
    sale = await sold(sales)

    with pytest.raises(Conflict) as refused:
        await cancel(sales, sale.order_id)

    assert (refused.value.status_code, refused.value.field) == (409, "order_id")
    assert "it is completed" in refused.value.reason
    assert (await order(sales, sale.order_id)).status == "completed"
    assert await sales.outbox(OrderCancelled) == []


async def test_a_rejected_order_cannot_be_cancelled(sales: Service) -> None:
    await sales.publish(stock_changed(available=1, version=1))
    placed = await place(sales)
    await sales.publish(reservation_declined(placed, available=1))

    with pytest.raises(Conflict) as refused:
        await cancel(sales, placed.order_id)

    assert "it is rejected: only 1 available" in refused.value.reason
    assert await sales.outbox(OrderCancelled) == []


async def test_a_cancelled_order_cannot_be_completed(sales: Service) -> None:
    reserved = await confirmed(sales)
    await cancel(sales, reserved.order_id, "wrong colour")

    with pytest.raises(Conflict) as refused:
        await complete(sales, reserved.order_id)

    assert "it was cancelled: wrong colour" in refused.value.reason
    assert await sales.outbox(SaleCompleted) == []


async def test_a_channel_cannot_cancel_another_channel_s_order(sales: Service) -> None:
    reserved = await confirmed(sales)

    with pytest.raises(Forbidden):
        async with sales.runtime.units.begin() as uow:
            await cancel_order(reserved.order_id, CancelOrder(reason="not mine"), uow, EXPO)

    assert (await order(sales, reserved.order_id)).status == "confirmed"


def test_a_cancel_needs_a_reason_and_nothing_else() -> None:
    with pytest.raises(ValueError, match="at least 1 character"):
        CancelOrder(reason="")
    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        CancelOrder.model_validate({"reason": "ok", "status": "completed"})


# --------------------------------------------------------------------------- expiry


async def test_expiry_cancels_only_confirmed_orders_older_than_the_lifetime(
    sales: Service,
) -> None:
    old, recent = await confirmed(sales), await confirmed(sales)
    pending = await place(sales)
    done = await sold(sales)
    for order_id in (old.order_id, done.order_id):
        await age(sales, order_id, 2 * HOUR)

    cancelled = await expire_orders(sales.runtime.units, now=datetime.now(UTC), ttl=HOUR)

    assert cancelled == 1
    statuses = {o.order_id: (await order(sales, o.order_id)).status for o in (old, recent, done)}
    assert statuses == {
        old.order_id: "cancelled",
        recent.order_id: "confirmed",
        done.order_id: "completed",
    }
    assert (await order(sales, pending.order_id)).status == "pending"
    [expired] = await sales.outbox(OrderCancelled)
    assert (expired.order_id, expired.cancelled_by) == (old.order_id, "expiry")
    assert expired.reason == "not completed within 1 hour"
    assert expired.causation_id == old.event_id


async def test_expiry_works_through_every_batch_and_then_finds_nothing(sales: Service) -> None:
    orders = [await confirmed(sales) for _ in range(5)]
    for reserved in orders:
        await age(sales, reserved.order_id, 25 * HOUR)
    now, day = datetime.now(UTC), timedelta(days=1)

    first = await expire_orders(sales.runtime.units, now=now, ttl=day, batch_size=2)
    second = await expire_orders(sales.runtime.units, now=now, ttl=day, batch_size=2)

    assert (first, second) == (5, 0)
    expired = await sales.outbox(OrderCancelled)
    assert sorted(e.order_id for e in expired) == sorted(o.order_id for o in orders)
    assert {e.reason for e in expired} == {"not completed within 24 hours"}
    assert (await order(sales, orders[0].order_id)).reason == "not completed within 24 hours"


async def test_an_expired_order_cannot_be_completed(sales: Service) -> None:
    reserved = await confirmed(sales)

    later = datetime.now(UTC) + timedelta(minutes=91)
    await expire_orders(sales.runtime.units, now=later, ttl=timedelta(minutes=90))

    with pytest.raises(Conflict) as refused:
        await complete(sales, reserved.order_id)
    assert "cancelled: not completed within 1 hour 30 minutes" in refused.value.reason


# --------------------------------------------------------------------------- returns


async def test_units_of_a_sale_come_back_where_they_were_sold_from(sales: Service) -> None:
    batch = batch_completed()
    sale = await sold(sales, batch, units=3)

    answer, back = await give_back(
        sales, sale.order_id, serials=[batch.serials[2], batch.serials[0]], reason="sole loose"
    )

    assert answer == 201
    assert (back.quantity, back.location_code, back.reason) == (2, "CLG-STORE", "sole loose")
    [returned] = await sales.outbox(GoodsReturned)
    assert (returned.return_id, returned.order_id, returned.quantity) == (
        back.return_id,
        sale.order_id,
        2,
    )
    assert (returned.sku, returned.channel_code, returned.location_code) == (
        SHOES,
        "GALERI-SERANG",
        "CLG-STORE",
    )
    assert returned.allocations == [
        Allocation(
            lot_code=batch.lot_code,
            location_code="CLG-STORE",
            quantity=2,
            serials=[batch.serials[2], batch.serials[0]],
        )
    ]
    assert (returned.causation_id, returned.correlation_id) == (sale.event_id, sale.correlation_id)
    assert (await order(sales, sale.order_id)).returned_quantity == 2
    [row] = await sales.rows(ReturnRow)
    assert (row.return_id, row.serials) == (back.return_id, [batch.serials[2], batch.serials[0]])


async def test_goods_may_come_back_to_another_known_location(sales: Service) -> None:
    sale = await sold(sales)
    await sales.publish(stock_changed(location_code="SRG-STORE", available=3, version=1))

    _, back = await give_back(
        sales, sale.order_id, serials=sale.allocations[0].serials[:1], location_code="SRG-STORE"
    )

    [returned] = await sales.outbox(GoodsReturned)
    assert back.location_code == returned.location_code == "SRG-STORE"
    assert returned.allocations[0].location_code == "CLG-STORE"  # where it was sold from


async def test_goods_cannot_come_back_to_an_unknown_location(sales: Service) -> None:
    sale = await sold(sales)

    with pytest.raises(Rejected) as refused:
        await give_back(
            sales, sale.order_id, serials=sale.allocations[0].serials, location_code="NOWHERE"
        )

    assert (refused.value.status_code, refused.value.field) == (422, "location_code")
    assert await sales.outbox(GoodsReturned) == []


async def test_units_not_sold_in_the_order_or_returned_before_are_refused(
    sales: Service,
) -> None:
    batch = batch_completed()
    sale = await sold(sales, batch, units=2)
    await give_back(sales, sale.order_id, serials=[batch.serials[0]])

    with pytest.raises(Rejected) as again:
        await give_back(sales, sale.order_id, serials=[batch.serials[1], batch.serials[0]])
    with pytest.raises(Rejected) as stranger:
        await give_back(sales, sale.order_id, serials=[batch.serials[1], batch.serials[9]])
    with pytest.raises(Rejected) as unnamed:
        await give_back(sales, sale.order_id, quantity=1)

    assert (again.value.status_code, again.value.field) == (422, "serials")
    assert again.value.reason == f"already returned: {batch.serials[0]}"
    assert stranger.value.reason == f"not sold in this order: {batch.serials[9]}"
    assert unnamed.value.field == "serials"
    assert len(await sales.outbox(GoodsReturned)) == 1
    assert (await order(sales, sale.order_id)).returned_quantity == 1


async def test_lot_tracked_goods_come_back_by_quantity_up_to_what_is_left(
    sales: Service,
) -> None:
    sale = await sold(sales, batch_completed(sku=GINGER), units=0)  # two jars, no serials
    assert sale.quantity == 2

    answer, first = await give_back(sales, sale.order_id, quantity=1)
    with pytest.raises(Rejected) as too_many:
        await give_back(sales, sale.order_id, quantity=2)
    with pytest.raises(Rejected) as unsaid:
        await give_back(sales, sale.order_id)

    assert (answer, first.quantity, first.location_code) == (201, 1, "SRG-STORE")
    assert (too_many.value.field, too_many.value.reason) == (
        "quantity",
        "only 1 can come back: 2 sold, 1 returned before",
    )
    assert unsaid.value.field == "quantity"
    [returned] = await sales.outbox(GoodsReturned)
    assert [(a.lot_code, a.quantity, a.serials) for a in returned.allocations] == [
        (sale.allocations[0].lot_code, 1, [])
    ]


async def test_only_a_completed_order_s_goods_come_back(sales: Service) -> None:
    reserved = await confirmed(sales)

    with pytest.raises(Conflict) as refused:
        await give_back(sales, reserved.order_id, serials=reserved.allocations[0].serials)

    assert (refused.value.status_code, refused.value.field) == (409, "order_id")
    assert "it is confirmed" in refused.value.reason
    assert await sales.rows(ReturnRow) == []


async def test_a_return_resent_is_answered_again_without_a_new_event(sales: Service) -> None:
    sale = await sold(sales)
    body: dict[str, Any] = {
        "return_id": uuid4(),
        "serials": sale.allocations[0].serials,
        "reason": "too small",
    }
    await give_back(sales, sale.order_id, **body)

    answer, again = await give_back(sales, sale.order_id, caller=KANWIL, **body)

    assert (answer, again.return_id, again.quantity) == (200, body["return_id"], 2)
    assert len(await sales.outbox(GoodsReturned)) == 1
    assert (await order(sales, sale.order_id)).returned_quantity == 2


async def test_a_return_id_reused_for_other_goods_is_a_conflict(sales: Service) -> None:
    sale = await sold(sales)
    units = sale.allocations[0].serials
    return_id = uuid4()
    await give_back(sales, sale.order_id, return_id=return_id, serials=units[:1], reason="torn")

    with pytest.raises(Conflict) as refused:
        await give_back(sales, sale.order_id, return_id=return_id, serials=units, reason="torn")

    assert (refused.value.status_code, refused.value.field) == (409, "return_id")
    assert len(await sales.outbox(GoodsReturned)) == 1


async def test_a_channel_records_returns_of_its_own_sales_only(sales: Service) -> None:
    sale = await sold(sales)

    with pytest.raises(Forbidden):
        await give_back(sales, sale.order_id, caller=EXPO, serials=sale.allocations[0].serials)

    assert await sales.outbox(GoodsReturned) == []


# --------------------------------------------------------------------------- holds closed


async def test_a_released_hold_lets_an_order_naming_its_unit_through(sales: Service) -> None:
    batch = batch_completed()
    held = samples.lot_held(batch, serials=batch.serials[:3], reason="mould found")
    await sales.publish(stock_changed(available=22, version=1), held)
    with pytest.raises(Rejected):
        await place(sales, SHOES, [batch.serials[1]])

    await sales.publish(samples.hold_closed(held, outcome="released"))

    placed = await place(sales, SHOES, [batch.serials[1]])
    assert placed.serials == [batch.serials[1]]
    [row] = await sales.rows(HeldLotRow)
    assert (row.status, row.reason, row.closed_reason) == (
        "released",
        "mould found",
        "re-inspected: nothing found",
    )


async def test_a_destroyed_hold_keeps_refusing_saying_the_goods_were_destroyed(
    sales: Service,
) -> None:
    batch = batch_completed()
    held = samples.lot_held(batch, reason="mould found")
    await sales.publish(stock_changed(available=22, version=1), held)

    await sales.publish(samples.hold_closed(held, outcome="destroyed", reason="burnt"))

    with pytest.raises(Rejected) as refused:
        await place(sales, SHOES, [batch.serials[4]])
    assert refused.value.field == "serials"
    assert f"lot {batch.lot_code} was destroyed: burnt" in refused.value.reason
    assert batch.serials[4] in refused.value.reason


async def test_a_close_read_before_its_hold_stays_closed(sales: Service) -> None:
    batch = batch_completed()
    held = samples.lot_held(batch, reason="mould found")
    await sales.publish(stock_changed(available=22, version=1))

    await sales.publish(samples.hold_closed(held, outcome="released"), held)

    await place(sales, SHOES, [batch.serials[0]])
    [row] = await sales.rows(HeldLotRow)
    assert (row.status, row.reason) == ("released", "mould found")


async def test_a_hold_is_closed_once(sales: Service) -> None:
    batch = batch_completed()
    held = samples.lot_held(batch)
    await sales.publish(stock_changed(available=22, version=1), held)
    destroyed = samples.hold_closed(held, outcome="destroyed", reason="burnt")
    await sales.deliver_batch([destroyed, destroyed])

    await sales.publish(samples.hold_closed(held, outcome="released"))

    [row] = await sales.rows(HeldLotRow)
    assert (row.status, row.closed_reason) == ("destroyed", "burnt")
    with pytest.raises(Rejected):
        await place(sales, SHOES, [batch.serials[0]])
