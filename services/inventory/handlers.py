"""Inventory's subscribers: receive passed goods (and QC's corrections of them), reserve or
decline orders, give cancelled orders' goods back, book sales out, quarantine held goods and
release or write them off when their hold is closed, take returned goods back into quarantine."""

from services.inventory.domain import Unavailable
from services.inventory.expiry import remember_best_before
from services.inventory.stock import changing_stock
from shared.contracts import (
    BatchSignedOff,
    GoodsReturned,
    HoldClosed,
    LotHeld,
    OrderCancelled,
    OrderPlaced,
    SaleCompleted,
)
from shared.delivery.subscriptions import EventRouter
from shared.uow import UnitOfWork

events = EventRouter()


@events.subscriber
async def receive_goods(sign_offs: list[BatchSignedOff], uow: UnitOfWork) -> None:
    """Passed goods enter the UPT's store: a lot, its units, a ledger line, stock changed.

    A superseding sign-off corrects a lot received before: it may release orders, so it locks
    every level of its SKU first, as orders do. First sign-offs are received before the
    corrections read with them (the original of one may be among them). A food lot's
    best-before date is kept for the expiry job (expiry.py)."""
    corrections = [sign_off for sign_off in sign_offs if sign_off.supersedes is not None]
    async with changing_stock(uow, skus={sign_off.sku for sign_off in corrections}) as stock:
        fresh = await stock.unapplied(sign_offs)
        await remember_best_before(uow.session, fresh)
        await stock.lock_stores(fresh)
        await stock.receive([sign_off for sign_off in fresh if sign_off.supersedes is None])
        for sign_off in fresh:
            if sign_off.supersedes is not None:
                await stock.correct(sign_off)


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


@events.subscriber
async def close_holds(closes: list[HoldClosed], uow: UnitOfWork) -> None:
    """A closed hold's quarantined goods are released back to sale or written off; goods
    another open hold covers stay quarantined. Locked as holds and orders are (see
    `quarantine_held`): an order placed meanwhile gets released goods only once committed."""
    async with changing_stock(uow, skus={closed.sku for closed in closes}) as stock:
        for closed in closes:
            await stock.close(closed)


@events.subscriber
async def cancel_reservations(cancels: list[OrderCancelled], uow: UnitOfWork) -> None:
    """A cancelled or expired order's goods are given back (reservation-released); one
    cancelled before inventory read it is never reserved."""
    async with changing_stock(uow, skus={cancelled.sku for cancelled in cancels}) as stock:
        for cancelled in cancels:
            await stock.cancel(cancelled)


@events.subscriber
async def receive_returns(returns: list[GoodsReturned], uow: UnitOfWork) -> None:
    """Goods a buyer brought back are on hand again, quarantined where they came back until
    quality re-inspects them (a hold on them, closed)."""
    async with changing_stock(uow, skus={returned.sku for returned in returns}) as stock:
        for returned in returns:
            await stock.take_back(returned)
