"""Every event that crosses a service boundary, once.

Each event is a frozen pydantic model carrying the envelope below. Events go on one stream per
event type and major version (`<namespace>.<producer>.<event-name>.v<major>`). Within a major
version only optional fields with defaults may be added; consumers ignore unknown fields.
The golden schemas under tests/contracts/ catch accidental breaks.

Two deliberate changes within v1, on 2026-11-28: `Serial` was widened to admit GS1's
20-character form (CLG-2611-0042-0007) besides the old one, which every earlier event still
matches, and stock-changed's `reason` gained `quarantined` (held goods). On 2026-11-30 it gained
`written_off` (held goods destroyed), `rejected` (goods a superseding QC sign-off rejected after
they were received) and `returned` (a sold unit brought back). A consumer that checks the shape
of serials or knows every reason must accept them; Jejak's own consumers do. Batch-signed-off
gained the optional `supersedes` (1.1), as within a major version any optional field may.
On 2026-12-01 `reason` gained `expired` (food past its best-before date, quarantined) and
`shipped` (goods leaving a location on a consignment transfer; they arrive as `received`).
Batch-completed 1.1 adds the food dates and the permit a product is sold under, batch-signed-off
1.2 the best-before date and the permits the sign-off relied on, order-placed 1.1 the locations
an order may be taken from. Production's product-changed (1.0) carries a catalogue product's
whole state whenever an administrator adds or changes it. Stock-changed 1.1 adds `transfer_id` to
the changes of a consignment transfer (shipped, and received at the destination).

On 2026-12-07 every contract took the input policy of HTTP (shared/inputs.py), a deliberate
tightening within v1 (the golden schemas were rewritten): text refuses control characters and
invalid Unicode and has a length (names 120, reasons 500, inventory's own reasons 1000), codes
(UPT, workshop, channel, location, buyer reference) have their patterns, numbers and flags are
strict and every integer has a maximum, lists are bounded (10,000 serials, 1,000 defects or
allocations, 100 locations), a batch-completed lot holds at most 100,000, and units named for a
quantity are one each (a unit-tracked batch-completed names exactly its quantity). Jejak's
producers never emitted anything else; an entry breaking them is dead-lettered (invalid) by its
consumer.


Events carry ids and quantities, never personal data: no worker codes (they stay in
production), buyers only as an opaque reference held by sales.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, ClassVar, Literal, Self
from uuid import UUID, uuid4

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    StrictInt,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from shared.attributes import named_alike
from shared.gs1 import LOT_PATTERN, SERIAL_PATTERN
from shared.inputs import (
    MAX_ENTRIES,
    MAX_LOCATIONS,
    MAX_LOT_QUANTITY,
    MAX_SERIALS,
    NOTE_LENGTH,
    SHORT_LENGTH,
    Name,
    Note,
    Reason,
    Text,
    serials_problem,
)

Sku = Annotated[
    str, Field(pattern=r"^[A-Z]{3}-[A-Z0-9]{2,4}-[A-Z0-9]{1,4}$", examples=["FTW-SPT-OLR"])
]
LotCode = Annotated[str, Field(pattern=LOT_PATTERN, examples=["CLG-FTW-2611-0042"])]
# Serials made before GS1's 20-character limit was kept (CLG-FTW-2611-0042-0007) stay valid:
# they are printed on goods already sold (shared/gs1.py).
Serial = Annotated[
    str, Field(pattern=SERIAL_PATTERN, examples=["CLG-2611-0042-0007", "CLG-FTW-2611-0042-0007"])
]
DefectCode = Annotated[str, Field(pattern=r"^[A-Z]{3}-\d{2}$", examples=["FTW-01"])]
UptCode = Annotated[str, Field(pattern=r"^[A-Z0-9]{2,5}$", examples=["CLG"])]
WorkshopCode = Annotated[str, Field(pattern=r"^[A-Z0-9]{2,5}-[A-Z0-9]{2,8}$", examples=["CLG-MBL"])]
ChannelCode = Annotated[
    str, Field(pattern=r"^[A-Z0-9][A-Z0-9-]{1,19}$", examples=["GALERI-SERANG"])
]
BuyerRef = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{4,64}$", examples=["BUYER-8F2K1"])]
LocationKind = Literal["upt_store", "gallery", "outlet", "expo_stand"]
LocationCode = Annotated[
    str, Field(pattern=r"^[A-Z0-9]+(-[A-Z0-9]+)*$", max_length=16, examples=["KANWIL-GALERI"])
]
# Serials and quantities follow the input policy (shared/inputs.py): strict integers, lists
# bounded, and where an event names units for a quantity, one each (`serials_problem`).
Serials = Annotated[list[Serial], Field(max_length=MAX_SERIALS)]
Quantity = Annotated[int, Strict(), Field(ge=0, le=10_000_000)]
# What one lot (one batch) holds, whatever its tracking: see MAX_LOT_QUANTITY.
LotQuantity = Annotated[int, Strict(), Field(ge=0, le=MAX_LOT_QUANTITY)]
Tracking = Literal["unit", "lot"]
# The registration a processed food is sold under: SPP-IRT for home-industry food, BPOM MD for
# food SPP-IRT may not cover (sterilised, frozen or chilled animal-origin food). Both also need a
# halal certificate. Non-food goods have none.
FoodPermit = Literal["spp-irt", "bpom-md"]
PermitKind = Literal["spp-irt", "bpom-md", "halal"]


@dataclass(frozen=True, slots=True)
class Link:
    """An earlier event a new one follows from, as a service keeps it: its id and its flow."""

    event_id: UUID
    correlation_id: UUID


def _one_per_unit(cls: type, serials: list[str], info: ValidationInfo) -> list[str]:
    """A cross-field rule of the contracts below: units named for a quantity are one each. The
    quantity of `serials` is `quantity`, of `passed_serials` `passed_quantity` (declared before
    them, so validated first; a quantity that failed is its own error)."""
    quantity = info.data.get((info.field_name or "").replace("serials", "quantity"))
    if isinstance(quantity, int) and (problem := serials_problem(quantity, serials)):
        raise PydanticCustomError("serials", problem)
    return serials


class Event(BaseModel):
    """The envelope every event carries; metadata lives in the JSON payload, not in headers."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    producer_service: ClassVar[str]
    event_name: ClassVar[str]
    major_version: ClassVar[int] = 1
    minor_version: ClassVar[int] = 0  # raised when optional fields are added

    event_id: UUID = Field(description="Set once by the producer; the idempotency key everywhere.")
    event_type: str = Field(description="Kebab-case event name, e.g. batch-signed-off.")
    schema_version: str = Field("1.0", description="major.minor of the contract.")
    occurred_at: AwareDatetime = Field(description="When it happened, by the producer's clock.")
    recorded_at: AwareDatetime = Field(description="When the producer recorded the event.")
    producer: str = Field(description="Service that produced the event.", examples=["quality"])
    correlation_id: UUID = Field(description="Shared by every event of one business flow.")
    causation_id: UUID | None = Field(None, description="The event that caused this one, if any.")

    @field_validator("schema_version")
    @classmethod
    def _of_this_major_version(cls, version: str) -> str:
        """A stream carries one major version: an event of another (or of no version at all)
        is another contract, which this one cannot read safely."""
        parsed = re.fullmatch(r"([0-9]+)\.([0-9]+)", version)
        if parsed is None:
            raise ValueError(f"{version[:20]!r} is not a version (major.minor, e.g. '1.0')")
        if int(parsed[1]) != cls.major_version:
            raise ValueError(
                f"major version {parsed[1]} is not this stream's (v{cls.major_version}): "
                f"expected {cls.major_version}.x"
            )
        return version

    @classmethod
    def payload_fields(cls) -> tuple[str, ...]:
        """The contract's own fields, without the envelope."""
        return tuple(name for name in cls.model_fields if name not in Event.model_fields)

    @classmethod
    def stream_suffix(cls) -> str:
        return f"{cls.producer_service}.{cls.event_name}.v{cls.major_version}"

    @classmethod
    def stream(cls, namespace: str) -> str:
        return f"{namespace}.{cls.stream_suffix()}"

    @classmethod
    def new(
        cls,
        *,
        caused_by: "Event | Link | None" = None,
        correlation_id: UUID | None = None,
        occurred_at: datetime | None = None,
        source: object = None,
        **fields: object,
    ) -> Self:
        """A fresh event. It continues the flow of its cause; without one it starts a flow,
        under `correlation_id` when a request brought one. Payload fields are read from the
        attributes of `source` (a row) named like them, then from `fields`."""
        now = datetime.now(UTC)
        if source is not None:
            fields = named_alike(source, cls.payload_fields()) | fields
        return cls.model_validate(
            {
                "event_id": uuid4(),
                "event_type": cls.event_name,
                "schema_version": f"{cls.major_version}.{cls.minor_version}",
                "occurred_at": occurred_at or now,
                "recorded_at": now,
                "producer": cls.producer_service,
                "correlation_id": caused_by.correlation_id
                if caused_by
                else correlation_id or uuid4(),
                "causation_id": caused_by.event_id if caused_by else None,
                **fields,
            }
        )


