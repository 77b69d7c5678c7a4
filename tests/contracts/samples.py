"""One realistic event of every contract, built the way producers build them (shared/samples.py):
a lot of 24 pairs of shoes from Cilegon made, 2 rejected at QC, 22 stored, an order of 2 pairs
reserved and sold, a larger order declined, the lot held and recalled, the hold closed, an order
cancelled, the pair returned, the sign-off corrected, and four pairs sent to Kanwil's gallery
(one never arrived, one arrived damaged). The product facts are
written out here so that the contract tests do not depend on production's catalogue.
"""

from shared import samples
from shared.contracts import Allocation, Event
from shared.samples import Line

SHOES = Line.model_validate(
    {
        "product": {
            "sku": "FTW-SPT-OLR",
            "name": "Sepatu olahraga mesh",
            "family": "FTW",
            "tracking": "unit",
            "unit_of_measure": "pair",
            "upt_code": "CLG",
        },
        "gtin": "00200000000103",
        "upt": {"code": "CLG", "name": "Lapas Kelas IIA Cilegon"},
        "workshop": {"code": "CLG-SPT", "name": "Bengkel sepatu"},
    }
)
LOT = "CLG-FTW-2611-0042"
SERIALS = [f"CLG-2611-0042-{n:04d}" for n in range(1, 25)]
STORE = "CLG-STORE"


def one_lot_of_shoes() -> list[Event]:
    """Every event of the story, in the order they happen."""
    product = samples.product_changed(SHOES, price_idr=175_000)
    batch = samples.batch_completed(SHOES, LOT, 24, serials=SERIALS, worker_count=9)
    signed_off = samples.batch_signed_off(
        batch, rejected=SERIALS[22:], defect=("FTW-01", "sole bonding"), officer_code="PTG-CLG-07"
    )
    stored = samples.stock_received(signed_off, location_code=STORE)
    order = samples.order_placed(sku=SHOES.sku, quantity=2)
    two_pairs = Allocation(lot_code=LOT, location_code=STORE, quantity=2, serials=SERIALS[:2])
    reserved = samples.stock_reserved(order, [two_pairs])
    declined = samples.reservation_declined(
        samples.order_placed(sku=SHOES.sku, quantity=30), available=20
    )
    sold = samples.sale_completed(reserved, buyer_ref="BYR-7Q2K9X")
    held = samples.lot_held(batch, defect_code="FTW-01", reason="soles come loose after a week")
    recalled = samples.lot_recalled(held, reason="confirmed on 5 of 8 pairs checked")
    released = samples.reservation_released(reserved, reason=f"lot {LOT} is on hold")
    closed = samples.hold_closed(held, outcome="destroyed", reason="soles cannot be repaired")
    cancelled = samples.order_cancelled(order, reason="the buyer changed their mind")
    returned = samples.goods_returned(sold, location_code=STORE, reason="sole came loose")
    corrected = samples.batch_signed_off(
        batch,
        rejected=SERIALS[20:],
        defect=("FTW-01", "sole bonding"),
        officer_code="PTG-CLG-07",
        supersedes=signed_off.inspection_id,
    )
    channel = samples.channel_changed("GALERI-SERANG", locations=["KANWIL-GALERI"])
    gallery = samples.location_changed("KANWIL-GALERI", "Galeri produk WBP")
    shipped = samples.goods_shipped(stored, to_location="KANWIL-GALERI", serials=SERIALS[10:14])
    arrived = samples.goods_received(shipped, short=SERIALS[10:11], damaged=SERIALS[11:12])
    return [
        product,
        batch,
        signed_off,
        stored,
        order,
        reserved,
        declined,
        sold,
        held,
        recalled,
        released,
        closed,
        cancelled,
        returned,
        corrected,
        gallery,
        channel,
        shipped,
        arrived,
    ]


def sample_event(model: type[Event], *, caused_by: Event | None = None) -> Event:
    """The event of `model` in the story, or one like it that follows from `caused_by`; fails
    loudly when a new contract has no sample yet."""
    sample = next((event for event in one_lot_of_shoes() if isinstance(event, model)), None)
    if sample is None:
        raise LookupError(f"add an event of {model.__name__} to {__name__}.one_lot_of_shoes")
    if caused_by is None:
        return sample
    return model.new(caused_by=caused_by, occurred_at=sample.occurred_at, source=sample)
