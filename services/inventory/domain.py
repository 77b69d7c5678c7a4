"""Inventory rules without I/O: store locations, stock levels, FIFO allocation."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def store_location(upt_code: str) -> str:
    """Goods that pass QC are received into their UPT's store."""
    return f"{upt_code}-STORE"


@dataclass
class Level:
    """On hand and reserved of one SKU at one location, with its change counter."""

    on_hand: int = 0
    reserved: int = 0
    version: int = 0

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    def change(self, *, on_hand: int = 0, reserved: int = 0) -> None:
        if self.reserved + reserved < 0 or self.on_hand + on_hand < self.reserved + reserved:
            raise ValueError(
                f"stock would go negative: on hand {self.on_hand}{on_hand:+d}, "
                f"reserved {self.reserved}{reserved:+d}"
            )
        self.on_hand += on_hand
        self.reserved += reserved
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
    def __init__(self, requested: int, available: int) -> None:
        message = f"requested {requested}, only {available} available"
        super().__init__(message, f"only {available} available", available)
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


def check_units(asked: Sequence[str], quantity: int, available: Iterable[str]) -> None:
    """An order naming its units gets them all, or is declined saying which are missing."""
    missing = sorted(set(asked) - set(available))
    if missing:
        raise UnitsUnavailable(f"units not available: {', '.join(missing)}")
    if len(asked) != quantity:
        raise UnitsUnavailable(f"{len(asked)} serials given for a quantity of {quantity}")


def allocate_fifo(lots: list[LotStock], quantity: int) -> list[Take]:
    """Take from the oldest lots first; all or nothing."""
    available = sum(lot.available for lot in lots)
    if quantity > available:
        raise Shortage(quantity, available)
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
