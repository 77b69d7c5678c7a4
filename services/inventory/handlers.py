"""Inventory's subscribers: receive passed goods, reserve or decline orders, book sales out,
quarantine held goods."""

from services.inventory.domain import Unavailable
from services.inventory.stock import changing_stock
from shared.contracts import BatchSignedOff, LotHeld, OrderPlaced, SaleCompleted
from shared.delivery.subscriptions import EventRouter
from shared.uow import UnitOfWork

events = EventRouter()


@events.subscriber
async def receive_goods(sign_offs: list[BatchSignedOff], uow: UnitOfWork) -> None:
    """Passed goods enter the UPT's store: a lot, its units, a ledger line, stock changed."""
    passed = [sign_off for sign_off in sign_offs if sign_off.passed_quantity > 0]
    async with changing_stock(uow) as stock:
        await stock.lock_stores(passed)
        await stock.receive(passed)


@events.subscriber
async def reserve_stock(orders: list[OrderPlaced], uow: UnitOfWork) -> None:
    """Reserve each order in turn, oldest lots first; never below zero, all or nothing."""
    async with changing_stock(uow, skus={order.sku for order in orders}) as stock:
        for order in orders:
            if await stock.answered(order.order_id):
                continue  # the same order placed again under a new event id
            try:
                await stock.reserve(order, await stock.choose(order))
            except Unavailable as refusal:
                stock.decline(order, refusal)


@events.subscriber
async def book_out(sales: list[SaleCompleted], uow: UnitOfWork) -> None:
    """A completed sale takes its reserved goods off the shelf for good."""
    async with changing_stock(uow, skus={sale.sku for sale in sales}) as stock:
        for sale in sales:
            await stock.sell(sale)


@events.subscriber
async def quarantine_held(holds: list[LotHeld], uow: UnitOfWork) -> None:
    """Held goods leave the shelf: confirmed orders given any of them are released (whole),
    and what is on hand of them is quarantined (on hand, not available).

    Every level of the held SKUs is locked first, as orders lock them: the hold and any order
    of the SKU serialize on those row locks, and that lock is the commit point deciding
    whether an order placed concurrently got held goods (then it is released here) or not
    (then it finds them quarantined). A hold delivered again is skipped by the inbox."""
    async with changing_stock(uow, skus={held.sku for held in holds}) as stock:
        for held in holds:
            await stock.quarantine(held)
