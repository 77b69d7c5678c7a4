"""Valid events, built with the contracts, for the backlogs the consumers drain.

A backlog is what the producing services would have put on a consumer's input streams; it is
written in the wire format of shared/delivery/entries.py (one `__data__` field of JSON), which
is the normal event path for the consumer under test. Lot codes follow the production rules
(UPT-FAMILY-yymm-sequence); distinct lots come from walking the yymm part and the sequence.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from uuid import uuid4

from services.inventory.domain import store_location
from services.production.catalogue import PRODUCTS, UPTS, WORKSHOPS, Product
from services.production.domain import internal_gtin, serials
from shared.contracts import (
    Allocation,
    BatchCompleted,
    BatchSignedOff,
    Defect,
    Event,
    SaleCompleted,
    StockChanged,
)
from shared.delivery.entries import encode

Entry = tuple[str, dict[bytes, bytes]]  # (stream suffix, fields)

CHANNELS = ("GALERI-SERANG", "EXPO-UMKM", "E-KATALOG", "MARKETPLACE")
DEFECT = {"PAN": "PAN-04", "AGR": "AGR-03", "KYU": "KYU-02", "TEX": "TEX-01", "FTW": "FTW-01"}
DEFECT |= {"BGN": "BGN-04"}
DEFECT_TEXT = "benchmark defect"


@dataclass(frozen=True)
class Line:
    """Where a product is made: what a BatchCompleted says about its origin."""

    product: Product
    gtin: str
    upt_name: str
    workshop_code: str
    workshop_name: str

    @property
    def sku(self) -> str:
        return self.product.sku

    @property
    def unit_tracked(self) -> bool:
        return self.product.tracking == "unit"

    @property
    def location(self) -> str:
        return store_location(self.product.upt_code)

    def lot_code(self, index: int) -> str:
        """The index-th distinct lot of this line: 9,999 per month, months from 2601 on."""
        month, sequence = divmod(index, 9999)
        year, month_of_year = divmod(month, 12)
        yymm = f"{26 + year:02d}{month_of_year + 1:02d}"
        return f"{self.product.upt_code}-{self.product.family}-{yymm}-{sequence + 1:04d}"


def line(sku: str) -> Line:
    number, product = next((n, p) for n, p in enumerate(PRODUCTS, start=1) if p.sku == sku)
    upt = next(u for u in UPTS if u.code == product.upt_code)
    workshop = next(w for w in WORKSHOPS if w.upt_code == upt.code and product.family in w.families)
    return Line(product, internal_gtin(number), upt.name, workshop.code, workshop.name)


LOT_LINES = tuple(line(p.sku) for p in PRODUCTS if p.tracking == "lot")
UNIT_LINES = tuple(line(p.sku) for p in PRODUCTS if p.tracking == "unit")
ALL_LINES = tuple(line(p.sku) for p in PRODUCTS)


def batch_completed(line: Line, lot_code: str, quantity: int) -> BatchCompleted:
    return BatchCompleted.new(
        batch_id=uuid4(),
        lot_code=lot_code,
        sku=line.sku,
        product_name=line.product.name,
        qc_family=line.product.family,
        tracking=line.product.tracking,
        gtin=line.gtin,
        upt_code=line.product.upt_code,
        upt_name=line.upt_name,
        workshop_code=line.workshop_code,
        workshop_name=line.workshop_name,
        quantity=quantity,
        unit_of_measure=line.product.unit_of_measure,
        serials=serials(lot_code, quantity) if line.unit_tracked else [],
        worker_count=3,
    )


def batch_signed_off(batch: BatchCompleted, rejected: int) -> BatchSignedOff:
    """QC passes all but `rejected` (the last units, for unit-tracked goods)."""
    rejected_serials = batch.serials[len(batch.serials) - rejected :] if batch.serials else []
    passed_serials = batch.serials[: len(batch.serials) - rejected] if batch.serials else []
    defects = (
        [
            Defect(
                code=DEFECT[batch.qc_family],
                description=DEFECT_TEXT,
                quantity=rejected,
                serials=rejected_serials,
            )
        ]
        if rejected
        else []
    )
    return BatchSignedOff.new(
        caused_by=batch,
        inspection_id=uuid4(),
        batch_id=batch.batch_id,
        lot_code=batch.lot_code,
        sku=batch.sku,
        product_name=batch.product_name,
        tracking=batch.tracking,
        upt_code=batch.upt_code,
        officer_code=f"QC-{batch.upt_code}-07",
        passed_quantity=batch.quantity - rejected,
        rejected_quantity=rejected,
        passed_serials=passed_serials,
        defects=defects,
    )


def stock_received(signed_off: BatchSignedOff, *, available: int, version: int) -> StockChanged:
    """What inventory announces when the passed goods enter the UPT's store."""
    return StockChanged.new(
        caused_by=signed_off,
        sku=signed_off.sku,
        product_name=signed_off.product_name,
        location_code=store_location(signed_off.upt_code),
        available=available,
        on_hand=available,
        version=version,
        reason="received",
        delta=signed_off.passed_quantity,
        lot_code=signed_off.lot_code,
        serials=signed_off.passed_serials,
    )


def sale_completed(
    signed_off: BatchSignedOff, quantity: int, sold_serials: list[str], buyer_ref: str, n: int
) -> SaleCompleted:
    return SaleCompleted.new(
        caused_by=signed_off,
        order_id=uuid4(),
        channel_code=CHANNELS[n % len(CHANNELS)],
        sku=signed_off.sku,
        quantity=quantity,
        buyer_ref=buyer_ref,
        allocations=[
            Allocation(
                lot_code=signed_off.lot_code,
                location_code=store_location(signed_off.upt_code),
                quantity=quantity,
                serials=sold_serials,
            )
        ],
    )


