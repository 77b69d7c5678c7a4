"""Inventory's rules: where goods are stored, stock levels, FIFO allocation."""

import pytest

from services.inventory.domain import (
    Level,
    LotStock,
    Shortage,
    Take,
    UnitsUnavailable,
    allocate_fifo,
    check_units,
    sale_sources,
    store_location,
    takes_held,
)
from shared.contracts import Allocation

OLDEST = LotStock("SRG-PAN-2609-0001", "SRG-STORE", 5)
MIDDLE = LotStock("SRG-PAN-2610-0004", "SRG-STORE", 0)
NEWEST = LotStock("SRG-PAN-2611-0002", "CGR-STORE", 10)
LOTS = [OLDEST, MIDDLE, NEWEST]


def test_passed_goods_are_stored_in_their_upts_store() -> None:
    assert store_location("CLG") == "CLG-STORE"
    assert store_location("TGR1") == "TGR1-STORE"


def test_an_order_takes_from_the_oldest_lot_first() -> None:
    assert allocate_fifo(LOTS, 3) == [Take(OLDEST.lot_code, "SRG-STORE", 3)]


def test_an_order_larger_than_the_oldest_lot_spans_lots_skipping_empty_ones() -> None:
    assert allocate_fifo(LOTS, 7) == [
        Take(OLDEST.lot_code, "SRG-STORE", 5),
        Take(NEWEST.lot_code, "CGR-STORE", 2),
    ]


def test_an_order_for_everything_there_is_takes_it_all() -> None:
    assert sum(take.quantity for take in allocate_fifo(LOTS, 15)) == 15


def test_an_order_beyond_stock_takes_nothing_and_says_what_is_there() -> None:
    with pytest.raises(Shortage) as shortage:
        allocate_fifo(LOTS, 16)

    assert (shortage.value.requested, shortage.value.available) == (16, 15)
    assert str(shortage.value) == "requested 16, only 15 available"


def test_a_shortage_says_where_it_looked_by_name_or_by_count() -> None:
    stores = [f"{upt}-STORE" for upt in ("TGR1", "SRG", "CLG", "RKB", "PDG", "CGR")]
    with pytest.raises(Shortage) as at_the_stand:
        allocate_fifo([], 1, ["EXPO-KP3B"])
    with pytest.raises(Shortage) as at_the_stores:
        allocate_fifo([], 1, stores)

    assert at_the_stand.value.reason == "only 0 available at EXPO-KP3B"
    assert at_the_stores.value.reason == "only 0 available at the channel's 6 locations"


def test_an_order_with_no_stock_at_all_is_short_of_everything() -> None:
    with pytest.raises(Shortage) as shortage:
        allocate_fifo([], 1)

    assert shortage.value.available == 0


def test_a_new_level_is_empty() -> None:
    level = Level()

    assert (level.on_hand, level.reserved, level.available, level.version) == (0, 0, 0, 0)


def test_every_change_of_a_level_bumps_its_version() -> None:
    level = Level()

    level.change(on_hand=22)
    level.change(reserved=3)
    level.change(on_hand=-3, reserved=-3)

    assert (level.on_hand, level.reserved, level.available, level.version) == (19, 0, 19, 3)


def test_reserving_reduces_what_is_available_but_not_what_is_on_hand() -> None:
    level = Level(on_hand=22)

    level.change(reserved=3)

    assert (level.on_hand, level.reserved, level.available) == (22, 3, 19)


@pytest.mark.parametrize(
    ("on_hand", "reserved"),
    [
        (-23, 0),  # more goods out than there are
        (0, 23),  # more reserved than on hand
        (0, -4),  # releasing more than was reserved
        (-20, 0),  # taking away goods that are reserved
    ],
)
def test_a_level_refuses_to_go_negative_and_stays_as_it_was(on_hand: int, reserved: int) -> None:
    level = Level(on_hand=22, reserved=0, version=4)
    level.change(reserved=3)

    with pytest.raises(ValueError, match="stock would go negative"):
        level.change(on_hand=on_hand, reserved=reserved)

    assert (level.on_hand, level.reserved, level.version) == (22, 3, 5)


def test_quarantined_goods_are_on_hand_but_not_available() -> None:
    level = Level(on_hand=22)
    level.change(reserved=3)

    level.change(quarantined=10)

    assert (level.on_hand, level.reserved, level.quarantined, level.available) == (22, 3, 10, 9)
    with pytest.raises(ValueError, match="stock would go negative"):
        level.change(quarantined=10)  # only 9 are neither reserved nor quarantined
    with pytest.raises(ValueError, match="stock would go negative"):
        level.change(on_hand=-10)  # quarantined goods stay on hand


HELD_LOT = "CLG-FTW-2611-0042"
UNITS = ["CLG-2611-0042-0001", "CLG-2611-0042-0002", "CLG-2611-0042-0003"]


def test_an_order_given_goods_of_a_held_lot_or_of_held_units_is_touched_by_the_hold() -> None:
    given = [
        Allocation(lot_code="CLG-FTW-2611-0041", location_code="CLG-STORE", quantity=1),
        Allocation(lot_code=HELD_LOT, location_code="CLG-STORE", quantity=1, serials=UNITS[2:]),
    ]

    assert takes_held(given, HELD_LOT)
    assert takes_held(given, HELD_LOT, UNITS[1:])
    assert not takes_held(given, HELD_LOT, UNITS[:2])
    assert not takes_held(given, "CLG-FTW-2611-0043")


def test_naming_held_units_is_declined_saying_they_are_on_hold() -> None:
    with pytest.raises(UnitsUnavailable) as refusal:
        check_units(UNITS[:2], 2, [UNITS[1]], held=[UNITS[0]])

    assert refusal.value.reason == f"units not available: {UNITS[0]} (on hold: {UNITS[0]})"


def test_goods_sold_after_their_release_come_from_quarantine_first() -> None:
    assert sale_sources(5, quarantined=3, free=4) == (3, 2)
    assert sale_sources(2, quarantined=0, free=2) == (0, 2)
    with pytest.raises(ValueError, match="only 3 quarantined and 1 free"):
        sale_sources(5, quarantined=3, free=1)
