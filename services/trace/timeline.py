"""Building a trace from the read model: pure functions over rows, no I/O."""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from shared.gs1 import digital_link


class Step(Protocol):
    """A step as read from the database: an ORM row or a plain result row."""

    @property
    def lot_code(self) -> str: ...
    @property
    def serial(self) -> str | None: ...
    @property
    def biz_step(self) -> str: ...
    @property
    def disposition(self) -> str: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def data(self) -> dict[str, Any]: ...


class Lot(Protocol):
    @property
    def upt_code(self) -> str: ...
    @property
    def upt_name(self) -> str: ...
    @property
    def workshop_code(self) -> str: ...
    @property
    def workshop_name(self) -> str: ...


def rejected_serials(steps: Sequence[Step]) -> set[str]:
    return {
        serial
        for step in steps
        if step.biz_step == "inspecting"
        for defect in step.data.get("defects", [])
        for serial in defect.get("serials", [])
    }


def step_view(step: Step, lot: Lot | None, serial: str | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "biz_step": step.biz_step,
        "disposition": step.disposition,
        "occurred_at": step.occurred_at.isoformat(),
        "lot_code": step.lot_code,
    }
    if lot is not None:
        view |= {
            "upt_code": lot.upt_code,
            "upt_name": lot.upt_name,
            "workshop_code": lot.workshop_code,
            "workshop_name": lot.workshop_name,
        }
    data = dict(step.data)
    if step.biz_step == "inspecting":
        if serial is not None:
            rejected = serial in rejected_serials([step])
            view["disposition"] = "non_conformant" if rejected else "conformant"
            data["defects"] = [d for d in data.get("defects", []) if serial in d.get("serials", [])]
        view["qc_decision"] = view["disposition"]
    return view | data


def unit_timeline(steps: Sequence[Step], lot: Lot | None, serial: str) -> list[dict[str, Any]]:
    """A unit's steps: its lot's steps plus its own, without stock its rejection kept it out of."""
    rejected = serial in rejected_serials(steps)
    return [
        step_view(step, lot, serial)
        for step in steps
        if step.serial in (None, serial) and not (rejected and step.biz_step == "storing")
    ]


def lot_timeline(steps: Sequence[Step], lot: Lot | None) -> list[dict[str, Any]]:
    """A lot's steps; the sales of its units as one line per order, with the units sold, and
    the holds (or recalls) of some of its units as one line per hold, with the units held."""
    timeline: list[dict[str, Any]] = []
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for step in steps:
        if step.serial is None:
            timeline.append(step_view(step, lot))
            continue
        key = (step.biz_step, step.disposition, _group_of(step))
        if key not in groups:
            groups[key] = step_view(step, lot) | {"quantity": 0, "serials": []}
            timeline.append(groups[key])
        groups[key]["quantity"] += 1
        groups[key]["serials"].append(step.serial)
    return timeline


def _group_of(step: Step) -> str:
    """What a unit's step belongs to on a lot's line: its order (a sale) or its hold."""
    return str(step.data.get("order_id") or step.data.get("hold_id"))


HELD = {"recalled": "recalled", "non_sellable_other": "on_hold"}  # holding dispositions


def hold_status(dispositions: Iterable[str]) -> str | None:
    """`recalled` or `on_hold` from the dispositions of the holding steps of a unit (its
    lot's and its own), None when it was never held; a recall wins over a hold."""
    held = {HELD.get(disposition, "on_hold") for disposition in dispositions}
    return "recalled" if "recalled" in held else "on_hold" if held else None


def unit_status(steps: list[dict[str, Any]]) -> str:
    """A unit's status from its timeline: a hold or a recall before the rest, except for a
    unit QC rejected (it never left the workshop)."""
    last = {step["biz_step"]: step for step in steps}
    rejected = "inspecting" in last and last["inspecting"]["disposition"] == "non_conformant"
    held = hold_status(step["disposition"] for step in steps if step["biz_step"] == "holding")
    if held is not None and not rejected:
        return held
    if "retail_selling" in last:
        return "sold"
    if rejected:
        return "rejected"
    if "storing" in last:
        return "in_stock"
    if "inspecting" in last:
        return "passed_qc"
    return "awaiting_qc" if "commissioning" in last else "unknown"


