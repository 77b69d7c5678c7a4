"""Sample events of every contract, built the way their producers build them, for tests and
benchmarks.

Each builder calls `Model.new` and keeps the chain of causes: a sign-off is caused by its
batch's completion, a receipt into stock by its sign-off, a reservation or a decline by its
order, a sale by its reservation. What an event repeats of its cause (ids, lot, SKU...) is read
from the cause (`source=`), as producers read theirs from their rows.

Only plain values come in. What a product is and where it is made (a `Line`), serials, defect
codes and store locations are the services' facts: callers look them up (tests/builders.py and
bench/events.py, in production's catalogue, quality's defect codes, inventory's store
locations) and pass them in; shared/ never imports services/.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Literal
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict

from shared.contracts import (
    Allocation,
    BatchCompleted,
    BatchSignedOff,
    ChannelChanged,
    Defect,
    Event,
    GoodsReceived,
    GoodsReturned,
    GoodsShipped,
    HoldClosed,
    Link,
    LocationChanged,
    LocationKind,
    LotHeld,
    LotRecalled,
    OrderCancelled,
    OrderPlaced,
    ProductChanged,
    ReservationDeclined,
    ReservationReleased,
    SaleCompleted,
    Sku,
    StockChanged,
    StockReason,
    StockReserved,
    Tracking,
)

DEFAULT_CHANNEL = "GALERI-SERANG"
LOTS_PER_MONTH = 9999


class Product(BaseModel):
    """What a batch says about the product made (read from a catalogue entry's attributes)."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    sku: Sku
    name: str
    family: str
    tracking: Tracking
    unit_of_measure: str
    upt_code: str


class Place(BaseModel):
    """A UPT or a workshop: its code and its name."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    code: str
    name: str


class Line(BaseModel):
    """A product where it is made: the product, its GTIN, its UPT and the workshop there.

    From catalogue entries: `Line.model_validate({"product": ..., "gtin": ..., "upt": ...,
    "workshop": ...})`; the entries' attributes are read by name.
    """

    model_config = ConfigDict(frozen=True, from_attributes=True)

    product: Product
    gtin: str
    upt: Place
    workshop: Place

    @property
    def sku(self) -> str:
        return self.product.sku

    @property
    def unit_tracked(self) -> bool:
        return self.product.tracking == "unit"

    def lot_code(self, index: int) -> str:
        """The index-th distinct lot of this line (see `lot_code`)."""
        return lot_code(self.upt.code, self.product.family, index)


def lot_code(upt_code: str, family: str, index: int) -> str:
    """The index-th distinct lot code of a UPT and family, in production's format
    (UPT-FAMILY-yymm-sequence): 9,999 a month, months from 2601 on."""
    month, sequence = divmod(index, LOTS_PER_MONTH)
    year, month_of_year = divmod(month, 12)
    return f"{upt_code}-{family}-{26 + year:02d}{month_of_year + 1:02d}-{sequence + 1:04d}"


# --------------------------------------------------------------------------- a batch's flow


def batch_completed(
    line: Line,
    lot_code: str,
    quantity: int,
    *,
    serials: Sequence[str] = (),
    worker_count: int = 3,
    occurred_at: datetime | None = None,
) -> BatchCompleted:
    """A batch completed by the line's workshop: a new flow. `serials`, one per unit, for
    unit-tracked products only (production numbers them)."""
    if len(serials) != (quantity if line.unit_tracked else 0):
        expected = f"{quantity} serials" if line.unit_tracked else "no serials"
        raise ValueError(f"a {line.product.tracking}-tracked batch of {quantity} has {expected}")
    return BatchCompleted.new(
        occurred_at=occurred_at,
        batch_id=uuid4(),
        lot_code=lot_code,
        sku=line.sku,
        product_name=line.product.name,
        qc_family=line.product.family,
        tracking=line.product.tracking,
        gtin=line.gtin,
        upt_code=line.upt.code,
        upt_name=line.upt.name,
        workshop_code=line.workshop.code,
        workshop_name=line.workshop.name,
        quantity=quantity,
        unit_of_measure=line.product.unit_of_measure,
        serials=[*serials],
        worker_count=worker_count,
    )


def product_changed(line: Line, *, price_idr: int, active: bool = True) -> ProductChanged:
    """A catalogue product's state as production announces it when added or changed."""
    return ProductChanged.new(
        sku=line.sku,
        product_name=line.product.name,
        upt_code=line.upt.code,
        family=line.product.family,
        tracking=line.product.tracking,
        gtin=line.gtin,
        unit_of_measure=line.product.unit_of_measure,
        price_idr=price_idr,
        active=active,
    )


def batch_signed_off(
    batch: BatchCompleted,
    *,
    rejected: int | Sequence[str] = 0,
    defect: tuple[str, str] | None = None,
    officer_code: str | None = None,
    occurred_at: datetime | None = None,
    supersedes: UUID | None = None,
) -> BatchSignedOff:
    """QC's answer to a batch. `rejected`: the serials that fail, or how many fail (for
    unit-tracked goods the last ones); they fail with `defect`, a (code, description) of the
    batch's QC family. `supersedes`: the inspection id of the sign-off this one corrects."""
    if isinstance(rejected, int):
        failed = batch.serials[len(batch.serials) - rejected :] if rejected else []
        count = rejected
    else:
        failed, count = [*rejected], len(rejected)
    defects: list[Defect] = []
    if count:
        if defect is None:
            raise ValueError("rejected goods need a defect: (code, description)")
        code, description = defect
        defects = [Defect(code=code, description=description, quantity=count, serials=failed)]
    failing = set(failed)
    return BatchSignedOff.new(
        caused_by=batch,
        occurred_at=occurred_at,
        source=batch,
        inspection_id=uuid4(),
        officer_code=officer_code or f"QC-{batch.upt_code}-07",
        passed_quantity=batch.quantity - count,
        rejected_quantity=count,
        passed_serials=[serial for serial in batch.serials if serial not in failing],
        defects=defects,
        supersedes=supersedes,
    )


def stock_changed(
    *,
    sku: str,
    product_name: str,
    location_code: str,
    available: int,
    version: int,
    on_hand: int | None = None,
    reason: StockReason = "received",
    delta: int = 0,
    lot_code: str | None = None,
    serials: Sequence[str] = (),
    caused_by: Event | Link | None = None,
    occurred_at: datetime | None = None,
) -> StockChanged:
    """Inventory's announcement of the stock of a SKU at a location; `on_hand` defaults to
    `available` (nothing reserved)."""
    return StockChanged.new(
        caused_by=caused_by,
        occurred_at=occurred_at,
        sku=sku,
        product_name=product_name,
        location_code=location_code,
        available=available,
        on_hand=available if on_hand is None else on_hand,
        version=version,
        reason=reason,
        delta=delta,
        lot_code=lot_code,
        serials=[*serials],
    )


def stock_received(
    signed_off: BatchSignedOff,
    *,
    location_code: str,
    available: int | None = None,
    version: int = 1,
    occurred_at: datetime | None = None,
) -> StockChanged:
    """The passed goods of a sign-off entering the store at `location_code`; `available`
    after it defaults to what passed (the store had none of the SKU)."""
    passed = signed_off.passed_quantity
    return stock_changed(
        caused_by=signed_off,
        occurred_at=occurred_at,
        sku=signed_off.sku,
        product_name=signed_off.product_name,
        location_code=location_code,
        available=passed if available is None else available,
        version=version,
        delta=passed,
        lot_code=signed_off.lot_code,
        serials=signed_off.passed_serials,
    )


# --------------------------------------------------------------------------- an order's flow


def order_placed(
    *,
    sku: str,
    quantity: int,
    serials: Sequence[str] = (),
    channel_code: str = DEFAULT_CHANNEL,
    occurred_at: datetime | None = None,
    locations: Sequence[str] = (),
) -> OrderPlaced:
    """An order of a sales channel: a new flow. `serials`: specific units asked for;
    `locations`: where it may be taken from (none: anywhere)."""
    return OrderPlaced.new(
        occurred_at=occurred_at,
        order_id=uuid4(),
        channel_code=channel_code,
        sku=sku,
        quantity=quantity,
        serials=[*serials],
        locations=[*locations],
    )


def stock_reserved(
    order: OrderPlaced, allocations: Sequence[Allocation], *, occurred_at: datetime | None = None
) -> StockReserved:
    """Inventory sets the whole order aside, as `allocations`."""
    return StockReserved.new(
        caused_by=order, occurred_at=occurred_at, source=order, allocations=[*allocations]
    )


def reservation_declined(
    order: OrderPlaced, *, available: int, occurred_at: datetime | None = None
) -> ReservationDeclined:
    """Inventory declines an order larger than the `available` stock."""
    return ReservationDeclined.new(
        caused_by=order,
        occurred_at=occurred_at,
        source=order,
        requested=order.quantity,
        available=available,
        reason=f"only {available} available",
    )


def sale_completed(
    reserved: StockReserved,
    *,
    buyer_ref: str,
    channel_code: str = DEFAULT_CHANNEL,
    occurred_at: datetime | None = None,
) -> SaleCompleted:
    """The hand-over of a reserved order to its buyer: exactly what inventory set aside."""
    return SaleCompleted.new(
        caused_by=reserved,
        occurred_at=occurred_at,
        source=reserved,
        channel_code=channel_code,
        buyer_ref=buyer_ref,
    )


def lot_held(
    batch: BatchCompleted,
    *,
    serials: Sequence[str] = (),
    defect_code: str | None = None,
    reason: str = "a sample failed a new check",
    held_by: Literal["kanwil_admin", "qc_officer"] = "kanwil_admin",
    occurred_at: datetime | None = None,
) -> LotHeld:
    """A hold on a lot (or on some of its units: `serials`)."""
    return LotHeld.new(
        caused_by=batch,
        occurred_at=occurred_at,
        source=batch,
        hold_id=uuid4(),
        serials=[*serials],
        defect_code=defect_code,
        reason=reason,
        held_by=held_by,
    )


def lot_recalled(
    held: LotHeld, *, reason: str = "confirmed: recall", occurred_at: datetime | None = None
) -> LotRecalled:
    """The escalation of a hold to a recall, of the hold's units."""
    return LotRecalled.new(caused_by=held, occurred_at=occurred_at, source=held, reason=reason)


def reservation_released(reserved: StockReserved, *, reason: str) -> ReservationReleased:
    """Inventory's release of a confirmed order's stock (its goods were held)."""
    return ReservationReleased.new(caused_by=reserved, source=reserved, reason=reason)


def hold_closed(
    held: LotHeld,
    *,
    outcome: Literal["released", "destroyed"] = "released",
    reason: str = "re-inspected: nothing found",
    closed_by: Literal["kanwil_admin", "qc_officer"] = "kanwil_admin",
    occurred_at: datetime | None = None,
) -> HoldClosed:
    """The close of a hold: its goods released to sale, or destroyed."""
    return HoldClosed.new(
        caused_by=held,
        occurred_at=occurred_at,
        source=held,
        outcome=outcome,
        reason=reason,
        closed_by=closed_by,
    )


def order_cancelled(
    order: OrderPlaced,
    *,
    cancelled_by: Literal["channel", "expiry"] = "channel",
    reason: str = "the buyer changed their mind",
    occurred_at: datetime | None = None,
) -> OrderCancelled:
    """The cancellation of an open order, by its channel or by expiry."""
    return OrderCancelled.new(
        caused_by=order,
        occurred_at=occurred_at,
        source=order,
        cancelled_by=cancelled_by,
        reason=reason,
    )


def goods_returned(
    sale: SaleCompleted,
    *,
    location_code: str,
    allocations: Sequence[Allocation] | None = None,
    reason: str = "came back broken",
    occurred_at: datetime | None = None,
) -> GoodsReturned:
    """Goods of a sale brought back (all of it unless `allocations` says what) to
    `location_code`."""
    back = [*sale.allocations] if allocations is None else [*allocations]
    return GoodsReturned.new(
        caused_by=sale,
        occurred_at=occurred_at,
        source=sale,
        return_id=uuid4(),
        location_code=location_code,
        quantity=sum(allocation.quantity for allocation in back),
        allocations=back,
        reason=reason,
    )


def channel_changed(
    code: str = "GALERI-SERANG",
    *,
    locations: Sequence[str] = ("KANWIL-GALERI",),
    name: str = "Galeri produk WBP, Kanwil Ditjenpas Banten",
    kind: str = "gallery",
    active: bool = True,
) -> ChannelChanged:
    """A channel as an administrator set it: where it sells from."""
    return ChannelChanged.new(
        channel_code=code, channel_name=name, kind=kind, locations=list(locations), active=active
    )


def location_changed(
    code: str,
    name: str,
    *,
    kind: LocationKind = "gallery",
    address: str = "Kota Serang, Banten",
    owner: str = "Kanwil Ditjenpas Banten",
    upt_code: str | None = None,
    active: bool = True,
    occurred_at: datetime | None = None,
) -> LocationChanged:
    """A place goods are kept or sold from, added or changed: a new flow."""
    return LocationChanged.new(
        occurred_at=occurred_at,
        location_code=code,
        name=name,
        kind=kind,
        address=address,
        owner=owner,
        upt_code=upt_code,
        active=active,
    )


def goods_shipped(
    stored: StockChanged,
    *,
    to_location: str,
    serials: Sequence[str] = (),
    quantity: int | None = None,
    occurred_at: datetime | None = None,
) -> GoodsShipped:
    """Goods of the lot `stored` received, sent on from where they are: the units named, or a
    quantity (goods traced per lot). A transfer starts its own flow."""
    if stored.lot_code is None:
        raise ValueError("goods are shipped from a lot's stock: a received change names it")
    return GoodsShipped.new(
        occurred_at=occurred_at,
        transfer_id=uuid4(),
        sku=stored.sku,
        lot_code=stored.lot_code,
        from_location=stored.location_code,
        to_location=to_location,
        quantity=len(serials) if quantity is None else quantity,
        serials=[*serials],
    )


def goods_received(
    shipped: GoodsShipped,
    *,
    short: Sequence[str] | int = (),
    damaged: Sequence[str] | int = (),
    occurred_at: datetime | None = None,
) -> GoodsReceived:
    """What arrived of a shipment: all of it but the `short` and `damaged` units (or
    quantities, for goods traced per lot)."""
    short_serials = [] if isinstance(short, int) else [*short]
    damaged_serials = [] if isinstance(damaged, int) else [*damaged]
    short_quantity = short if isinstance(short, int) else len(short_serials)
    damaged_quantity = damaged if isinstance(damaged, int) else len(damaged_serials)
    gone = {*short_serials, *damaged_serials}
    return GoodsReceived.new(
        caused_by=shipped,
        occurred_at=occurred_at,
        source=shipped,
        received_quantity=shipped.quantity - short_quantity - damaged_quantity,
        received_serials=[serial for serial in shipped.serials if serial not in gone],
        short_quantity=short_quantity,
        short_serials=short_serials,
        damaged_quantity=damaged_quantity,
        damaged_serials=damaged_serials,
    )
