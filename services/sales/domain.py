"""Sales rules without I/O: which catalogue change wins, when an order may be handed over,
which units a hold keeps from sale."""

from collections.abc import Iterable, Sequence
from typing import Protocol

from shared.contracts import StockChanged
from shared.errors import Conflict, Rejected
from shared.gs1 import is_unit_of

# An order's reason (a decline's, a cancellation's) is kept to this many characters.
REASON_LENGTH = 200


def newest_changes(changes: Iterable[StockChanged]) -> list[StockChanged]:
    """The newest version per SKU and location among these changes."""
    newest: dict[tuple[str, str], StockChanged] = {}
    for change in changes:
        key = (change.sku, change.location_code)
        if key not in newest or newest[key].version < change.version:
            newest[key] = change
    return list(newest.values())


def check_completable(status: str, reason: str | None) -> None:
    """Only a confirmed order can be handed over to its buyer."""
    if status != "confirmed":
        why = {
            "pending": "inventory has not answered yet",
            "cancelled": f"it was cancelled: {reason}",
        }.get(status, f"it was rejected: {reason}")
        raise Conflict("order_id", f"only a confirmed order can be completed; {why}")


def cancellable(status: str) -> bool:
    """Whether inventory's release of an order's goods cancels it: yes until it is handed over.
    A completed order stays completed (its goods were handed over before the hold), a rejected
    or cancelled one stays so; a pending one is cancelled, since the release may be read
    before the reservation it undoes (another stream), which then finds the order answered."""
    return status in ("pending", "confirmed")


def clipped(reason: str, length: int = REASON_LENGTH) -> str:
    """A reason as it is kept (an order's: REASON_LENGTH characters), marked when cut."""
    return reason if len(reason) <= length else reason[: length - 1] + "…"


class Hold(Protocol):
    """A hold as sales keeps it: the lot, the units held (none: the whole lot), and why."""

    @property
    def lot_code(self) -> str: ...
    @property
    def serials(self) -> list[str]: ...
    @property
    def reason(self) -> str: ...


def held_serials(serials: Iterable[str], hold: Hold) -> list[str]:
    """Which of these serials the hold keeps from sale: the held units, or every unit of the
    lot when none are named (the whole lot is held)."""
    if hold.serials:
        return [serial for serial in serials if serial in set(hold.serials)]
    return [serial for serial in serials if is_unit_of(serial, hold.lot_code)]


def check_not_held(serials: Sequence[str], holds: Iterable[Hold]) -> None:
    """An order may not name units on hold: it is refused, naming them and why."""
    held: dict[str, Hold] = {}
    for hold in holds:
        held |= {serial: hold for serial in held_serials(serials, hold) if serial not in held}
    if held:
        units = sorted(held)
        named = ", ".join(units[:5]) + (f" and {len(units) - 5} more" if len(units) > 5 else "")
        why = "; ".join(
            dict.fromkeys(
                f"lot {hold.lot_code} is on hold: {hold.reason}" for hold in held.values()
            )
        )
        raise Rejected("serials", f"not for sale, on hold: {named} ({why})")
