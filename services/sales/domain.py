"""Sales rules without I/O: which catalogue change wins, when an order may be handed over or
cancelled, which units a hold keeps from sale, what of a sale may come back."""

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Protocol

from shared.contracts import Allocation, StockChanged
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


def check_cancellable(status: str, reason: str | None) -> None:
    """Only an open order (pending, confirmed) can be cancelled: a completed one was handed
    over (its goods come back as a return), a rejected one never took any goods."""
    if not cancellable(status):
        why = f": {reason}" if reason else ""
        raise Conflict("order_id", f"only an open order can be cancelled; it is {status}{why}")


def check_returnable(status: str) -> None:
    """Goods come back only from a sale: an open order is cancelled instead."""
    if status != "completed":
        why = f"only a completed order's goods can be returned; it is {status}"
        raise Conflict("order_id", why)


def duration_text(ttl: timedelta) -> str:
    """A reservation's lifetime as people say it: 24 hours, 1 hour 30 minutes, 45 seconds."""
    seconds = int(ttl.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [(hours, "hour"), (minutes, "minute")] if hours or minutes else [(seconds, "second")]
    return " ".join(f"{count} {unit}{'s' if count != 1 else ''}" for count, unit in parts if count)


def expiry_reason(ttl: timedelta) -> str:
    """Why an order was cancelled by expiry: its channel and inventory read it."""
    return f"not completed within {duration_text(ttl)}"


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
    """A hold as sales keeps it: the lot, the units held (none: the whole lot), why, and how
    it was closed (None or held: still open; destroyed: the goods were written off)."""

    @property
    def lot_code(self) -> str: ...
    @property
    def serials(self) -> list[str]: ...
    @property
    def reason(self) -> str: ...
    @property
    def status(self) -> str | None: ...
    @property
    def closed_reason(self) -> str | None: ...


def refusal(hold: Hold) -> str:
    """Why a hold keeps its units from sale, as a channel reads it."""
    if hold.status == "destroyed":
        what = f"units of lot {hold.lot_code} were" if hold.serials else f"lot {hold.lot_code} was"
        return f"{what} destroyed: {hold.closed_reason}"
    return f"lot {hold.lot_code} is on hold: {hold.reason}"


def named(units: Sequence[str], shown: int = 5) -> str:
    """Units named in an answer: the first few, then how many more."""
    more = f" and {len(units) - shown} more" if len(units) > shown else ""
    return ", ".join(units[:shown]) + more


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
        why = "; ".join(dict.fromkeys(refusal(hold) for hold in held.values()))
        raise Rejected("serials", f"not for sale: {named(sorted(held))} ({why})")


def goods_back(
    sold: Sequence[Allocation],
    returned: Sequence[Allocation],
    serials: Sequence[str],
    quantity: int | None,
) -> list[Allocation]:
    """What of a sale comes back, per lot and the location it was sold from. Unit-tracked
    goods (their allocations name serials) come back by serial, lot-tracked ones by quantity;
    nothing comes back twice (`returned`: what earlier returns of the order took back)."""
    if any(allocation.serials for allocation in sold):
        if not serials:
            raise Rejected("serials", "the goods are unit-tracked: name the units that come back")
        if quantity is not None and quantity != len(serials):
            raise Rejected("quantity", f"{len(serials)} serials given for a quantity of {quantity}")
        return units_back(sold, {unit for back in returned for unit in back.serials}, serials)
    if serials:
        raise Rejected("serials", "the goods are lot-tracked, without serials: give the quantity")
    if quantity is None:
        raise Rejected("quantity", "the goods are lot-tracked: say how many come back")
    return quantity_back(sold, returned, quantity)


def units_back(
    sold: Sequence[Allocation], returned: set[str], serials: Sequence[str]
) -> list[Allocation]:
    """The named units, per allocation they were sold in: each sold in this order, once."""
    sold_in = {unit: allocation for allocation in sold for unit in allocation.serials}
    twice = sorted({unit for unit in serials if serials.count(unit) > 1})
    if twice:
        raise Rejected("serials", f"named more than once: {named(twice)}")
    if strangers := sorted(unit for unit in serials if unit not in sold_in):
        raise Rejected("serials", f"not sold in this order: {named(strangers)}")
    if again := sorted(unit for unit in serials if unit in returned):
        raise Rejected("serials", f"already returned: {named(again)}")
    back: dict[tuple[str, str], list[str]] = {}
    for unit in serials:
        allocation = sold_in[unit]
        back.setdefault((allocation.lot_code, allocation.location_code), []).append(unit)
    return [
        Allocation(lot_code=lot, location_code=location, quantity=len(units), serials=units)
        for (lot, location), units in back.items()
    ]


def quantity_back(
    sold: Sequence[Allocation], returned: Sequence[Allocation], quantity: int
) -> list[Allocation]:
    """`quantity` of what is left of the sale, taken from its allocations in their order: the
    buyer does not say which lot a jar came from, so the first lots sold come back first."""
    left = {(a.lot_code, a.location_code): 0 for a in sold}
    for allocation in sold:
        left[allocation.lot_code, allocation.location_code] += allocation.quantity
    for allocation in returned:
        key = (allocation.lot_code, allocation.location_code)
        left[key] = left.get(key, 0) - allocation.quantity
    total = sum(allocation.quantity for allocation in sold)
    if quantity > sum(left.values()):
        before = total - sum(left.values())
        raise Rejected(
            "quantity",
            f"only {sum(left.values())} can come back: {total} sold, {before} returned before",
        )
    back: list[Allocation] = []
    for (lot, location), available in left.items():
        taken = min(available, quantity - sum(allocation.quantity for allocation in back))
        if taken > 0:
            back.append(Allocation(lot_code=lot, location_code=location, quantity=taken))
    return back


def return_location(back: Sequence[Allocation], given: str | None) -> str:
    """Where the goods come back: as given, else where they were sold from, when that is one
    place (goods sold from several must be told where they return)."""
    if given is not None:
        return given
    sold_from = sorted({allocation.location_code for allocation in back})
    if len(sold_from) > 1:
        raise Rejected(
            "location_code",
            f"the goods were sold from {', '.join(sold_from)}: say where they come back",
        )
    return sold_from[0]
