"""Sales keeps the channel catalogue from stock changes and learns inventory's answers."""

import json
from uuid import uuid4

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession

from services.sales.api import (
    CatalogueItem,
    OrderView,
    PlaceOrder,
    catalogue,
    get_order,
    place_order,
)
from services.sales.domain import REASON_LENGTH
from shared.contracts import Allocation, OrderPlaced
from shared.identity import Claims
from tests.builders import (
    GINGER,
    SHOES,
    random_buyer_ref,
    random_lot_code,
    reservation_declined,
    stock_changed,
    stock_reserved,
)
from tests.handlers.harness import GALLERY, KANWIL, PAGE, Service


async def listed(sales: Service) -> dict[str, dict[str, int]]:
    """What a channel sees: available stock per SKU and location."""
    async with sales.session() as session:
        return {item.sku: item.locations for item in await catalogue_items(session)}


async def place(sales: Service, quantity: int) -> OrderPlaced:
    """A channel places an order through the API; returns the event inventory will get."""
    body = PlaceOrder(
        order_id=uuid4(),
        channel_code="GALERI-SERANG",
        sku=SHOES,
        quantity=quantity,
        buyer_ref=random_buyer_ref(),
    )
    async with sales.runtime.units.begin() as uow:
        view = await place_order(body, uow, Response(), GALLERY)
    assert view.status == "pending"
    [placed] = await sales.outbox(OrderPlaced)
    return placed


async def order(sales: Service, placed: OrderPlaced) -> OrderView:
    async with sales.session() as session:
        return await get_order(placed.order_id, session, GALLERY)


async def catalogue_items(
    session: AsyncSession, caller: Claims = KANWIL, channel_code: str | None = None
) -> list[CatalogueItem]:
    """GET /catalogue, read by an administrator (every location) unless `caller` says."""
    response = await catalogue(session, PAGE, caller, channel_code)
    page = json.loads(bytes(response.body))
    assert page["total"] == len(page["items"])  # every SKU on the one page
    return [CatalogueItem.model_validate(item) for item in page["items"]]


async def test_a_stock_change_shows_in_the_channel_catalogue(sales: Service) -> None:
    await sales.publish(stock_changed(sku=SHOES, available=22, version=1))

    assert await listed(sales) == {SHOES: {"CLG-STORE": 22}}


async def test_a_channel_sees_only_the_stock_at_its_own_locations(sales: Service) -> None:
    await sales.publish(
        stock_changed(sku=GINGER, location_code="SRG-STORE", available=40, version=1),
        stock_changed(sku=GINGER, location_code="KANWIL-GALERI", available=6, version=1),
        stock_changed(sku=SHOES, location_code="CLG-STORE", available=22, version=1),
    )

    async with sales.session() as session:
        gallery = await catalogue_items(session, GALLERY)
        expo = await catalogue_items(session, KANWIL, "EXPO-UMKM")
        marketplace = await catalogue_items(session, KANWIL, "MARKETPLACE")
    assert [(item.sku, item.locations) for item in gallery] == [(GINGER, {"KANWIL-GALERI": 6})]
    assert expo == []
    assert {item.sku: item.available for item in marketplace} == {GINGER: 40, SHOES: 22}


async def test_an_order_may_take_goods_only_from_its_channels_locations(sales: Service) -> None:
    await sales.publish(stock_changed(sku=SHOES, available=22, version=1))

    placed = await place(sales, 2)

    assert placed.locations == ["KANWIL-GALERI"]


async def test_the_catalogue_keeps_each_location_apart(sales: Service) -> None:
    await sales.publish(
        stock_changed(sku=GINGER, location_code="SRG-STORE", available=40, version=1),
        stock_changed(sku=GINGER, location_code="CGR-STORE", available=5, version=1),
    )

    async with sales.session() as session:
        [item] = await catalogue_items(session)
    assert (item.available, item.locations) == (45, {"SRG-STORE": 40, "CGR-STORE": 5})


async def test_a_newer_stock_change_replaces_the_older_one(sales: Service) -> None:
    await sales.publish(stock_changed(available=22, version=1))

    await sales.publish(stock_changed(available=19, version=2, reason="reserved", delta=-3))

    assert await listed(sales) == {SHOES: {"CLG-STORE": 19}}


async def test_an_older_stock_change_arriving_late_is_ignored(sales: Service) -> None:
    await sales.publish(stock_changed(available=19, version=2, reason="reserved", delta=-3))

    await sales.publish(stock_changed(available=22, version=1))

    assert await listed(sales) == {SHOES: {"CLG-STORE": 19}}


async def test_of_stock_changes_read_together_the_newest_wins(sales: Service) -> None:
    newest = stock_changed(available=17, version=3, reason="reserved", delta=-2)

    await sales.deliver_batch(
        [stock_changed(available=19, version=2), newest, stock_changed(available=22, version=1)]
    )

    assert await listed(sales) == {SHOES: {"CLG-STORE": 17}}


async def test_a_reservation_confirms_the_pending_order(sales: Service) -> None:
    await sales.publish(stock_changed(available=22, version=1))
    placed = await place(sales, quantity=2)
    lot = random_lot_code()
    allocation = Allocation(
        lot_code=lot, location_code="CLG-STORE", quantity=2, serials=[f"{lot}-0001", f"{lot}-0002"]
    )

    await sales.publish(stock_reserved(placed, [allocation]))

    confirmed = await order(sales, placed)
    assert confirmed.status == "confirmed"
    assert confirmed.allocations == [allocation]
    assert confirmed.reason is None


async def test_a_declined_reservation_rejects_the_order_with_the_reason(sales: Service) -> None:
    await sales.publish(stock_changed(available=2, version=1))
    placed = await place(sales, quantity=5)

    await sales.publish(reservation_declined(placed, available=2))

    rejected = await order(sales, placed)
    assert (rejected.status, rejected.reason) == ("rejected", "only 2 available")
    assert rejected.allocations == []


async def test_a_decline_with_a_reason_longer_than_an_order_keeps_is_kept_clipped(
    sales: Service,
) -> None:
    await sales.publish(stock_changed(available=2, version=1))
    placed = await place(sales, quantity=5)
    long_reason = "units not available: " + ", ".join(f"CLG-2611-0001-{n:04d}" for n in range(20))
    declined = reservation_declined(placed, available=2).model_copy(update={"reason": long_reason})

    await sales.publish(declined)

    rejected = await order(sales, placed)
    assert rejected.status == "rejected"
    assert rejected.reason is not None
    assert (len(rejected.reason), rejected.reason[-1]) == (REASON_LENGTH, "…")
    assert long_reason.startswith(rejected.reason[:-1])


async def test_an_answer_to_an_order_already_answered_changes_nothing(sales: Service) -> None:
    await sales.publish(stock_changed(available=2, version=1))
    placed = await place(sales, quantity=2)
    await sales.publish(reservation_declined(placed, available=1))

    lot = random_lot_code()
    allocation = Allocation(lot_code=lot, location_code="CLG-STORE", quantity=2)
    await sales.publish(stock_reserved(placed, [allocation]))

    assert (await order(sales, placed)).status == "rejected"
