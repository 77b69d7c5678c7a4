"""Inventory rules without I/O: store locations, stock levels, FIFO allocation, holds, and
the reasons inventory gives when it gives an order's goods back."""

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from shared.contracts import Allocation, Defect, OrderCancelled
from shared.places import store_location as store_location  # the rule is shared with sales


@dataclass
class Level:
    """On hand, reserved and quarantined of one SKU at one location, with its change counter.

    Quarantined goods (held by quality) are on hand but neither reserved nor available."""

    on_hand: int = 0
    reserved: int = 0
    version: int = 0
    quarantined: int = 0

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved - self.quarantined

    def change(self, *, on_hand: int = 0, reserved: int = 0, quarantined: int = 0) -> None:
        set_aside = self.reserved + reserved + self.quarantined + quarantined
        if (
            self.reserved + reserved < 0
            or self.quarantined + quarantined < 0
            or self.on_hand + on_hand < set_aside
        ):
            raise ValueError(
                f"stock would go negative: on hand {self.on_hand}{on_hand:+d}, "
                f"reserved {self.reserved}{reserved:+d}, "
                f"quarantined {self.quarantined}{quarantined:+d}"
            )
        self.on_hand += on_hand
        self.reserved += reserved
        self.quarantined += quarantined
        self.version += 1


@dataclass(frozen=True)
class LotStock:
    lot_code: str
    location_code: str
    available: int


@dataclass(frozen=True)
class Take:
    """Goods of one lot at one location an order takes (and which units, when unit-tracked)."""

    lot_code: str
    location_code: str
    quantity: int
    serials: tuple[str, ...] = ()


class Unavailable(Exception):
    """An order that cannot be reserved; `reason` is what the sales channel is told."""

    def __init__(self, message: str, reason: str, available: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.available = available


class Shortage(Unavailable):
    def __init__(self, requested: int, available: int, locations: Sequence[str] = ()) -> None:
        where = places(locations)
        message = f"requested {requested}, only {available} available{where}"
        super().__init__(message, f"only {available} available{where}", available)
        self.requested = requested
        self.available: int = available


class UnitsUnavailable(Unavailable):
    """Specific units asked for are not (all) available."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, reason)


def take_units(units: Iterable[tuple[str, str, str]]) -> list[Take]:
    """Takes of chosen units, given as (serial, lot code, location): one per lot and location."""
    by_lot: dict[tuple[str, str], list[str]] = defaultdict(list)
    for serial, lot_code, location_code in units:
        by_lot[(lot_code, location_code)].append(serial)
    return [
        Take(lot_code, location_code, len(serials), tuple(serials))
        for (lot_code, location_code), serials in by_lot.items()
    ]


def check_units(
    asked: Sequence[str],
    quantity: int,
    available: Iterable[str],
    held: Iterable[str] = (),
    locations: Sequence[str] = (),
) -> None:
    """An order naming its units gets them all, or is declined saying which are missing (and
    which of those are on hold, `held`; where they were looked for, `locations`)."""
    missing = sorted(set(asked) - set(available))
    if missing:
        on_hold = sorted(set(missing) & set(held))
        why = f" (on hold: {', '.join(on_hold)})" if on_hold else ""
        where = places(locations)
        raise UnitsUnavailable(f"units not available{where}: {', '.join(missing)}{why}")
    if len(asked) != quantity:
        raise UnitsUnavailable(f"{len(asked)} serials given for a quantity of {quantity}")


def places(locations: Sequence[str]) -> str:
    """Where an order looked, for its reason: a few places by name, more by count (a reason is
    short; the channel knows its own locations)."""
    if not locations:
        return ""
    if len(locations) > 2:
        return f" at the channel's {len(locations)} locations"
    return f" at {' and '.join(locations)}"


def allocate_fifo(lots: list[LotStock], quantity: int, locations: Sequence[str] = ()) -> list[Take]:
    """Take from the oldest lots first; all or nothing. `locations`: where the lots were looked
    for (the order's channel's), named when there is not enough."""
    available = sum(lot.available for lot in lots)
    if quantity > available:
        raise Shortage(quantity, available, locations)
    takes: list[Take] = []
    remaining = quantity
    for lot in lots:
        if remaining == 0:
            break
        taken = min(lot.available, remaining)
        if taken > 0:
            takes.append(Take(lot.lot_code, lot.location_code, taken))
            remaining -= taken
    return takes


def takes_held(
    allocations: Iterable[Allocation], lot_code: str, serials: Collection[str] = ()
) -> bool:
    """Whether an order's allocations include goods of a hold: any of the lot, or, when the
    hold names units (`serials`), one of those (goods traced per lot are held whole)."""
    return any(
        allocation.lot_code == lot_code
        and (not serials or not allocation.serials or bool(set(allocation.serials) & set(serials)))
        for allocation in allocations
    )


def sale_sources(quantity: int, quarantined: int, free: int) -> tuple[int, int]:
    """Where goods of a lot sold after their reservation was released come from: (from
    quarantine, from what is free), quarantine first. Raises when the lot has not enough."""
    from_quarantine = min(quantity, quarantined)
    from_free = quantity - from_quarantine
    if from_free > free:
        raise ValueError(
            f"{quantity} sold, but only {quarantined} quarantined and {free} free in the lot"
        )
    return from_quarantine, from_free


def still_held(serial: str, other_holds: Iterable[Collection[str]]) -> bool:
    """Whether another open hold (given by its units; empty: the whole lot) covers a unit."""
    return any(not held or serial in held for held in other_holds)


@dataclass(frozen=True)
class LotOnHand:
    """What one lot has at one location that a correction may take out."""

    location_code: str
    free: int
    quarantined: int


@dataclass(frozen=True)
class TakeOut:
    """Goods of a lot taken out at one location: from what was free, and from quarantine."""

    location_code: str
    from_free: int
    from_quarantine: int


def take_out(quantity: int, lots: Sequence[LotOnHand]) -> tuple[list[TakeOut], int]:
    """Goods of a lot a correction rejects: what is free first (at every location), then what
    is quarantined. Returns the takes and how many could not be taken (reserved or sold)."""
    free = _spread(quantity, [lot.free for lot in lots])
    held = _spread(quantity - sum(free), [lot.quarantined for lot in lots])
    takes = [
        TakeOut(lot.location_code, from_free, from_held)
        for lot, from_free, from_held in zip(lots, free, held, strict=True)
        if from_free or from_held
    ]
    return takes, quantity - sum(free) - sum(held)


def _spread(quantity: int, room: Sequence[int]) -> list[int]:
    """`quantity` taken from each place in turn, as much as it has."""
    taken: list[int] = []
    for has in room:
        taken.append(min(max(has, 0), quantity - sum(taken)))
    return taken


def cancel_reason(cancelled: OrderCancelled) -> str:
    """Why an order's goods are given back when it is cancelled (reservation-released)."""
    why = "cancelled by its channel" if cancelled.cancelled_by == "channel" else "expired"
    return f"{why}: {cancelled.reason}"


def correction_reason(lot_code: str, defects: Iterable[Defect]) -> str:
    """Why an order's goods are given back when QC rejected some of them after the fact."""
    found = ", ".join(f"{defect.description} ({defect.code})" for defect in defects)
    return f"QC correction of lot {lot_code}: {found or 'goods rejected after receipt'}"
