"""Building a trace from the read model: pure functions over rows, no I/O."""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from heapq import merge
from typing import Any, Protocol, TypeVar

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


# A step as a row (Step) or as a view of the timeline (step_view: its data merged in): the
# predicates below read either, so a row and the line it becomes are judged alike.
StepLike = Step | Mapping[str, Any]
S = TypeVar("S", bound=StepLike)


def _fields(step: StepLike) -> tuple[str, str, Mapping[str, Any]]:
    """A step's bizStep, disposition and data, from a row or from a view."""
    if isinstance(step, Mapping):
        return step["biz_step"], step["disposition"], step
    return step.biz_step, step.disposition, step.data


def is_sign_off(step: StepLike) -> bool:
    """QC's decision on a lot (batch-signed-off), as opposed to the other `inspecting` steps:
    a hold released after its re-inspection is one too, but decides nothing of what passed."""
    biz_step, _disposition, data = _fields(step)
    return biz_step == "inspecting" and "passed_quantity" in data


def is_close(step: StepLike) -> bool:
    """The close of a hold (hold-closed): a release (inspecting) or a destruction."""
    _biz_step, _disposition, data = _fields(step)
    return "outcome" in data and "hold_id" in data


def is_return(step: StepLike) -> bool:
    """Goods back from their buyer (a receiving step that is no transfer's)."""
    biz_step, _disposition, data = _fields(step)
    return biz_step == "receiving" and "transfer_id" not in data


def is_arrival(step: StepLike) -> bool:
    """Goods of a consignment transfer arrived (received whole or damaged)."""
    biz_step, _disposition, data = _fields(step)
    return biz_step == "receiving" and "transfer_id" in data


def is_release(step: StepLike) -> bool:
    """A hold released after its re-inspection: the goods are sellable again."""
    return is_close(step) and _fields(step)[2]["outcome"] == "released"


def latest_sign_off(steps: Iterable[S]) -> S | None:
    """The sign-off that decides what passed and what was rejected: the lot's last one (in
    time order). A correction (`supersedes`) is the whole new decision, not a difference, so
    earlier sign-offs stay in the timeline but count for nothing."""
    last = None
    for step in steps:
        if is_sign_off(step):
            last = step
    return last


def failed_serials(sign_off: StepLike) -> set[str]:
    """The units one sign-off rejected."""
    defects = _fields(sign_off)[2].get("defects", [])
    return {serial for defect in defects for serial in defect.get("serials", [])}


def rejected_serials(steps: Sequence[Step]) -> set[str]:
    """The units QC rejected, as the latest sign-off of the lot says."""
    sign_off = latest_sign_off(steps)
    return failed_serials(sign_off) if sign_off is not None else set()


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
    if is_sign_off(step):
        if serial is not None:
            rejected = serial in failed_serials(step)
            view["disposition"] = "non_conformant" if rejected else "conformant"
            data["defects"] = [d for d in data.get("defects", []) if serial in d.get("serials", [])]
        view["qc_decision"] = view["disposition"]
    return view | data


def unit_timeline(steps: Sequence[Step], lot: Lot | None, serial: str) -> list[dict[str, Any]]:
    """A unit's steps: its lot's steps plus its own, without stock its rejection kept it out of
    (at first, or by a correction before it was sold)."""
    own = [step for step in steps if step.serial in (None, serial)]
    rejected = unit_state(own, rejects(serial)).where == "rejected"
    return [
        step_view(step, lot, serial)
        for step in own
        if not (rejected and step.biz_step == "storing")
    ]


def lot_timeline(steps: Sequence[Step], lot: Lot | None) -> list[dict[str, Any]]:
    """A lot's steps; the sales of its units as one line per order, with the units sold, and
    the holds (or recalls, releases, destructions) and returns of some of its units as one line
    per hold or return, with the units concerned."""
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
    """What a unit's step belongs to on a lot's line: its return, its order (a sale) or its
    hold (a hold, recall, release or destruction), or its transfer."""
    data = step.data
    return str(
        data.get("return_id")
        or data.get("order_id")
        or data.get("hold_id")
        or data.get("transfer_id")
    )


