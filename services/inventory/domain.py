"""Inventory rules without I/O: store locations, stock levels, FIFO allocation."""

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
    lot_code: str
    location_code: str
    quantity: int


class Shortage(Exception):
    def __init__(self, requested: int, available: int) -> None:
        super().__init__(f"requested {requested}, only {available} available")
        self.requested = requested
        self.available = available


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