class BatchCompleted(Event):
    """A workshop finished a production batch: it now has a lot code and, per unit, serials."""

    producer_service = "production"
    event_name = "batch-completed"
    minor_version = 1  # 1.1: production_date, best_before, food_permit
    event_type: Literal["batch-completed"] = "batch-completed"

    batch_id: UUID = Field(description="Production's id of the batch.")
    lot_code: LotCode = Field(description="UPT, QC family, yymm and a sequence.")
    sku: Sku
    product_name: Name = Field(examples=["Sepatu olahraga mesh"])
    qc_family: Literal["PAN", "AGR", "KYU", "TEX", "FTW", "BGN"] = Field(
        description="Product family whose defect codes apply at QC."
    )
    tracking: Tracking = Field(description="unit: one serial per piece; lot: quantity only.")
    gtin: str = Field(
        pattern=r"^\d{14}$", description="GTIN-14, or the internal code mapped to one."
    )
    upt_code: UptCode
    upt_name: Name = Field(examples=["Lapas Kelas IIA Cilegon"])
    workshop_code: WorkshopCode = Field(examples=["CLG-SPT"])
    workshop_name: Name = Field(examples=["Bengkel sepatu"])
    quantity: LotQuantity = Field(description="Units (or unit of measure) produced.")
    unit_of_measure: Text = Field(max_length=SHORT_LENGTH, examples=["pair"])
    serials: Serials = Field(default_factory=list, description="One per unit when tracking=unit.")
    worker_count: StrictInt = Field(
        ge=0, le=MAX_LOT_QUANTITY, description="How many workers took part; never who."
    )
    production_date: date | None = Field(
        None, description="Food: the day it was made, in Asia/Jakarta (WIB)."
    )
    best_before: date | None = Field(
        None, description="Food: best before this day (WIB), from its shelf life or entered."
    )
    food_permit: FoodPermit | None = Field(
        None, description="Food: the registration it is sold under; quality checks it at sign-off."
    )

    @field_validator("serials")
    @classmethod
    def one_serial_per_unit(cls, serials: list[str], info: ValidationInfo) -> list[str]:
        """Units traced per unit have one serial each; goods traced per lot none."""
        tracking, quantity = info.data.get("tracking"), info.data.get("quantity")
        if tracking == "unit" and isinstance(quantity, int) and len(serials) != quantity:
            raise PydanticCustomError(
                "serials", f"{len(serials)} serials for {quantity} units traced per unit"
            )
        if tracking == "lot" and serials:
            raise PydanticCustomError("serials", "goods traced per lot carry no serials")
        return _one_per_unit(cls, serials, info)


