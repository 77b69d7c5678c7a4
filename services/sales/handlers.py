"""Sales' subscribers: the channel catalogue from stock changes, order answers, releases and
locations from inventory, holds on lots and their closes from quality."""

from services.sales.channels import Places
from services.sales.db import Catalogue, Orders
from services.sales.domain import clipped
from services.sales.webhooks import queue_deliveries
from shared.contracts import (
    HoldClosed,
    LocationChanged,
    LotHeld,
    ReservationDeclined,
    ReservationReleased,
    StockChanged,
    StockReserved,
)
from shared.delivery.subscriptions import EventRouter
from shared.uow import UnitOfWork

events = EventRouter()


@events.subscriber
async def update_catalogue(changes: list[StockChanged], uow: UnitOfWork) -> None:
    """Keep the newest version per SKU and location; older or repeated changes are ignored.
    Every change is also queued for the webhooks of the channels selling at its location."""
    await Catalogue(uow.session).keep_newest(changes)
    await queue_deliveries(uow.session, changes)


@events.subscriber
async def confirm_orders(reservations: list[StockReserved], uow: UnitOfWork) -> None:
    """Inventory set the goods aside: the order is confirmed with what it takes."""
    orders = Orders(uow.session)
    for reserved in reservations:
        allocations = [allocation.model_dump() for allocation in reserved.allocations]
        await orders.answer(reserved.order_id, reserved, "confirmed", allocations=allocations)


@events.subscriber
async def reject_orders(declines: list[ReservationDeclined], uow: UnitOfWork) -> None:
    """Inventory could not reserve: the order is rejected with inventory's reason."""
    orders = Orders(uow.session)
    for declined in declines:
        reason = clipped(declined.reason)  # another service's text: kept as long as it fits
        await orders.answer(declined.order_id, declined, "rejected", reason=reason)


@events.subscriber
async def cancel_orders(releases: list[ReservationReleased], uow: UnitOfWork) -> None:
    """Inventory gave back a confirmed order's goods (they were held): the order is cancelled
    with inventory's reason; an order already handed over stays completed."""
    orders = Orders(uow.session)
    for released in releases:
        await orders.cancel(released)


@events.subscriber
async def keep_holds(holds: list[LotHeld], uow: UnitOfWork) -> None:
    """Quality held a lot or some of its units: orders naming them are refused from now on."""
    await Orders(uow.session).hold(holds)


@events.subscriber
async def close_held_lots(closes: list[HoldClosed], uow: UnitOfWork) -> None:
    """Quality closed a hold: released units may be ordered again; destroyed ones are still
    refused, the refusal saying they were destroyed (they are gone, not merely held)."""
    await Orders(uow.session).close(closes)


@events.subscriber
async def keep_locations(changes: list[LocationChanged], uow: UnitOfWork) -> None:
    """Inventory added or changed a location: channels may sell from it while it is active.
    The newest change of a location wins; an older one read later changes nothing."""
    await Places(uow.session).keep_newest(changes)
