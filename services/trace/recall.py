"""The recall report of a lot: every unit (or quantity) and where it is now, from trace's steps.

For the Kanwil, whoever must reach the goods: sold (through which channel, when, to which of the
channel's buyer references), returned by its buyer (where it came back to, from which order),
held in stock (at which location: quarantined once inventory has the hold), in stock, rejected
at QC (never left the workshop; or rejected by a correction before it was sold), or destroyed
when its hold was closed so. Held or stocked goods an order gave back say which order and why.
Each unit or quantity is on one line; the counts add up to what was made. Pure functions over
the lot's steps and releases, no I/O.
"""

import csv
import io
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from typing import Any, Literal, Protocol, get_args
from uuid import UUID

from openpyxl import Workbook

from services.trace.timeline import (
    Lookup,
    Step,
    UnitState,
    hold_status,
    is_release,
    is_return,
    latest_sign_off,
    open_hold,
    unit_states,
)

Where = Literal["sold", "returned", "held", "in_stock", "rejected", "destroyed"]
WHERE: tuple[Where, ...] = get_args(Where)  # the order of the lines and of the counts


@dataclass(frozen=True)
class Line:
    """Units (one serial) or a quantity of the lot, and where they are. `order_id`: the order
    sold (or returned) in; `released_from_order`: the order held or stocked goods came back
    from, unsold (reservation-released), and why."""

    where: Where
    quantity: int
    serial: str | None = None
    location_code: str | None = None
    channel_code: str | None = None
    sold_at: str | None = None
    buyer_ref: str | None = None
    order_id: str | None = None
    returned_at: str | None = None
    released_from_order: str | None = None
    release_reason: str | None = None


COLUMNS = tuple(field.name for field in fields(Line))


class Release(Protocol):
    """A row of trace's releases table (services/trace/db.py:ReleaseRow)."""

    @property
    def order_id(self) -> UUID: ...
    @property
    def serial(self) -> str | None: ...
    @property
    def location_code(self) -> str: ...
    @property
    def quantity(self) -> int: ...
    @property
    def reason(self) -> str: ...
    @property
    def released_at(self) -> datetime: ...


@dataclass(frozen=True)
class Report:
    lot_code: str
    sku: str | None
    product_name: str | None
    made: int
    status: str  # recalled, on_hold, destroyed, or not_held (timeline.hold_status)
    lines: list[Line]

    def counts(self) -> dict[str, int]:
        counted: dict[str, int] = dict.fromkeys(WHERE, 0)
        for line in self.lines:
            counted[line.where] += line.quantity
        return counted

    def as_json(self) -> dict[str, Any]:
        return {
            "lot_code": self.lot_code,
            "sku": self.sku,
            "product_name": self.product_name,
            "made": self.made,
            "status": self.status,
            "counts": self.counts(),
            "lines": [asdict(line) for line in self.lines],
        }

    def only_channel(self, channel_code: str) -> "Report":
        """What a channel may see: the counts, and buyers and orders only of its own sales and
        returns. A release does not say whose order it was: its order id is left out."""
        lines = [_for_channel(line, channel_code) for line in self.lines]
        return Report(self.lot_code, self.sku, self.product_name, self.made, self.status, lines)


def _for_channel(line: Line, channel_code: str) -> Line:
    line = replace(line, released_from_order=None)
    if line.channel_code == channel_code:
        return line
    return replace(line, sold_at=None, buyer_ref=None, order_id=None, returned_at=None)


def recall_report(found: Lookup, releases: Sequence[Release] = ()) -> Report:
    """Where every unit (or every quantity) of the lot is now."""
    steps, lot = found.steps, found.lot
    made = lot.quantity if lot is not None else _made(steps)
    if found.serials:
        lines = _unit_lines(steps, found.serials, releases)
    else:
        lines = _quantity_lines(steps, made, [r for r in releases if r.serial is None])
    return Report(
        found.lot_code,
        lot.sku if lot is not None else None,
        lot.product_name if lot is not None else None,
        made,
        hold_status(steps) or "not_held",
        sorted(lines, key=lambda line: WHERE.index(line.where)),
    )


def _unit_lines(
    steps: Sequence[Step], serials: Sequence[str], releases: Sequence[Release]
) -> list[Line]:
    """A line per unit, where timeline.unit_state says it is; the last release of a unit (in
    time order) tells held or stocked units which order gave them back."""
    released = {release.serial: release for release in releases if release.serial}
    return [
        _unit_line(serial, state, released.get(serial))
        for serial, state in unit_states(steps, serials).items()
    ]


def _unit_line(serial: str, state: UnitState, release: Release | None) -> Line:
    if state.where == "sold":
        return _sold(state.sale)
    if state.where == "returned":
        return _returned(state.back, _sold(state.sale) if state.sale is not None else None)
    if state.where == "rejected":
        return Line("rejected", 1, serial)
    if state.where == "destroyed":
        return Line("destroyed", 1, serial, state.location)
    line = Line("held" if state.hold else "in_stock", 1, serial, state.location)
    if release is None or (state.sale is not None and release.released_at < state.sale.occurred_at):
        return line  # never given to an order, or sold again since
    return _released(line, release)


