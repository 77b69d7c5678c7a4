"""Trace's subscribers: every step of a lot or unit, as EPCIS business steps."""

from services.trace.db import Traces
from services.trace.steps import (
    closing,
    commissioning,
    holding,
    inspecting,
    recalling,
    receiving,
    releases,
    returning,
    selling,
    shipping,
    storing,
)
from shared.contracts import (
    BatchCompleted,
    BatchSignedOff,
    GoodsReceived,
    GoodsReturned,
    GoodsShipped,
    HoldClosed,
    LocationChanged,
    LotHeld,
    LotRecalled,
    ReservationReleased,
    SaleCompleted,
    StockChanged,
)
from shared.delivery.subscriptions import EventRouter
from shared.uow import UnitOfWork

events = EventRouter()


@events.subscriber
async def record_production(batches: list[BatchCompleted], uow: UnitOfWork) -> None:
    """A completed batch: its lot, its units and the commissioning step."""
    traces = Traces(uow.session)
    await traces.add_lots(batches)
    await traces.add_steps([commissioning(batch) for batch in batches])


@events.subscriber
async def record_inspection(sign_offs: list[BatchSignedOff], uow: UnitOfWork) -> None:
    """QC's decision on a lot, or a correction of it (`supersedes`): an inspecting step."""
    await Traces(uow.session).add_steps([inspecting(sign_off) for sign_off in sign_offs])


@events.subscriber
async def record_storing(changes: list[StockChanged], uow: UnitOfWork) -> None:
    """Goods of a lot received into a store: the storing step."""
    await Traces(uow.session).add_steps([step for change in changes for step in storing(change)])


@events.subscriber
async def record_sales(sales: list[SaleCompleted], uow: UnitOfWork) -> None:
    """A sale: a retail_selling step per unit (or per lot, for goods traced per lot)."""
    await Traces(uow.session).add_steps([step for sale in sales for step in selling(sale)])


@events.subscriber
async def record_holds(holds: list[LotHeld], uow: UnitOfWork) -> None:
    """A hold on a lot or some of its units: a holding step (per unit held, or for the lot)."""
    await Traces(uow.session).add_steps([step for held in holds for step in holding(held)])


@events.subscriber
async def record_recalls(recalls: list[LotRecalled], uow: UnitOfWork) -> None:
    """A hold escalated to a recall: a holding step with disposition recalled."""
    await Traces(uow.session).add_steps([step for recall in recalls for step in recalling(recall)])


@events.subscriber
async def record_closes(closes: list[HoldClosed], uow: UnitOfWork) -> None:
    """A hold closed: its goods released after re-inspection (inspecting, sellable_accessible)
    or destroyed (destroying), per unit held or for the lot."""
    await Traces(uow.session).add_steps([step for closed in closes for step in closing(closed)])


@events.subscriber
async def record_returns(returns: list[GoodsReturned], uow: UnitOfWork) -> None:
    """Goods back from their buyer: a receiving step with disposition returned."""
    await Traces(uow.session).add_steps([step for back in returns for step in returning(back)])


@events.subscriber
async def record_shipping(shipments: list[GoodsShipped], uow: UnitOfWork) -> None:
    """Goods sent on a consignment transfer: a shipping step, in transit."""
    await Traces(uow.session).add_steps([step for sent in shipments for step in shipping(sent)])


@events.subscriber
async def record_receiving(receipts: list[GoodsReceived], uow: UnitOfWork) -> None:
    """A transfer's goods arrived: a receiving step (sellable_accessible, or damaged)."""
    await Traces(uow.session).add_steps([step for got in receipts for step in receiving(got)])


@events.subscriber
async def record_releases(released: list[ReservationReleased], uow: UnitOfWork) -> None:
    """What an order gave back: rows for the recall report, no step of the public trace."""
    await Traces(uow.session).add_releases([row for event in released for row in releases(event)])


@events.subscriber
async def record_places(changes: list[LocationChanged], uow: UnitOfWork) -> None:
    """A place added or changed: the page names it."""
    await Traces(uow.session).keep_places(changes)