class ProductChanged(Event):
    """A product of production's catalogue was added or changed (or seeded): its whole state,
    so that a consumer keeps a copy without asking. The latest event of a SKU wins."""

    producer_service = "production"
    event_name = "product-changed"
    event_type: Literal["product-changed"] = "product-changed"

    sku: Sku
    product_name: Name = Field(examples=["Kursi jati"])
    upt_code: UptCode = Field(description="The UPT that makes it.")
    family: Literal["PAN", "AGR", "KYU", "TEX", "FTW", "BGN"] = Field(
        description="Product family whose defect codes apply at QC."
    )
    tracking: Tracking = Field(description="unit: one serial per piece; lot: quantity only.")
    gtin: str = Field(
        pattern=r"^\d{14}$",
        description="The GTIN-14 on its labels: its own, or the internal code (prefix 02).",
    )
    unit_of_measure: Text = Field(max_length=SHORT_LENGTH, examples=["unit"])
    price_idr: StrictInt = Field(ge=0, le=1_000_000_000, description="List price in rupiah.")
    shelf_life_days: StrictInt | None = Field(
        None,
        ge=1,
        le=3650,
        description="Food and fresh produce: days from production to best before.",
    )
    food_permit: FoodPermit | None = Field(
        None, description="Processed food: the registration it is sold under."
    )
    active: StrictBool = Field(
        True, description="False: no longer made; existing goods stay valid."
    )


