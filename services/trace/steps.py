"""Events as EPCIS-style steps of the read model: one constructor per event, no I/O.

A reservation released is no step (nothing happened to the goods a buyer should read of): its
constructor gives rows of the releases table, which the recall report reads."""

from typing import Any

from shared.contracts import (
    BatchCompleted,
    BatchSignedOff,
    Event,
    GoodsReceived,
    GoodsReturned,
    GoodsShipped,
    HoldClosed,
    LotHeld,
    LotRecalled,
    ReservationReleased,
    SaleCompleted,
    StockChanged,
)

Step = dict[str, Any]  # a row of the steps table


def _step(
    event: Event,
    lot_code: str,
    biz_step: str,
    disposition: str,
    data: dict[str, Any],
    serial: str | None = None,
) -> Step:
    return {
        "lot_code": lot_code,
        "serial": serial,
        "biz_step": biz_step,
        "disposition": disposition,
        "occurred_at": event.occurred_at,
        "recorded_at": event.recorded_at,
        "event_id": event.event_id,
        "data": data,
    }


def commissioning(batch: BatchCompleted) -> Step:
    where = batch.model_dump(
        include={"upt_code", "upt_name", "workshop_code", "workshop_name", "quantity"}
    )
    dates = batch.model_dump(mode="json", include={"production_date", "best_before"})
    where |= {name: day for name, day in dates.items() if day is not None}  # food only
    return _step(batch, batch.lot_code, "commissioning", "active", where)


def inspecting(sign_off: BatchSignedOff) -> Step:
    """QC's decision; a correction names the sign-off it supersedes (both stay steps, the
    latest decides: timeline.latest_sign_off)."""
    disposition = "conformant" if sign_off.passed_quantity > 0 else "non_conformant"
    outcome = sign_off.model_dump(include={"passed_quantity", "rejected_quantity", "defects"})
    outcome["inspection_id"] = str(sign_off.inspection_id)
    if sign_off.supersedes is not None:
        outcome["supersedes"] = str(sign_off.supersedes)
    if sign_off.best_before is not None:  # food: its date and the permits it passed under
        outcome["best_before"] = sign_off.best_before.isoformat()
    if sign_off.permits:
        outcome["permits"] = [permit.model_dump(mode="json") for permit in sign_off.permits]
    return _step(sign_off, sign_off.lot_code, "inspecting", disposition, outcome)


def storing(change: StockChanged) -> list[Step]:
    """Goods of a lot received into a store; other stock changes are not steps of a lot, nor
    are goods received on a transfer (their goods-received is the step: `receiving`)."""
    if change.reason != "received" or change.lot_code is None or change.transfer_id is not None:
        return []
    data = {"location_code": change.location_code, "quantity": change.delta}
    return [_step(change, change.lot_code, "storing", "sellable_not_accessible", data)]


def selling(sale: SaleCompleted) -> list[Step]:
    """One step per unit sold (per lot and location for goods traced per lot)."""
    steps = []
    for allocation in sale.allocations:
        data = {
            "channel_code": sale.channel_code,
            "buyer_ref": sale.buyer_ref,
            "order_id": str(sale.order_id),
            "location_code": allocation.location_code,
            "quantity": allocation.quantity,
        }
        lot = allocation.lot_code
        if allocation.serials:
            steps += [
                _step(sale, lot, "retail_selling", "retail_sold", data | {"quantity": 1}, serial)
                for serial in allocation.serials
            ]
        else:
            steps.append(_step(sale, lot, "retail_selling", "retail_sold", data))
    return steps


def holding(held: LotHeld) -> list[Step]:
    """A hold: one step for the whole lot, or one per unit held (a unit's trace shows only
    its own holds)."""
    data: dict[str, Any] = {"hold_id": str(held.hold_id), "reason": held.reason}
    if held.defect_code is not None:
        data["defect_code"] = held.defect_code
    return _held_units(held, "non_sellable_other", data)


def recalling(recall: LotRecalled) -> list[Step]:
    """A recall of a hold's units: like the hold, one step for the lot or one per unit."""
    data = {"hold_id": str(recall.hold_id), "reason": recall.reason}
    return _held_units(recall, "recalled", data)


