"""What must hold of inventory's tables after any events, whatever they were."""

from collections import Counter
from typing import Any

from sqlalchemy import func, select

from services.inventory import db
from tests.handlers.harness import Service

Counts = tuple[int, int, int]  # (on hand, reserved, quarantined)
ON_THE_SHELF = ("available", "reserved", "quarantined")


async def assert_stock_adds_up(inventory: Service) -> None:
    """For every (sku, location): the level is the sum of its ledger lines and of its lots
    (on hand, reserved, quarantined); for every unit-tracked lot at a location, those counts
    are its units on the shelf, reserved and quarantined."""
    levels = await _levels(inventory)
    ledger = await _sums(
        inventory,
        db.LedgerRow.sku,
        db.LedgerRow.location_code,
        db.LedgerRow.on_hand_delta,
        db.LedgerRow.reserved_delta,
        db.LedgerRow.quarantined_delta,
    )
    lots = await _sums(
        inventory,
        db.LotRow.sku,
        db.LotRow.location_code,
        db.LotRow.on_hand,
        db.LotRow.reserved,
        db.LotRow.quarantined,
    )
    for key in levels.keys() | ledger.keys() | lots.keys():
        level = levels.get(key)
        assert ledger.get(key, (0, 0, 0)) == level, f"ledger of {key} != its level"
        assert lots.get(key, (0, 0, 0)) == level, f"lots of {key} != its level"
    assert await _unit_counts(inventory) == await _unit_tracked_lots(inventory)


async def _levels(inventory: Service) -> dict[tuple[str, str], Counts]:
    rows = await inventory.rows(db.LevelRow)
    return {(r.sku, r.location_code): (r.on_hand, r.reserved, r.quarantined) for r in rows}


async def _sums(inventory: Service, *columns: Any) -> dict[tuple[str, str], Counts]:
    """Sums of `columns` (sku, location, then on hand, reserved and quarantined) per key."""
    sku, location, *counted = columns
    async with inventory.session() as session:
        rows = await session.execute(
            select(sku, location, *(func.sum(column) for column in counted)).group_by(sku, location)
        )
        return {(row[0], row[1]): (row[2], row[3], row[4]) for row in rows}


async def _unit_counts(inventory: Service) -> dict[tuple[str, str], Counts]:
    counts: dict[tuple[str, str], Counter[str]] = {}
    for unit in await inventory.rows(db.UnitRow):
        counts.setdefault((unit.lot_code, unit.location_code), Counter())[unit.status] += 1
    return {
        key: (sum(c[s] for s in ON_THE_SHELF), c["reserved"], c["quarantined"])
        for key, c in counts.items()
        if any(c[s] for s in ON_THE_SHELF)
    }


async def _unit_tracked_lots(inventory: Service) -> dict[tuple[str, str], Counts]:
    lots = await inventory.rows(db.LotRow, db.LotRow.tracking == "unit")
    return {
        (lot.lot_code, lot.location_code): (lot.on_hand, lot.reserved, lot.quarantined)
        for lot in lots
        if lot.on_hand or lot.reserved or lot.quarantined
    }