class Defect(BaseModel):
    """Rejected goods of one defect code."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    code: DefectCode
    description: Text = Field(max_length=200, examples=["sole bonding"])
    quantity: Quantity
    serials: Serials = Field(default_factory=list)

    _units = field_validator("serials")(_one_per_unit)


class PermitRef(BaseModel):
    """A permit a food sign-off relied on, as it stood that day: public, shown on the trace."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: PermitKind
    number: Text = Field(min_length=1, max_length=SHORT_LENGTH, examples=["2063604010123-29"])
    issuer: Text | None = Field(None, max_length=120, examples=["Dinas Kesehatan Kota Cilegon"])
    expires_on: date


class BatchSignedOff(Event):
    """A QC officer signed a batch off: what passed, what was rejected and why."""

    producer_service = "quality"
    event_name = "batch-signed-off"
    minor_version = 2  # 1.1: supersedes; 1.2: best_before, permits
    event_type: Literal["batch-signed-off"] = "batch-signed-off"

    inspection_id: UUID
    batch_id: UUID
    lot_code: LotCode
    sku: Sku
    product_name: Name
    tracking: Tracking
    upt_code: UptCode
    # As identity keeps it (24 characters); the code's form is identity's to check.
    officer_code: Text = Field(
        max_length=24, description="Officer's staff code (an official, not an inmate)."
    )
    passed_quantity: Quantity
    rejected_quantity: Quantity
    passed_serials: Serials = Field(default_factory=list)
    defects: list[Defect] = Field(default_factory=list, max_length=MAX_ENTRIES)
    supersedes: UUID | None = Field(
        None,
        description="The inspection_id of the sign-off this one corrects (more defects found): "
        "its counts and serials are the whole new decision, and stock and trace follow the "
        "difference. Both stay on record.",
    )
    best_before: date | None = Field(
        None, description="Food: best before this day (WIB); inventory quarantines it after."
    )
    permits: list[PermitRef] = Field(
        default_factory=list,
        max_length=MAX_ENTRIES,
        description="Food: the permits valid on the sign-off day.",
    )

    _units = field_validator("passed_serials")(_one_per_unit)


