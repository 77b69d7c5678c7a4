"""Inventory receives passed goods, answers orders with reservations, books sales out."""

import pytest
from sqlalchemy import func, select

from services.inventory import db
from services.inventory.api import get_reservation, ledger, list_stock
from shared.contracts import (
    OrderPlaced,
    ReservationDeclined,
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
from tests.handlers.harness import KANWIL, PAGE, NotApplied, Service
from tests.handlers.inventory_checks import assert_stock_adds_up


async def receive_shoes(inventory: Service, quantity: int = 24, rejected: int = 2) -> list[str]:
    """A lot of shoes signed off with `rejected` failures; returns the serials that passed."""
    batch = batch_completed(sku=SHOES, quantity=quantity)
    signed_off = batch_signed_off(batch, rejected_serials=batch.serials[quantity - rejected :])
    await inventory.publish(signed_off)
    return signed_off.passed_serials


async def stock_of(inventory: Service, sku: str) -> tuple[int, int, int, int]:
    """(on hand, reserved, available, version) of a SKU in its store, as GET /stock shows it."""
    async with inventory.session() as session:
        [level] = (await list_stock(session, KANWIL, PAGE, sku=sku)).items
    return level.on_hand, level.reserved, level.available, level.version


async def unit_statuses(inventory: Service, serials: list[str]) -> set[str]:
    units = await inventory.rows(db.UnitRow, db.UnitRow.serial.in_(serials))
    return {unit.status for unit in units}


async def test_passed_goods_of_a_sign_off_enter_their_upts_store(inventory: Service) -> None:
    batch = batch_completed(sku=SHOES, quantity=24)
    signed_off = batch_signed_off(batch, rejected_serials=batch.serials[22:])

    await inventory.publish(signed_off)

    assert await stock_of(inventory, SHOES) == (22, 0, 22, 1)
    async with inventory.session() as session:
        [line] = (await ledger(session, KANWIL, sku=SHOES)).items
    assert (line.location_code, line.lot_code, line.on_hand_delta, line.reason) == (
        "CLG-STORE",
        batch.lot_code,
        22,
        "received",
    )
    [changed] = await inventory.outbox(StockChanged)
    assert (changed.location_code, changed.version, changed.available, changed.on_hand) == (
        "CLG-STORE",
        1,
        22,
        22,
    )
    assert (changed.reason, changed.delta, changed.lot_code) == ("received", 22, batch.lot_code)
    assert changed.serials == batch.serials[:22]
    assert changed.causation_id == signed_off.event_id
    assert await unit_statuses(inventory, batch.serials[:22]) == {"available"}
    assert await unit_statuses(inventory, batch.serials[22:]) == set()
    await assert_stock_adds_up(inventory)


async def test_a_sign_off_delivered_twice_receives_the_goods_once(inventory: Service) -> None:
    batch = batch_completed(sku=SHOES, quantity=10)
    signed_off = batch_signed_off(batch)

    await inventory.publish(signed_off)
    await inventory.publish(signed_off)

    assert await stock_of(inventory, SHOES) == (10, 0, 10, 1)
    assert len(await inventory.outbox(StockChanged)) == 1


async def test_a_fully_rejected_batch_puts_nothing_in_stock(inventory: Service) -> None:
    batch = batch_completed(sku=SHOES, quantity=3)

    await inventory.publish(batch_signed_off(batch, rejected_serials=batch.serials))

    async with inventory.session() as session:
        assert (await list_stock(session, KANWIL, PAGE, sku=SHOES)).items == []
    assert await inventory.outbox(StockChanged) == []


async def test_an_order_within_stock_reserves_its_units(inventory: Service) -> None:
    passed = await receive_shoes(inventory)
    order = order_placed(sku=SHOES, quantity=3)

    await inventory.publish(order)

    [reserved] = await inventory.outbox(StockReserved)
    assert (reserved.order_id, reserved.quantity, reserved.causation_id) == (
        order.order_id,
        3,
        order.event_id,
    )
    [allocation] = reserved.allocations
    assert (allocation.location_code, allocation.quantity) == ("CLG-STORE", 3)
    assert allocation.serials == passed[:3]
    assert await stock_of(inventory, SHOES) == (22, 3, 19, 2)
    assert await unit_statuses(inventory, passed[:3]) == {"reserved"}
    assert await unit_statuses(inventory, passed[3:]) == {"available"}
    changed = (await inventory.outbox(StockChanged))[-1]
    assert (changed.reason, changed.available, changed.delta, changed.version) == (
        "reserved",
        19,
        -3,
        2,
    )
    async with inventory.session() as session:
        answer = await get_reservation(order.order_id, session)
    assert answer.status == "reserved"
    await assert_stock_adds_up(inventory)


async def test_an_order_for_named_units_reserves_exactly_those(inventory: Service) -> None:
    passed = await receive_shoes(inventory)
    wanted = [passed[5], passed[9]]

    await inventory.publish(order_placed(sku=SHOES, quantity=2, serials=wanted))

    [reserved] = await inventory.outbox(StockReserved)
    assert [s for a in reserved.allocations for s in a.serials] == wanted
    assert await unit_statuses(inventory, wanted) == {"reserved"}


async def test_an_order_beyond_stock_is_declined_and_reserves_nothing(inventory: Service) -> None:
    await receive_shoes(inventory)
    order = order_placed(sku=SHOES, quantity=23)

    await inventory.publish(order)

    [declined] = await inventory.outbox(ReservationDeclined)
    assert (declined.order_id, declined.requested, declined.available) == (order.order_id, 23, 22)
    assert declined.reason == "only 22 available"
    assert await inventory.outbox(StockReserved) == []
    assert await stock_of(inventory, SHOES) == (22, 0, 22, 1)
    async with inventory.session() as session:
        answer = await get_reservation(order.order_id, session)
    assert (answer.status, answer.reason) == ("declined", "only 22 available")


async def test_an_order_for_a_product_never_received_is_declined(inventory: Service) -> None:
    order = order_placed(sku=GINGER, quantity=1)

    await inventory.publish(order)

    [declined] = await inventory.outbox(ReservationDeclined)
    assert (declined.available, declined.reason) == (0, "only 0 available")


async def test_an_order_for_a_unit_already_reserved_is_declined(inventory: Service) -> None:
    passed = await receive_shoes(inventory)
    await inventory.publish(order_placed(sku=SHOES, quantity=1, serials=[passed[0]]))

    await inventory.publish(order_placed(sku=SHOES, quantity=1, serials=[passed[0]]))

    [declined] = await inventory.outbox(ReservationDeclined)
    assert declined.reason == f"units not available: {passed[0]}"


async def test_lot_tracked_orders_take_from_the_oldest_lot_first(inventory: Service) -> None:
    older, newer = batch_completed(sku=GINGER, quantity=5), batch_completed(sku=GINGER, quantity=10)
    await inventory.publish(batch_signed_off(older))
    await inventory.publish(batch_signed_off(newer))

    await inventory.publish(order_placed(sku=GINGER, quantity=7))

    [reserved] = await inventory.outbox(StockReserved)
    assert [(a.lot_code, a.quantity, a.location_code) for a in reserved.allocations] == [
        (older.lot_code, 5, "SRG-STORE"),
        (newer.lot_code, 2, "SRG-STORE"),
    ]
    assert await stock_of(inventory, GINGER) == (15, 7, 8, 4)  # one change per lot taken from
    await assert_stock_adds_up(inventory)


async def test_two_orders_read_together_never_reserve_more_than_is_there(
    inventory: Service,
) -> None:
    await receive_shoes(inventory)  # 22 available
    first, second = order_placed(sku=SHOES, quantity=15), order_placed(sku=SHOES, quantity=15)

    await inventory.deliver_batch([first, second])

    [reserved] = await inventory.outbox(StockReserved)
    [declined] = await inventory.outbox(ReservationDeclined)
    assert (reserved.order_id, declined.order_id) == (first.order_id, second.order_id)
    assert declined.reason == "only 7 available"
    assert await stock_of(inventory, SHOES) == (22, 15, 7, 2)
    async with inventory.session() as session:
        reserved_units = await session.scalar(
            select(func.count()).where(db.UnitRow.status == "reserved")
        )
    assert reserved_units == 15
    await assert_stock_adds_up(inventory)


async def test_the_same_order_placed_twice_is_answered_once(inventory: Service) -> None:
    await receive_shoes(inventory)
    order = order_placed(sku=SHOES, quantity=2)
    again = OrderPlaced.new(**order.model_dump(exclude={"event_id", "correlation_id"}))

    await inventory.deliver_batch([order, again])

    assert len(await inventory.outbox(StockReserved)) == 1
    assert await stock_of(inventory, SHOES) == (22, 2, 20, 2)


async def test_a_completed_sale_takes_its_units_off_the_shelf(inventory: Service) -> None:
    passed = await receive_shoes(inventory)
    await inventory.publish(order_placed(sku=SHOES, quantity=3))
    [reserved] = await inventory.outbox(StockReserved)

    await inventory.publish(sale_completed(reserved))

    assert await stock_of(inventory, SHOES) == (19, 0, 19, 3)
    assert await unit_statuses(inventory, passed[:3]) == {"sold"}
    assert await unit_statuses(inventory, passed[3:]) == {"available"}
    changed = (await inventory.outbox(StockChanged))[-1]
    assert (changed.reason, changed.on_hand, changed.available, changed.delta) == (
        "sold",
        19,
        19,
        0,
    )
    async with inventory.session() as session:
        assert (await get_reservation(reserved.order_id, session)).status == "sold"
        lines = (await ledger(session, KANWIL, sku=SHOES)).items
    assert (lines[0].reason, lines[0].on_hand_delta, lines[0].reserved_delta) == ("sold", -3, -3)
    await assert_stock_adds_up(inventory)


async def test_a_sale_without_a_reservation_is_not_applied(inventory: Service) -> None:
    await receive_shoes(inventory)
    await inventory.publish(order_placed(sku=SHOES, quantity=30))  # declined
    [declined] = await inventory.outbox(ReservationDeclined)
    sale = SaleCompleted.new(
        order_id=declined.order_id,
        channel_code="GALERI-SERANG",
        sku=SHOES,
        quantity=30,
        buyer_ref="BUYER-0001",
        allocations=[],
    )

    with pytest.raises(NotApplied, match="has no open reservation \\(declined\\)"):
        await inventory.publish(sale)

    assert await stock_of(inventory, SHOES) == (22, 0, 22, 1)