HELD = {"recalled": "recalled", "non_sellable_other": "on_hold"}  # holding dispositions


def open_hold(steps: Iterable[StepLike]) -> str | None:
    """`recalled` or `on_hold` from the holding steps of a unit (its lot's and its own) or of a
    lot whose holds no close names; None when nothing holds it now. A recall wins over a hold,
    even one placed after it; a close ends a hold and the recall it became (same hold id)."""
    held: list[tuple[str, str]] = []
    closed: set[str] = set()
    for step in steps:
        biz_step, disposition, data = _fields(step)
        if biz_step == "holding":
            held.append((str(data.get("hold_id")), HELD.get(disposition, "on_hold")))
        elif is_close(step):
            closed.add(str(data["hold_id"]))
    holding = {status for hold_id, status in held if hold_id not in closed}
    return "recalled" if "recalled" in holding else "on_hold" if holding else None


def hold_status(steps: Iterable[StepLike]) -> str | None:
    """What the holds say of goods: `recalled` or `on_hold` while a hold is open (open_hold),
    else `destroyed` when a hold was closed by destroying its goods, else None."""
    steps = list(steps)
    held = open_hold(steps)
    if held is not None:
        return held
    destroyed = any(is_close(step) and _fields(step)[2]["outcome"] == "destroyed" for step in steps)
    return "destroyed" if destroyed else None


@dataclass(frozen=True)
class UnitState:
    """Where a unit is after its steps, and what the recall report says of it.

    `where`: unknown, awaiting_qc, passed_qc, in_stock, in_transit, rejected, sold, returned or
    destroyed; `location`: the store, the place it was sent to (in transit or arrived there) or
    the place it came back to (none once sold); `sale` and `back`: its
    last sale and last return; `hold`: an open hold on it (open_hold)."""

    where: str
    location: str | None = None
    sale: Any = None
    back: Any = None
    hold: str | None = None


# Where a unit still is in the UPT's hands (in the workshop or a store): QC's rejection and a
# destruction apply to it there, never to goods with their buyer.
IN_HAND = frozenset({"unknown", "awaiting_qc", "passed_qc", "in_stock", "returned", "in_transit"})


def unit_state(steps: Sequence[StepLike], rejects: Callable[[StepLike], bool]) -> UnitState:
    """A unit's steps (its lot's and its own) in time order, folded into where it is now.

    `rejects` says whether a sign-off rejected this unit. Each sign-off decides anew (the
    latest wins), but only for a unit still in hand: a unit sold before a correction rejected
    it stays sold. A return brings a unit back (quarantined), a release after it puts it back
    in stock (or back to rejected), a destruction ends every unit still in hand.
    """
    where, location, sale, back, rejected = "unknown", None, None, None, False
    for step in steps:
        biz_step, _disposition, data = _fields(step)
        if is_sign_off(step):
            rejected = rejects(step)
            if where in IN_HAND - {"returned"} or where == "rejected":
                where = "rejected" if rejected else _unrejected(where, location)
        elif biz_step == "commissioning" and where == "unknown":
            where = "awaiting_qc"
        elif biz_step == "storing" and where in ("unknown", "awaiting_qc", "passed_qc"):
            where, location = "in_stock", data.get("location_code")
        elif biz_step == "retail_selling":
            where, location, sale = "sold", None, step
        elif biz_step == "shipping" and where in IN_HAND:
            where, location = "in_transit", data.get("to_location")
        elif is_arrival(step) and where == "in_transit":
            where, location = "in_stock", data.get("location_code")
        elif is_return(step):
            where, location, back = "returned", data.get("location_code"), step
        elif is_release(step) and where == "returned":
            where = "rejected" if rejected else "in_stock"
        elif biz_step == "destroying" and where in IN_HAND:
            where = "destroyed"
    return UnitState(where, location, sale, back, open_hold(steps))


def _unrejected(where: str, location: str | None) -> str:
    """Where a unit a sign-off passed is: as it was, or (rejected before) passed, in stock if
    it had been stored."""
    if where != "rejected":
        return "passed_qc" if where in ("unknown", "awaiting_qc") else where
    return "in_stock" if location is not None else "passed_qc"