# received: goods in; reserved/released: set aside for an order, and given back (released also:
# held goods released by quality); sold: out; quarantined: held goods set aside, on hand but not
# available; written_off: held goods destroyed; rejected: goods a superseding sign-off rejected
# after they were received; returned: a sold unit back, quarantined; expired: past its
# best-before date, quarantined; shipped: sent away on a transfer (the last seven added in v1,
# see above).
StockReason = Literal[
    "received",
    "reserved",
    "released",
    "sold",
    "quarantined",
    "written_off",
    "rejected",
    "returned",
    "expired",
    "shipped",
]


class StockChanged(Event):
    """The available stock of a SKU at a location changed (what sales channels see)."""

    producer_service = "inventory"
    event_name = "stock-changed"
    minor_version = 1  # 1.1: transfer_id
    event_type: Literal["stock-changed"] = "stock-changed"

    sku: Sku
    product_name: Name
    location_code: LocationCode = Field(examples=["CLG-STORE"])
    available: Quantity = Field(description="On hand minus reserved, after the change.")
    on_hand: Quantity
    version: StrictInt = Field(
        ge=1, le=2**63 - 1, description="Monotonic per (sku, location): apply only newer."
    )
    reason: StockReason
    delta: StrictInt = Field(ge=-10_000_000, le=10_000_000, description="Change of `available`.")
    lot_code: LotCode | None = Field(None, description="Set when goods of one lot were received.")
    serials: Serials = Field(default_factory=list, description="Units received, if any.")
    transfer_id: UUID | None = Field(
        None,
        description="Goods shipped or received on a consignment transfer: its id (1.1). The "
        "transfer's own events (goods-shipped, goods-received) say what moved where.",
    )


class OrderPlaced(Event):
    """A sales channel placed an order; inventory answers with a reservation or a decline."""

    producer_service = "sales"
    event_name = "order-placed"
    minor_version = 1  # 1.1: locations
    event_type: Literal["order-placed"] = "order-placed"

    order_id: UUID
    channel_code: ChannelCode
    sku: Sku
    quantity: Quantity = Field(gt=0)
    serials: Serials = Field(default_factory=list, description="Specific units asked for.")
    locations: list[LocationCode] = Field(
        default_factory=list,
        max_length=MAX_LOCATIONS,
        description="Where the goods may be taken from: the channel's locations when the order "
        "was placed. Empty: anywhere (orders placed before 1.1).",
        examples=[["KANWIL-GALERI"]],
    )

    _units = field_validator("serials")(_one_per_unit)


