"""Production rules without I/O: lot codes, serials, GTINs, worker codes."""

from datetime import date, datetime, timedelta

from shared.errors import Conflict, Rejected
from shared.gs1 import check_digit, unit_serial
from shared.inputs import MAX_LOT_QUANTITY
from shared.timezones import WIB

WORKER_CODE_PATTERN = r"^WB-[A-Z0-9]{4,8}$"
# GS1 reserves the 02 prefix for restricted circulation: internal codes that never collide
# with a real GTIN. A product with its own GTIN uses that instead.
INTERNAL_GTIN_PREFIX = "02"
# A serial's unit number has four digits (CLG-2611-0042-0007) so that it fits GS1's 20.
MAX_UNITS_PER_BATCH = 9_999


def lot_sequence_scope(upt_code: str, completed_at: datetime) -> str:
    """What a lot's sequence counts within: the UPT's month (CLG-2611), across families, so
    that UPT, month and sequence name one lot and serials can leave the family out."""
    return f"{upt_code}-{business_month(completed_at)}"


def business_month(at: datetime) -> str:
    """yymm of the WIB day: a batch completed at 2026-11-30T17:30Z is December's (00:30 WIB)."""
    return f"{at.astimezone(WIB):%y%m}"


def lot_code(upt_code: str, family: str, completed_at: datetime, sequence: int) -> str:
    """E.g. CLG-FTW-2611-0042: UPT, QC family, yymm of completion, sequence in that month."""
    return f"{upt_code}-{family}-{business_month(completed_at)}-{sequence:04d}"


def serials(lot: str, quantity: int) -> list[str]:
    """One serial per unit of a lot, numbered from 1 (shared/gs1.py: unit_serial)."""
    return [unit_serial(lot, number) for number in range(1, quantity + 1)]


def internal_gtin(catalogue_number: int) -> str:
    """A stable 14-digit code for a product without a GTIN of its own."""
    body = f"0{INTERNAL_GTIN_PREFIX}{catalogue_number:010d}"
    return body + check_digit(body)


def check_output(status: str, tracking: str, made: int, added: int) -> None:
    """Output goes into open batches only; a batch of labelled units stays within its serials."""
    if status != "open":
        raise Conflict("batch_id", f"batch is {status}; output can no longer be added")
    if tracking == "unit" and made + added > MAX_UNITS_PER_BATCH:
        raise Rejected(
            "quantity",
            f"a batch of individually labelled goods holds at most {MAX_UNITS_PER_BATCH} units; "
            "complete this batch and open another",
        )
    if made + added > MAX_LOT_QUANTITY:
        raise Rejected(
            "quantity",
            f"a lot holds at most {MAX_LOT_QUANTITY} (this batch has {made}); "
            "complete this batch and open another",
        )


def check_completable(made: int) -> None:
    if made == 0:
        raise Rejected("batch_id", "no output was recorded for this batch")


def food_dates(
    shelf_life_days: int | None,
    completed_at: datetime,
    production_date: date | None = None,
    best_before: date | None = None,
) -> tuple[date | None, date | None]:
    """Production and best-before dates of a batch: the WIB day of completion and that plus
    the shelf life, unless entered at completion. Only goods with a shelf life carry dates."""
    if shelf_life_days is None:
        for field, given in (("production_date", production_date), ("best_before", best_before)):
            if given is not None:
                raise Rejected(field, "this product has no shelf life; it carries no dates")
        return None, None
    made = production_date or completed_at.astimezone(WIB).date()
    if made > completed_at.astimezone(WIB).date():
        raise Rejected("production_date", f"{made} is after the day of completion")
    best = best_before or made + timedelta(days=shelf_life_days)
    if best < made:
        raise Rejected("best_before", f"{best} is before the production date {made}")
    return made, best
