"""The reconciliation: the services' own databases and the streams against what the load was
answered (the `Book`). Read with plain SQL, as an operator would: every database of the run
holds the run's data only.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from jejak.chaos.load import Book
from jejak.chaos.rig import Rig
from jejak.streams import dead_letters


@dataclass(frozen=True)
class Check:
    name: str
    expected: str
    found: str
    ok: bool


def _id(value: Any) -> str:
    """A UUID as PostgreSQL (uuid) or SQLite (32 hex digits) gives it back, in one form."""
    return str(uuid.UUID(str(value)))


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


async def _rows(rig: Rig, service: str, query: str) -> list[dict[str, Any]]:
    engine = rig.databases.engine(service)
    try:
        async with engine.connect() as conn:
            result = await conn.execute(text(query))
            return [dict(row._mapping) for row in result]
    finally:
        await engine.dispose()


def _check(name: str, expected: Any, found: Any, ok: bool | None = None) -> Check:
    return Check(name, str(expected), str(found), expected == found if ok is None else ok)


async def reconcile(rig: Rig, book: Book) -> list[Check]:
    checks: list[Check] = []
    checks += await _production_and_quality(rig, book)
    checks += await _inventory(rig, book)
    checks += await _sales(rig, book)
    checks += await _trace(rig, book)
    checks += _streams(rig)
    return checks


async def _production_and_quality(rig: Rig, book: Book) -> list[Check]:
    batches = await _rows(rig, "production", "SELECT batch_id, status, quantity FROM batches")
    made = {b.batch_id: b for b in book.batches if b.lot_code is not None}
    completed = sum(
        1
        for row in batches
        if row["status"] == "completed"
        and (b := made.get(_id(row["batch_id"]))) is not None
        and row["quantity"] == b.quantity
    )
    inspections = await _rows(
        rig, "quality", "SELECT batch_id, status, passed_quantity FROM inspections"
    )
    signed = {b.batch_id: b for b in book.batches if b.signed_off}
    as_signed = sum(
        1
        for row in inspections
        if row["status"] == "signed_off"
        and (b := signed.get(_id(row["batch_id"]))) is not None
        and row["passed_quantity"] == b.passed
    )
    return [
        _check("production: batches completed as answered", len(made), completed),
        _check("quality: every completed batch inspected", len(made), len(inspections)),
        _check("quality: sign-offs recorded as made", len(signed), as_signed),
    ]


async def _inventory(rig: Rig, book: Book) -> list[Check]:
    ledger = await _rows(
        rig,
        "inventory",
        "SELECT sku, location_code, lot_code, on_hand_delta, reserved_delta, "
        "quarantined_delta, reason, order_id FROM stock_ledger",
    )
    levels = await _rows(
        rig, "inventory", "SELECT sku, location_code, on_hand, reserved, quarantined "
        "FROM stock_levels",
    )  # fmt: skip
    lots = await _rows(
        rig, "inventory", "SELECT lot_code, location_code, on_hand, reserved, quarantined "
        "FROM stock_lots",
    )  # fmt: skip
    reservations = await _rows(
        rig, "inventory", "SELECT order_id, sku, quantity, status FROM reservations"
    )
    units = await _rows(
        rig, "inventory", "SELECT serial, lot_code, status, order_id FROM stock_units"
    )
    checks: list[Check] = []

    # Every passed lot received once, with what passed.
    signed = [b for b in book.batches if b.signed_off]
    received: dict[str, list[int]] = defaultdict(list)
    for row in ledger:
        if row["reason"] == "received":
            received[row["lot_code"]].append(int(row["on_hand_delta"]))
    once = sum(1 for b in signed if received.get(b.lot_code or "") == [b.passed])
    strangers = len(set(received) - {b.lot_code for b in signed})
    checks.append(
        _check(
            "inventory: passed lots received exactly once",
            f"{len(signed)} lots",
            f"{once} lots" + (f", {strangers} unknown lots" if strangers else ""),
            once == len(signed) and strangers == 0,
        )
    )
    passed_units = {s for b in signed for s in b.passed_serials}
    unit_serials = {str(row["serial"]) for row in units}
    checks.append(_check("inventory: passed units received", len(passed_units), len(unit_serials)))

    # Confirmed orders reserved once and sold once; declined ones never reserved.
    by_order: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in ledger:
        if row["order_id"] is not None:
            by_order[_id(row["order_id"])].append(row)
    reserved_rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in reservations:
        reserved_rows[_id(row["order_id"])].append(row)
    completed = [o for o in book.orders if o.status == "completed"]
    exact = 0
    for order in completed:
        rows = reserved_rows.get(order.order_id, [])
        lines = by_order.get(order.order_id, [])
        reserved = [r for r in lines if r["reason"] == "reserved"]
        sold = [r for r in lines if r["reason"] == "sold"]
        allocated = sum(int(a["quantity"]) for a in order.allocations)
        if (
            len(rows) == 1
            and rows[0]["quantity"] == order.quantity
            and rows[0]["status"] == "sold"
            and allocated == order.quantity
            and len(reserved) == len(order.allocations)
            and sum(r["reserved_delta"] for r in reserved) == order.quantity
            and sum(r["on_hand_delta"] for r in reserved) == 0
            and len(sold) == len(order.allocations)
            and sum(r["on_hand_delta"] for r in sold) == -order.quantity
            and sum(r["reserved_delta"] for r in sold) == -order.quantity
            and len(lines) == len(reserved) + len(sold)
        ):
            exact += 1
    checks.append(
        _check("inventory: confirmed orders reserved once, sold once", len(completed), exact)
    )
    declined = [o for o in book.orders if o.status == "declined"]
    clean = sum(
        1
        for o in declined
        if [r["status"] for r in reserved_rows.get(o.order_id, [])] == ["declined"]
        and not by_order.get(o.order_id)
    )
    checks.append(_check("inventory: declined orders reserved nothing", len(declined), clean))
    known = {o.order_id for o in book.orders if o.status in ("completed", "declined")}
    checks.append(
        _check("inventory: reservations of unknown orders", 0, len(set(reserved_rows) - known))
    )

    # Stock: what passed less what sold, per SKU; levels and lots equal their ledger sums.
    expected_on_hand: Counter[str] = Counter()
    for b in signed:
        expected_on_hand[b.line.sku] += b.passed
    for o in completed:
        expected_on_hand[o.sku] -= o.quantity
    on_hand: Counter[str] = Counter()
    for level in levels:
        on_hand[level["sku"]] += int(level["on_hand"])
    skus = set(expected_on_hand) | set(on_hand)
    right = sum(1 for sku in skus if on_hand[sku] == expected_on_hand[sku])
    checks.append(
        _check("inventory: on hand per SKU = passed - sold", f"{len(skus)} SKUs", f"{right} SKUs")
    )
    checks.append(
        _check("inventory: nothing left reserved", 0, sum(int(lv["reserved"]) for lv in levels))
    )
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    lot_sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in ledger:
        deltas = (row["on_hand_delta"], row["reserved_delta"], row["quarantined_delta"] or 0)
        for key, table in (
            ((row["sku"], row["location_code"]), sums),
            ((row["lot_code"], row["location_code"]), lot_sums),
        ):
            for i, delta in enumerate(deltas):
                table[key][i] += int(delta)
    equal = sum(
        1
        for lv in levels
        if sums.get((lv["sku"], lv["location_code"]))
        == [lv["on_hand"], lv["reserved"], lv["quarantined"] or 0]
    )
    checks.append(
        _check(
            "inventory: stock levels = ledger sums",
            f"{len(sums)} levels",
            f"{equal} of {len(levels)} levels",
            equal == len(levels) == len(sums),
        )
    )
    lots_equal = sum(
        1
        for lot in lots
        if lot_sums.get((lot["lot_code"], lot["location_code"]))
        == [lot["on_hand"], lot["reserved"], lot["quarantined"] or 0]
    )
    checks.append(
        _check(
            "inventory: lot stock = ledger sums",
            f"{len(lot_sums)} lots",
            f"{lots_equal} of {len(lots)} lots",
            lots_equal == len(lots) == len(lot_sums),
        )
    )
    sold_units = {
        s: o.order_id for o in completed for a in o.allocations for s in a.get("serials") or []
    }
    units_sold = sum(
        1
        for row in units
        if row["status"] == "sold"
        and row["order_id"] is not None
        and sold_units.get(str(row["serial"])) == _id(row["order_id"])
    )
    all_sold = sum(1 for row in units if row["status"] == "sold")
    checks.append(
        _check(
            "inventory: sold units marked sold to their order",
            len(sold_units),
            f"{units_sold} (of {all_sold} sold)",
            units_sold == all_sold == len(sold_units),
        )
    )
    return checks


async def _sales(rig: Rig, book: Book) -> list[Check]:
    orders = await _rows(rig, "sales", "SELECT order_id, status, quantity FROM orders")
    catalogue = await _rows(rig, "sales", "SELECT sku, location_code, available FROM catalogue")
    levels = await _rows(
        rig, "inventory", "SELECT sku, location_code, on_hand, reserved, quarantined "
        "FROM stock_levels",
    )  # fmt: skip
    status = {_id(row["order_id"]): row["status"] for row in orders}
    wanted = {"completed": "completed", "declined": "rejected"}
    answered = [o for o in book.orders if o.status in wanted]
    same = sum(1 for o in answered if status.get(o.order_id) == wanted[o.status])
    placed_elsewhere = len(set(status) - {o.order_id for o in answered})
    available = {
        (lv["sku"], lv["location_code"]): lv["on_hand"] - lv["reserved"] - (lv["quarantined"] or 0)
        for lv in levels
    }
    listed = {(row["sku"], row["location_code"]): row["available"] for row in catalogue}
    return [
        _check(
            "sales: orders as the channels were answered",
            f"{len(answered)} orders",
            f"{same} orders" + (f", {placed_elsewhere} unknown" if placed_elsewhere else ""),
            same == len(answered) and placed_elsewhere == 0,
        ),
        _check(
            "sales: catalogue = inventory's available stock",
            f"{len(available)} levels",
            f"{sum(1 for k, v in available.items() if listed.get(k) == v)} equal",
            listed == available,
        ),
    ]


async def _trace(rig: Rig, book: Book) -> list[Check]:
    steps = await _rows(rig, "trace", "SELECT lot_code, serial, biz_step, data FROM steps")
    per_lot: dict[str, Counter[str]] = defaultdict(Counter)
    stored: dict[str, int] = defaultdict(int)
    selling: Counter[tuple[str, str, str | None, str]] = Counter()
    sold_traced: Counter[str] = Counter()
    for step in steps:
        per_lot[step["lot_code"]][step["biz_step"]] += 1
        data = _json(step["data"]) or {}
        if step["biz_step"] == "storing":
            stored[step["lot_code"]] += int(data.get("quantity", 0))
        if step["biz_step"] == "retail_selling":
            order_id = str(data.get("order_id"))
            location = str(data.get("location_code"))
            selling[(order_id, step["lot_code"], step["serial"], location)] += 1
            sold_traced[order_id] += 1 if step["serial"] else int(data.get("quantity", 0))
    signed = [b for b in book.batches if b.signed_off]
    whole = {"commissioning": 1, "inspecting": 1, "storing": 1}
    complete = sum(
        1
        for b in signed
        if {k: v for k, v in per_lot.get(b.lot_code or "", {}).items() if k in whole} == whole
        and stored.get(b.lot_code or "") == b.passed
    )
    completed = [o for o in book.orders if o.status == "completed"]
    expected_sold = sum(o.quantity for o in completed)
    traced = sum(sold_traced.get(o.order_id, 0) for o in completed)
    twice = sum(1 for n in selling.values() if n > 1)
    other = set(sold_traced) - {o.order_id for o in completed}
    return [
        _check(
            "trace: lots with commissioning, inspecting, storing once",
            f"{len(signed)} lots",
            f"{complete} lots",
            complete == len(signed),
        ),
        _check(
            "trace: sold units with retail_selling once",
            f"{expected_sold} units",
            f"{traced} units, {twice} twice" + (f", {len(other)} unknown orders" if other else ""),
            traced == expected_sold and twice == 0 and not other,
        ),
    ]


def _streams(rig: Rig) -> list[Check]:
    groups = rig.groups()
    letters = dead_letters(rig.admin_url, rig.namespace)
    reasons = Counter(f"{d.source_group.split('.')[-1]}:{d.reason}" for d in letters)
    return [
        _check("streams: entries pending in any group", 0, sum(g.pending for g in groups)),
        _check(
            "streams: entries unread by any group",
            0,
            sum(g.lag if g.lag is not None else 1 for g in groups),
        ),
        _check(
            "streams: dead letters",
            0,
            len(letters) if not letters else f"{len(letters)} {dict(reasons)}",
            not letters,
        ),
    ]