class Allocation(BaseModel):
    """Goods of one lot at one location set aside for an order."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    lot_code: LotCode
    location_code: LocationCode
    quantity: Quantity = Field(gt=0)
    serials: Serials = Field(default_factory=list)

    _units = field_validator("serials")(_one_per_unit)


Allocations = Annotated[list[Allocation], Field(max_length=MAX_ENTRIES)]


class StockReserved(Event):
    """Inventory set stock aside for an order."""

    producer_service = "inventory"
    event_name = "stock-reserved"
    event_type: Literal["stock-reserved"] = "stock-reserved"

    order_id: UUID
    sku: Sku
    quantity: Quantity
    allocations: Allocations


class ReservationDeclined(Event):
    """Inventory could not reserve the order: the reason says why."""

    producer_service = "inventory"
    event_name = "reservation-declined"
    event_type: Literal["reservation-declined"] = "reservation-declined"

    order_id: UUID
    sku: Sku
    requested: Quantity
    available: Quantity
    # Inventory's own words, which may quote a hold's reason: twice a reason's length.
    reason: Note = Field(min_length=1, max_length=2 * NOTE_LENGTH, examples=["only 2 available"])


class ReservationReleased(Event):
    """Inventory gave back the stock it had set aside for a confirmed order, which can no
    longer be completed: the reason says why (a hold on its goods, a QC correction, the order
    cancelled by its channel or expired)."""

    producer_service = "inventory"
    event_name = "reservation-released"
    event_type: Literal["reservation-released"] = "reservation-released"

    order_id: UUID
    sku: Sku
    quantity: Quantity
    allocations: Allocations = Field(description="What the order had been given.")
    reason: Note = Field(
        min_length=1,
        max_length=2 * NOTE_LENGTH,
        examples=["lot CLG-FTW-2611-0042 is on hold: mould found"],
    )


class SaleCompleted(Event):
    """A confirmed order was handed over to its buyer."""

    producer_service = "sales"
    event_name = "sale-completed"
    event_type: Literal["sale-completed"] = "sale-completed"

    order_id: UUID
    channel_code: ChannelCode
    sku: Sku
    quantity: Quantity
    buyer_ref: BuyerRef = Field(
        description="Opaque buyer reference held by sales; no personal data."
    )
    allocations: Allocations


class LotHeld(Event):
    """A lot, or some of its units, was put on hold: none of it may be sold until it is
    released. Quality owns holds; inventory, sales, trace and the channels act on them."""

    producer_service = "quality"
    event_name = "lot-held"
    event_type: Literal["lot-held"] = "lot-held"

    hold_id: UUID = Field(description="Set by whoever placed the hold; recalls name it.")
    lot_code: LotCode
    sku: Sku
    upt_code: UptCode
    serials: Serials = Field(
        default_factory=list, description="The units held; empty: the whole lot."
    )
    defect_code: DefectCode | None = Field(None, description="The defect found, if one is.")
    reason: Reason = Field(examples=["mould found in a sample"])
    held_by: Literal["kanwil_admin", "qc_officer"] = Field(description="The role that held it.")


class LotRecalled(Event):
    """A hold was escalated to a recall: what was sold must come back, and its buyers be
    found. The units are the hold's."""

    producer_service = "quality"
    event_name = "lot-recalled"
    event_type: Literal["lot-recalled"] = "lot-recalled"

    hold_id: UUID
    lot_code: LotCode
    sku: Sku
    upt_code: UptCode
    serials: Serials = Field(
        default_factory=list, description="The units recalled; empty: the whole lot."
    )
    reason: Reason


class HoldClosed(Event):
    """A hold (or the recall it became) was closed: its goods were released, back to sellable,
    or destroyed, written off. Nothing of the hold is edited; this event follows it."""

    producer_service = "quality"
    event_name = "hold-closed"
    event_type: Literal["hold-closed"] = "hold-closed"

    hold_id: UUID
    lot_code: LotCode
    sku: Sku
    upt_code: UptCode
    serials: Serials = Field(
        default_factory=list, description="The hold's units; empty: the whole lot."
    )
    outcome: Literal["released", "destroyed"] = Field(
        description="released: sellable again; destroyed: written off."
    )
    reason: Reason = Field(examples=["re-inspected: no mould found"])
    closed_by: Literal["kanwil_admin", "qc_officer"] = Field(description="The role that closed it.")


class OrderCancelled(Event):
    """An open order will not be handed over: its channel cancelled it, or its reservation
    expired. Inventory gives back what it set aside (reservation-released)."""

    producer_service = "sales"
    event_name = "order-cancelled"
    event_type: Literal["order-cancelled"] = "order-cancelled"

    order_id: UUID
    channel_code: ChannelCode
    sku: Sku
    quantity: Quantity
    cancelled_by: Literal["channel", "expiry"] = Field(
        description="channel: its channel cancelled it; expiry: not completed in time."
    )
    reason: Reason = Field(examples=["buyer changed their mind"])


class GoodsReturned(Event):
    """Goods of a completed order came back from its buyer: they are quarantined at the
    receiving location, pending re-inspection."""

    producer_service = "sales"
    event_name = "goods-returned"
    event_type: Literal["goods-returned"] = "goods-returned"

    return_id: UUID = Field(description="Set by whoever records the return; resends are harmless.")
    order_id: UUID = Field(description="The completed order the goods were sold in.")
    channel_code: ChannelCode
    sku: Sku
    location_code: LocationCode = Field(description="Where the goods came back.")
    quantity: Quantity = Field(gt=0)
    allocations: Allocations = Field(
        description="What comes back, per lot (and units): the location is where it was sold from."
    )
    reason: Reason = Field(examples=["sole came loose"])