def _quantity_lines(steps: Sequence[Step], made: int, releases: Sequence[Release]) -> list[Line]:
    """Goods traced per lot, by quantity, following the steps in time order: what was sold (less
    what came back of each order), returned (until a release puts it back in stock), destroyed
    (all still in hand when a hold is closed so), rejected (the latest sign-off's count, less
    what was sold before a correction) and the rest, held or in stock."""
    sign_off = latest_sign_off(steps)
    rejected = int(sign_off.data.get("rejected_quantity", 0)) if sign_off is not None else 0
    sales: list[Line] = []
    back: list[Line] = []  # returned, awaiting re-inspection
    restocked: list[tuple[int, str | None]] = []  # returned, then released: quantity, location
    store: str | None = None
    destroyed = 0
    for step in steps:
        if step.biz_step == "storing":
            store = store or step.data.get("location_code")
        elif step.biz_step == "retail_selling":
            sales.append(_sold(step))
        elif is_return(step):
            sales, sale = _take_back(sales, str(step.data["order_id"]), int(step.data["quantity"]))
            back.append(_returned(step, sale))
        elif is_release(step):
            restocked += [(line.quantity, line.location_code) for line in back]
            back = []
        elif step.biz_step == "destroying":
            destroyed = max(0, made - rejected - _total(sales))
            back, restocked = [], []
    remaining = made - _total(sales) - _total(back) - sum(q for q, _ in restocked) - destroyed
    rejected = max(0, min(rejected, remaining))
    where: Where = "held" if open_hold(steps) else "in_stock"
    lines = [*sales, *back, *(Line(where, q, None, place) for q, place in restocked)]
    lines += _pool(where, remaining - rejected, store, releases)
    if rejected:
        lines.append(Line("rejected", rejected))
    if destroyed:
        lines.append(Line("destroyed", destroyed))
    return lines


def _take_back(sales: list[Line], order_id: str, quantity: int) -> tuple[list[Line], Line | None]:
    """The sales less what came back of an order, and the (first) sale it came back from."""
    kept: list[Line] = []
    first = None
    for line in sales:
        if line.order_id == order_id and quantity > 0:
            first = first or line
            taken = min(quantity, line.quantity)
            quantity -= taken
            line = replace(line, quantity=line.quantity - taken)
        kept.append(line)
    return [line for line in kept if line.quantity], first


def _pool(
    where: Where, quantity: int, store: str | None, releases: Sequence[Release]
) -> list[Line]:
    """Goods held or in stock: first what orders gave back (as much as is left: goods of a lot
    are alike, what was given back may have been sold since), then the rest at the store."""
    lines = []
    for release in releases:
        taken = min(release.quantity, quantity)
        if taken > 0:
            lines.append(_released(Line(where, taken, None, release.location_code), release))
            quantity -= taken
    if quantity > 0:
        lines.append(Line(where, quantity, None, store))
    return lines


def _released(line: Line, release: Release) -> Line:
    return replace(
        line,
        location_code=line.location_code or release.location_code,
        released_from_order=str(release.order_id),
        release_reason=release.reason,
    )


def _sold(step: Step) -> Line:
    data = step.data
    return Line(
        "sold",
        int(data["quantity"]),
        step.serial,
        data.get("location_code"),
        data.get("channel_code"),
        step.occurred_at.isoformat(),
        data.get("buyer_ref"),
        str(data.get("order_id")),
    )


def _returned(step: Step, sale: Line | None) -> Line:
    """Goods back from their buyer, at the place they came back to; the buyer and the time of
    the sale from the sale of the same order."""
    data = step.data
    order_id = str(data["order_id"])
    sold = sale if sale is not None and sale.order_id == order_id else None
    return Line(
        "returned",
        int(data["quantity"]),
        step.serial,
        data.get("location_code"),
        data.get("channel_code"),
        sold.sold_at if sold is not None else None,
        sold.buyer_ref if sold is not None else None,
        order_id,
        returned_at=step.occurred_at.isoformat(),
    )


def _total(lines: Sequence[Line]) -> int:
    return sum(line.quantity for line in lines)


def _made(steps: Sequence[Step]) -> int:
    made = [s.data.get("quantity", 0) for s in steps if s.biz_step == "commissioning"]
    return int(made[0]) if made else 0


def as_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for line in report.lines:
        writer.writerow(["" if value is None else value for value in asdict(line).values()])
    return out.getvalue()


def as_xlsx(report: Report) -> bytes:
    """A workbook for the Kanwil: the lines, then the counts."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = report.lot_code
    sheet.append(list(COLUMNS))
    for line in report.lines:
        sheet.append(list(asdict(line).values()))
    summary = book.create_sheet("counts")
    summary.append(["lot_code", report.lot_code])
    summary.append(["status", report.status])
    summary.append(["made", report.made])
    for where, quantity in report.counts().items():
        summary.append([where, quantity])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