def buyers(steps: Sequence[Step]) -> list[dict[str, Any]]:
    """Who bought from the lot (opaque references): the recall list."""
    by_order: dict[str, dict[str, Any]] = {}
    for step in steps:
        if step.biz_step != "retail_selling":
            continue
        data = step.data
        entry = by_order.setdefault(
            str(data["order_id"]),
            {
                "buyer_ref": data["buyer_ref"],
                "channel_code": data["channel_code"],
                "order_id": data["order_id"],
                "sold_at": step.occurred_at.isoformat(),
                "quantity": 0,
                "serials": [],
            },
        )
        entry["quantity"] += data["quantity"]
        if step.serial:
            entry["serials"].append(step.serial)
    return list(by_order.values())


def unit_statuses(steps: Sequence[Step], serials: list[str]) -> list[dict[str, Any]]:
    """Every unit of a lot with its status and buyer, in one pass over the lot's steps."""
    rejected = rejected_serials(steps)
    sold = {
        step.serial: step.data["buyer_ref"]
        for step in steps
        if step.biz_step == "retail_selling" and step.serial
    }
    lot_holds: list[str] = []
    unit_holds: dict[str, list[str]] = {}
    for step in steps:
        if step.biz_step == "holding":
            held = lot_holds if step.serial is None else unit_holds.setdefault(step.serial, [])
            held.append(step.disposition)
    reached = {step.biz_step for step in steps if step.serial is None}
    lot_status = (
        "in_stock"
        if "storing" in reached
        else "passed_qc"
        if "inspecting" in reached
        else "awaiting_qc"
    )

    def status(serial: str) -> str:  # as unit_status says
        held = hold_status([*lot_holds, *unit_holds.get(serial, ())])
        if held is not None and serial not in rejected:
            return held
        return "sold" if serial in sold else "rejected" if serial in rejected else lot_status

    return [
        {"serial": serial, "status": status(serial), "buyer_ref": sold.get(serial)}
        for serial in serials
    ]


class Lookup(Protocol):
    """What the read model holds on a code (services/trace/db.py:Found)."""

    @property
    def code(self) -> str: ...
    @property
    def lot_code(self) -> str: ...
    @property
    def lot(self) -> Any: ...
    @property
    def steps(self) -> Sequence[Step]: ...
    @property
    def serial(self) -> str | None: ...
    @property
    def serials(self) -> list[str]: ...


def trace_document(found: Lookup, base_url: str) -> dict[str, Any]:
    """The public trace of a unit, or the recall view of a lot."""
    lot = found.lot
    head = {"code": found.code, "kind": "unit" if found.serial else "lot"}
    if found.serial is not None:
        timeline = unit_timeline(found.steps, lot, found.serial)
        return head | {
            "serial": found.serial,
            "lot_code": found.lot_code,
            "status": unit_status(timeline),
            "product": product(lot),
            "digital_link": digital_link(base_url, lot.gtin, found.lot_code, found.serial)
            if lot
            else None,
            "timeline": timeline,
        }
    return head | {
        "lot_code": found.lot_code,
        "product": product(lot),
        "digital_link": digital_link(base_url, lot.gtin, found.lot_code) if lot else None,
        "timeline": lot_timeline(found.steps, lot),
        "units": unit_statuses(found.steps, found.serials),
        "buyers": buyers(found.steps),
    }


PRODUCT_FIELDS = (
    "gtin",
    "tracking",
    "quantity",
    "unit_of_measure",
    "upt_code",
    "upt_name",
    "workshop_code",
    "workshop_name",
)


def product(lot: Any) -> dict[str, Any] | None:
    """The product of a lot row; None while steps arrived before its production event."""
    if lot is None:
        return None
    named = {name: getattr(lot, name) for name in PRODUCT_FIELDS}
    return {"sku": lot.sku, "name": lot.product_name, **named}


PRIVATE_FIELDS = ("buyer_ref", "order_id")


def public_view(document: dict[str, Any]) -> dict[str, Any]:
    """The trace as anyone may see it: where and how it was made, checked, stored and sold
    (the channel), without buyer references, order ids or a lot's buyer list."""
    public = {key: value for key, value in document.items() if key != "buyers"}
    public["timeline"] = [_without_private(step) for step in document["timeline"]]
    if "units" in document:
        public["units"] = [_without_private(unit) for unit in document["units"]]
    return public


def _without_private(entry: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in entry.items() if key not in PRIVATE_FIELDS}