class ChannelChanged(Event):
    """A sales channel was created or changed: its whole state. A channel sells only from its
    locations; one that is not active places no orders."""

    producer_service = "sales"
    event_name = "channel-changed"
    event_type: Literal["channel-changed"] = "channel-changed"

    channel_code: ChannelCode
    channel_name: Name = Field(examples=["Galeri produk WBP, Kanwil Ditjenpas Banten"])
    kind: Text = Field(max_length=SHORT_LENGTH, examples=["gallery"])
    locations: list[LocationCode] = Field(
        max_length=MAX_LOCATIONS, description="Where it sells from.", examples=[["KANWIL-GALERI"]]
    )
    active: StrictBool


class LocationChanged(Event):
    """A place goods are kept or sold from was added or changed (or deactivated): a UPT's
    store, a gallery, an outlet, an expo stand. Inventory owns the list; sales reads it."""

    producer_service = "inventory"
    event_name = "location-changed"
    event_type: Literal["location-changed"] = "location-changed"

    location_code: LocationCode
    name: Name = Field(examples=["Galeri produk WBP"])
    kind: LocationKind
    address: Text = Field(max_length=300, examples=["Serang, Banten"])
    owner: Name = Field(description="Who runs it.", examples=["Kanwil Ditjenpas"])
    upt_code: UptCode | None = Field(None, description="The UPT whose store it is (upt_store).")
    active: StrictBool = Field(description="Inactive: no goods are sent to or from it any more.")


class GoodsShipped(Event):
    """Goods of one lot left a location on a consignment transfer: in transit until the
    destination records their receipt (goods-received)."""

    producer_service = "inventory"
    event_name = "goods-shipped"
    event_type: Literal["goods-shipped"] = "goods-shipped"

    transfer_id: UUID = Field(description="Chosen by whoever sends the goods.")
    sku: Sku
    lot_code: LotCode
    from_location: LocationCode
    to_location: LocationCode
    quantity: Quantity = Field(gt=0)
    serials: Serials = Field(
        default_factory=list, description="The units shipped (goods traced per unit)."
    )

    _units = field_validator("serials")(_one_per_unit)


class GoodsReceived(Event):
    """A transfer's goods arrived: what was received, what never arrived (short) and what
    arrived damaged (received quarantined at the destination, pending inspection).
    received + short + damaged is what was shipped."""

    producer_service = "inventory"
    event_name = "goods-received"
    event_type: Literal["goods-received"] = "goods-received"

    transfer_id: UUID
    sku: Sku
    lot_code: LotCode
    from_location: LocationCode
    to_location: LocationCode
    received_quantity: Quantity = Field(description="Arrived whole, sellable at the destination.")
    received_serials: Serials = Field(default_factory=list)
    short_quantity: Quantity = Field(0, description="Never arrived: out of stock.")
    short_serials: Serials = Field(default_factory=list)
    damaged_quantity: Quantity = Field(0, description="Arrived damaged: quarantined there.")
    damaged_serials: Serials = Field(default_factory=list)

    _units = field_validator("received_serials", "short_serials", "damaged_serials")(_one_per_unit)


ALL_EVENTS: tuple[type[Event], ...] = (
    BatchCompleted,
    ProductChanged,
    BatchSignedOff,
    StockChanged,
    OrderPlaced,
    StockReserved,
    ReservationDeclined,
    ReservationReleased,
    SaleCompleted,
    LotHeld,
    LotRecalled,
    HoldClosed,
    OrderCancelled,
    GoodsReturned,
    ChannelChanged,
    LocationChanged,
    GoodsShipped,
    GoodsReceived,
)
