"""The recall report of a lot: every unit (or quantity) and where it is now, from trace's steps.

For the Kanwil, whoever must reach the goods: sold (through which channel, when, to which of the
channel's buyer references), held in stock (at which location: quarantined once inventory has
the hold), or rejected at QC (never left the workshop). The counts add up to what was made.
Pure functions over the lot's steps, no I/O.
"""

import csv
import io
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from openpyxl import Workbook

from services.trace.timeline import Lookup, Step, hold_status, rejected_serials

Where = Literal["sold", "held", "in_stock", "rejected"]


@dataclass(frozen=True)
class Line:
    """Units (one serial) or a quantity of the lot, and where they are."""

    where: Where
    quantity: int
    serial: str | None = None
    location_code: str | None = None
    channel_code: str | None = None
    sold_at: str | None = None
    buyer_ref: str | None = None
    order_id: str | None = None


COLUMNS = tuple(field.name for field in fields(Line))


@dataclass(frozen=True)
class Report:
    lot_code: str
    sku: str | None
    product_name: str | None
    made: int
    status: str  # recalled, on_hold, or not_held
    lines: list[Line]

    def counts(self) -> dict[str, int]:
        counted = {where: 0 for where in ("sold", "held", "in_stock", "rejected")}
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
        """What a channel may see: the counts, and buyers only of its own sales."""
        lines = [
            line
            if line.channel_code == channel_code or line.where != "sold"
            else Line("sold", line.quantity, line.serial, line.location_code, line.channel_code)
            for line in self.lines
        ]
        return Report(self.lot_code, self.sku, self.product_name, self.made, self.status, lines)


def recall_report(found: Lookup) -> Report:
    """Where every unit (or every quantity) of the lot is now."""
    steps, lot = found.steps, found.lot
    held = hold_status(s.disposition for s in steps if s.biz_step == "holding" and not s.serial)
    held_units = {s.serial for s in steps if s.biz_step == "holding" and s.serial}
    made = lot.quantity if lot is not None else _made(steps)
    store = next((s.data["location_code"] for s in steps if s.biz_step == "storing"), None)
    sales = [_sold(step) for step in steps if step.biz_step == "retail_selling"]
    rejected = _rejected(steps, found.serials)
    if found.serials:
        sold = {line.serial for line in sales}
        kept = [serial for serial in found.serials if serial not in sold and serial not in rejected]
        rest = [
            Line("held" if held or serial in held_units else "in_stock", 1, serial, store)
            for serial in kept
        ]
        lines = sales + [Line("rejected", 1, serial) for serial in sorted(rejected)] + rest
    else:
        rejected_quantity = sum(s.data.get("rejected_quantity", 0) for s in _inspections(steps))
        remaining = made - rejected_quantity - sum(line.quantity for line in sales)
        lines = [*sales]
        if rejected_quantity:
            lines.append(Line("rejected", rejected_quantity))
        if remaining:
            lines.append(Line("held" if held else "in_stock", remaining, None, store))
    status = held or ("on_hold" if held_units else "not_held")
    return Report(
        found.lot_code,
        lot.sku if lot is not None else None,
        lot.product_name if lot is not None else None,
        made,
        status,
        lines,
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


def _inspections(steps: Sequence[Step]) -> list[Step]:
    return [step for step in steps if step.biz_step == "inspecting"]


def _rejected(steps: Sequence[Step], serials: Sequence[str]) -> set[str]:
    return rejected_serials(steps) & set(serials) if serials else set()


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