# A hold's close as a step: released goods were re-inspected (an inspecting step, but no
# sign-off: it carries no counts), destroyed goods are gone.
CLOSES = {
    "released": ("inspecting", "sellable_accessible"),
    "destroyed": ("destroying", "destroyed"),
}


def closing(closed: HoldClosed) -> list[Step]:
    """A hold closed: like the hold, one step for the lot or one per unit it held."""
    data = {"hold_id": str(closed.hold_id), "outcome": closed.outcome, "reason": closed.reason}
    biz_step, disposition = CLOSES[closed.outcome]
    return _held_units(closed, disposition, data, biz_step)


def returning(returned: GoodsReturned) -> list[Step]:
    """Goods back from their buyer: one step per unit (per lot allocation for goods traced per
    lot), where they came back. The buyer stays with sales; the order id goes in the data, as
    a sale's does (the public view leaves it out)."""
    steps = []
    for allocation in returned.allocations:
        data = {
            "return_id": str(returned.return_id),
            "order_id": str(returned.order_id),
            "channel_code": returned.channel_code,
            "location_code": returned.location_code,
            "quantity": allocation.quantity,
            "reason": returned.reason,
        }
        lot = allocation.lot_code
        if allocation.serials:
            steps += [
                _step(returned, lot, "receiving", "returned", data | {"quantity": 1}, serial)
                for serial in allocation.serials
            ]
        else:
            steps.append(_step(returned, lot, "receiving", "returned", data))
    return steps


def shipping(shipped: GoodsShipped) -> list[Step]:
    """Goods sent on a transfer, in transit: one step per unit (per lot for goods traced per
    lot), read where they left."""
    data = {
        "transfer_id": str(shipped.transfer_id),
        "from_location": shipped.from_location,
        "to_location": shipped.to_location,
        "location_code": shipped.from_location,
        "quantity": shipped.quantity,
    }
    return _per_unit(shipped, shipped.lot_code, "shipping", "in_transit", data, shipped.serials)


def receiving(received: GoodsReceived) -> list[Step]:
    """A transfer's goods arrived: sellable_accessible for what arrived whole, damaged for what
    arrived damaged (quarantined there), read where they arrived. Goods that never arrived get
    no step: their last is the shipping, in transit; the transfer's counts go in the data."""
    data = {
        "transfer_id": str(received.transfer_id),
        "from_location": received.from_location,
        "to_location": received.to_location,
        "location_code": received.to_location,
        "short_quantity": received.short_quantity,
    }
    lot = received.lot_code
    whole = data | {"quantity": received.received_quantity}
    broken = data | {"quantity": received.damaged_quantity}
    steps = []
    if received.received_quantity:
        steps += _per_unit(
            received, lot, "receiving", "sellable_accessible", whole, received.received_serials
        )
    if received.damaged_quantity:
        steps += _per_unit(received, lot, "receiving", "damaged", broken, received.damaged_serials)
    return steps


def _per_unit(
    event: Event,
    lot_code: str,
    biz_step: str,
    disposition: str,
    data: dict[str, Any],
    serials: list[str],
) -> list[Step]:
    """One step per unit named (each of quantity 1), or one for the lot when none are."""
    if not serials:
        return [_step(event, lot_code, biz_step, disposition, data)]
    one = data | {"quantity": 1}
    return [_step(event, lot_code, biz_step, disposition, one, serial) for serial in serials]


def releases(released: ReservationReleased) -> list[dict[str, Any]]:
    """Rows of the releases table: what an order had been given and gave back, per unit (per
    lot and location for goods traced per lot)."""
    rows = []
    for allocation in released.allocations:
        row = {
            "event_id": released.event_id,
            "order_id": released.order_id,
            "lot_code": allocation.lot_code,
            "serial": None,
            "location_code": allocation.location_code,
            "quantity": allocation.quantity,
            "reason": released.reason,
            "released_at": released.occurred_at,
        }
        if allocation.serials:
            rows += [row | {"serial": serial, "quantity": 1} for serial in allocation.serials]
        else:
            rows.append(row)
    return rows


def _held_units(
    event: LotHeld | LotRecalled | HoldClosed,
    disposition: str,
    data: dict[str, Any],
    biz_step: str = "holding",
) -> list[Step]:
    lot = event.lot_code
    if not event.serials:
        return [_step(event, lot, biz_step, disposition, data)]
    return [_step(event, lot, biz_step, disposition, data, serial) for serial in event.serials]