def entry(event: Event) -> Entry:
    return event.stream_suffix(), encode(event)


@dataclass
class Backlog:
    """Entries for one consumer, and what applying each exactly once must leave behind."""

    entries: list[Entry] = field(default_factory=list)
    expect: dict[str, int] = field(default_factory=dict)
    # sales only: the newest (version, available) per "sku|location"
    newest: dict[str, tuple[int, int]] = field(default_factory=dict)

    def add(self, event: Event) -> None:
        self.entries.append(entry(event))

    @property
    def streams(self) -> set[str]:
        return {suffix for suffix, _ in self.entries}

    @property
    def payload_bytes(self) -> int:
        return sum(len(fields[b"__data__"]) for _, fields in self.entries)


# --------------------------------------------------------------------------- per consumer


def quality_backlog(n: int) -> Backlog:
    """Completed batches to inspect: lot-tracked bread (200) and unit-tracked shoes (24)."""
    backlog = Backlog()
    bread, shoes = line("PAN-ROT-001"), line("FTW-SPT-OLR")
    for i in range(n):
        batch_line, quantity = (bread, 200) if i % 2 == 0 else (shoes, 24)
        backlog.add(batch_completed(batch_line, batch_line.lot_code(i), quantity))
    backlog.expect = {"inspections": n}
    return backlog


def inventory_backlog(n: int) -> Backlog:
    """Signed-off lots of the lot-tracked products, each a distinct lot with goods passed."""
    backlog = Backlog()
    for i in range(n):
        batch_line = LOT_LINES[i % len(LOT_LINES)]
        quantity = 100 + i % 150
        batch = batch_completed(batch_line, batch_line.lot_code(i), quantity)
        backlog.add(batch_signed_off(batch, rejected=i % 3))
    backlog.expect = {"lots": n, "ledger": n, "outbox": n, "versions": n}
    return backlog


def sales_backlog(n: int) -> Backlog:
    """Stock changes of every product at every UPT store, versions rising per key."""
    backlog = Backlog()
    keys = [(product_line, store_location(u.code)) for product_line in ALL_LINES for u in UPTS]
    newest: dict[str, tuple[int, int]] = {}
    for i in range(n):
        product_line, location = keys[i % len(keys)]
        version = i // len(keys) + 1
        available = 50 + (i * 7919) % 500
        backlog.add(
            StockChanged.new(
                sku=product_line.sku,
                product_name=product_line.product.name,
                location_code=location,
                available=available,
                on_hand=available + 5,
                version=version,
                reason=("received", "reserved", "released", "sold")[i % 4],
                delta=1,
            )
        )
        newest[f"{product_line.sku}|{location}"] = (version, available)
    backlog.expect = {"catalogue_rows": len(newest)}
    backlog.newest = newest
    return backlog


def trace_backlog(n: int) -> Backlog:
    """A mix: per lot its completion, sign-off, receipt into stock and one sale."""
    backlog = Backlog()
    lots = units = steps = 0
    for i in range(max(1, n // 4)):
        batch_line = (LOT_LINES + UNIT_LINES)[i % (len(LOT_LINES) + len(UNIT_LINES))]
        quantity = 10 if batch_line.unit_tracked else 100
        batch = batch_completed(batch_line, batch_line.lot_code(i), quantity)
        signed_off = batch_signed_off(batch, rejected=1)
        received = stock_received(signed_off, available=signed_off.passed_quantity, version=i + 1)
        sold = signed_off.passed_serials[:2]
        sale = sale_completed(signed_off, 2, sold, f"BUYER-{i:06d}", i)
        for event in (batch, signed_off, received, sale):
            backlog.add(event)
        lots += 1
        units += len(batch.serials)
        steps += 3 + (len(sold) if sold else 1)
    backlog.expect = {"lots": lots, "units": units, "steps": steps}
    return backlog


BUILDERS = {
    "quality": quality_backlog,
    "inventory": inventory_backlog,
    "sales": sales_backlog,
    "trace": trace_backlog,
}


# --------------------------------------------------------------------------- trace at scale


@dataclass(frozen=True)
class TracedLot:
    lot_code: str
    units: int  # serials are <lot_code>-0001 ... (kept implicit: a million strings is memory)
    sold: tuple[str, ...]


def traced_lots(
    lots: int, units_per_lot: int, *, sales_per_lot: int = 5, units_per_sale: int = 2
) -> Iterator[tuple[TracedLot, list[Event]]]:
    """Shoe lots of `units_per_lot` serials each, with their whole life up to some sales."""
    shoes = line("FTW-SPT-OLR")
    for i in range(lots):
        batch = batch_completed(shoes, shoes.lot_code(i), units_per_lot)
        signed_off = batch_signed_off(batch, rejected=2)
        received = stock_received(signed_off, available=signed_off.passed_quantity, version=i + 1)
        events: list[Event] = [batch, signed_off, received]
        sold: list[str] = []
        for s in range(sales_per_lot):
            chosen = list(signed_off.passed_serials[s * units_per_sale : (s + 1) * units_per_sale])
            sold += chosen
            buyer = f"BUYER-{i:05d}-{s:02d}"
            events.append(sale_completed(signed_off, len(chosen), chosen, buyer, s))
        yield TracedLot(batch.lot_code, len(batch.serials), tuple(sold)), events


def mixed_entries(backlogs: Iterable[Backlog], n: int) -> list[Entry]:
    """n entries drawn evenly from the backlogs, interleaved: the ceiling's payload mix."""
    sources = [b.entries for b in backlogs if b.entries]
    mixed: list[Entry] = []
    for i in range(n):
        source = sources[i % len(sources)]
        mixed.append(source[(i // len(sources)) % len(source)])
    return mixed