def rejects(serial: str) -> Callable[[StepLike], bool]:
    """Whether a sign-off (a row, or a lot's view) rejected the unit `serial`."""
    return lambda sign_off: serial in failed_serials(sign_off)


def status_of(state: UnitState) -> str:
    """A unit's status: rejected, destroyed and returned say where it is whatever holds its lot;
    else an open hold or recall before the rest (a sold unit's buyer must hear of it)."""
    if state.where in ("rejected", "destroyed", "returned"):
        return state.where
    return state.hold or state.where


def unit_status(steps: list[dict[str, Any]]) -> str:
    """A unit's status from its timeline (unit_timeline: each sign-off's view says QC's
    decision on this unit)."""
    return status_of(unit_state(steps, lambda view: _decision(view) == "non_conformant"))


def _decision(view: StepLike) -> str:
    return str(_fields(view)[2].get("qc_decision"))


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


def steps_by_unit(steps: Sequence[Step], serials: Iterable[str]) -> dict[str, list[Step]]:
    """Each unit's steps (its lot's and its own) in the lot's order, in one pass over them."""
    shared: list[int] = []
    own: dict[str, list[int]] = {}
    for index, step in enumerate(steps):
        if step.serial is None:
            shared.append(index)
        else:
            own.setdefault(step.serial, []).append(index)
    return {
        serial: [steps[index] for index in merge(shared, own.get(serial, []))] for serial in serials
    }


def unit_states(steps: Sequence[Step], serials: Iterable[str]) -> dict[str, UnitState]:
    """Every unit of a lot and where it is (unit_state), by serial."""
    return {
        serial: unit_state(own, rejects(serial))
        for serial, own in steps_by_unit(steps, serials).items()
    }


def unit_statuses(steps: Sequence[Step], serials: list[str]) -> list[dict[str, Any]]:
    """Every unit of a lot with its status and buyer, as unit_status says."""
    states = unit_states(steps, serials)
    return [
        {
            "serial": serial,
            "status": status_of(state),
            "buyer_ref": state.sale.data["buyer_ref"] if state.sale is not None else None,
        }
        for serial, state in states.items()
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
    head: dict[str, Any] = {"code": found.code, "kind": "unit" if found.serial else "lot"}
    if facts := food_facts(found.steps):
        head["food"] = facts
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


def food_facts(steps: Sequence[StepLike]) -> dict[str, Any] | None:
    """A food lot's dates (WIB) and the permits its latest sign-off passed it under (kind,
    number, issuer, valid until): from its production and QC steps; None for other goods."""
    made = next((_fields(s)[2] for s in steps if _fields(s)[0] == "commissioning"), {})
    sign_off = latest_sign_off(steps)
    checked = _fields(sign_off)[2] if sign_off is not None else {}
    best_before = checked.get("best_before") or made.get("best_before")
    if best_before is None and not checked.get("permits"):
        return None
    return {
        "production_date": made.get("production_date"),
        "best_before": best_before,
        "permits": list(checked.get("permits", [])),
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


# Free text someone typed (why a lot was held, recalled, released or destroyed, why goods came
# back): it may name a person or say what no buyer should read; fixed codes (a defect code, a
# hold's outcome) say what happened. Kept for the administrators' full trace, never public.
FREE_TEXT_FIELDS = ("reason",)
PRIVATE_FIELDS = ("buyer_ref", "order_id", *FREE_TEXT_FIELDS)


def public_view(document: dict[str, Any]) -> dict[str, Any]:
    """The trace as anyone may see it: where and how it was made, checked, stored and sold
    (the channel), without buyer references, order ids, a lot's buyer list or free text."""
    public = {key: value for key, value in document.items() if key != "buyers"}
    public["timeline"] = [_without_private(step) for step in document["timeline"]]
    if "units" in document:
        public["units"] = [_without_private(unit) for unit in document["units"]]
    return public


def _without_private(entry: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in entry.items() if key not in PRIVATE_FIELDS}
