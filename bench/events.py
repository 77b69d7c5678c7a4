"""Valid events, built as their producers build them (shared/samples.py), for the backlogs
the consumers drain.

A backlog is what the producing services would have put on a consumer's input streams; it is
written in the wire format of shared/delivery/entries.py (one `__data__` field of JSON), which
is the normal event path for the consumer under test. Lot codes follow the production rules
(UPT-FAMILY-yymm-sequence); distinct lots come from walking the yymm part and the sequence.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from services.inventory.domain import store_location
from services.production.catalogue import (
    PRODUCT_BY_SKU,
    PRODUCTS,
    UPT_BY_CODE,
    UPTS,
    WORKSHOPS,
    gtin_of,
)
from services.production.domain import serials
from shared import samples
from shared.contracts import (
    Allocation,
    BatchCompleted,
    BatchSignedOff,
    Event,
    SaleCompleted,
    StockChanged,
)
from shared.delivery.entries import encode
from shared.samples import Line

Entry = tuple[str, dict[bytes, bytes]]  # (stream suffix, fields)

# The channels that sell from the UPT stores, where goods are received.
CHANNELS = ("E-KATALOG", "MARKETPLACE")
DEFECT = {"PAN": "PAN-04", "AGR": "AGR-03", "KYU": "KYU-02", "TEX": "TEX-01", "FTW": "FTW-01"}
DEFECT |= {"BGN": "BGN-04"}
DEFECT_TEXT = "benchmark defect"


def line(sku: str) -> Line:
    """A catalogue product where it is made: its UPT and the workshop there for its family."""
    product = PRODUCT_BY_SKU[sku]
    upt = UPT_BY_CODE[product.upt_code]
    workshop = next(w for w in WORKSHOPS if w.upt_code == upt.code and product.family in w.families)
    return Line.model_validate(
        {"product": product, "gtin": gtin_of(product), "upt": upt, "workshop": workshop}
    )


LOT_LINES = tuple(line(p.sku) for p in PRODUCTS if p.tracking == "lot")
UNIT_LINES = tuple(line(p.sku) for p in PRODUCTS if p.tracking == "unit")
ALL_LINES = tuple(line(p.sku) for p in PRODUCTS)


def batch_completed(line: Line, lot_code: str, quantity: int) -> BatchCompleted:
    numbered = serials(lot_code, quantity) if line.unit_tracked else []
    return samples.batch_completed(line, lot_code, quantity, serials=numbered)


def batch_signed_off(batch: BatchCompleted, rejected: int) -> BatchSignedOff:
    """QC passes all but `rejected` (the last units, for unit-tracked goods)."""
    defect = (DEFECT[batch.qc_family], DEFECT_TEXT)
    return samples.batch_signed_off(batch, rejected=rejected, defect=defect)


def stock_received(signed_off: BatchSignedOff, *, version: int) -> StockChanged:
    """What inventory announces when the passed goods enter the UPT's store."""
    location = store_location(signed_off.upt_code)
    return samples.stock_received(signed_off, location_code=location, version=version)


def sale_completed(
    signed_off: BatchSignedOff, quantity: int, sold_serials: list[str], buyer_ref: str, n: int
) -> SaleCompleted:
    """A sale of goods of a signed-off lot, following its order and the reservation of those
    goods in the UPT's store (neither is in a backlog: no consumer under test reads them)."""
    channel = CHANNELS[n % len(CHANNELS)]
    order = samples.order_placed(
        sku=signed_off.sku, quantity=quantity, serials=sold_serials, channel_code=channel
    )
    held = Allocation(
        lot_code=signed_off.lot_code,
        location_code=store_location(signed_off.upt_code),
        quantity=quantity,
        serials=sold_serials,
    )
    reserved = samples.stock_reserved(order, [held])
    return samples.sale_completed(reserved, buyer_ref=buyer_ref, channel_code=channel)


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
            samples.stock_changed(
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
        received = stock_received(signed_off, version=i + 1)
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
        received = stock_received(signed_off, version=i + 1)
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
