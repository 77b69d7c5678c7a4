"""Trace's steps as GS1 EPCIS 2.0 ObjectEvents (JSON-LD): pure functions over rows, no I/O.

One step row gives one event, a QC sign-off two; `eventID` is a UUID v5 named by the source
event's id and the event's part, so every export gives an event the same id.

- commissioning: ADD, active, at the workshop.
- inspecting: OBSERVE, conformant for what passed and non_conformant for what was rejected (two
  events when both happened; the defect codes go with the rejected goods), at the workshop.
- storing: OBSERVE, sellable_not_accessible (as trace records it), at the UPT's store.
- retail_selling: OBSERVE (the goods still exist; DELETE is for decommissioning or destroying
  them), retail_sold, read at the store they were taken from; no bizLocation after a sale.
- holding: OBSERVE, non_sellable_other for a hold and recalled for a recall, of the units held
  (all the lot's units for a whole-lot hold, or the lot's quantity for goods traced per lot),
  read at the workshop as QC's steps are (Quality holds a lot wherever its goods are); the hold's
  id and defect code go in extension fields (its reason, free text, stays out: see below).
- a hold closed, of the hold's units as the hold: released, an inspecting OBSERVE with
  sellable_accessible (a re-inspection released the goods: no sign-off, so one event, no split);
  destroyed, destroying DELETE with destroyed, no bizLocation (the goods are no more). The hold's
  id and the outcome go in extension fields.
- a correction of a sign-off is a sign-off like the first (both are exported), naming the one it
  supersedes (`jejak:supersedes`, an inspection id as `jejak:inspectionID` gives every sign-off).
- receiving: OBSERVE, returned, of the units (or the lot's quantity) back from their buyer, at
  the place they came back to; the channel and the return's id in extension fields.
- shipping (a consignment transfer): OBSERVE, in_transit, read at the source, no bizLocation
  (the goods are between places); sourceList and destinationList name the two locations
  (type `location`), the transfer's id an extension field.
- receiving on a transfer: OBSERVE, sellable_accessible for what arrived whole and damaged
  for what arrived damaged (quarantined there), read at and located in the destination;
  sourceList and destinationList as for the shipping. Goods that never arrived get no event.

Goods traced per unit are listed by their Digital Links (`epcList`, instance level: GTIN and
serial, `<base>/01/<gtin>/21/<serial>`, as EPCIS names a unit), goods
traced per lot by the lot's Digital Link and a quantity (`quantityList`, class level; `uom`
only where UN/CEFACT has a code). Places are Jejak's own URIs, `<base>/locations/<code>` (a
workshop such as CLG-SPT or a store such as CLG-STORE): UPTs have no GLNs.

Buyer references, order ids and free text (the reasons people typed for a hold, its close or a
return) never leave trace in EPCIS; defect codes, the sales channel and holds go in extension
fields of Jejak's namespace (`jejak:`, declared in the `@context`).
"""

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import quote
from uuid import UUID, uuid5

from services.trace import timeline
from services.trace.timeline import is_sign_off, rejected_serials
from shared.gs1 import digital_link
from shared.timezones import WIB, WIB_OFFSET

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
SCHEMA_VERSION = "2.0"
QUERY_NAME = "SimpleEventQuery"
# Commissioning makes goods, destroying ends them; every other step observes goods that exist.
ACTIONS = {"commissioning": "ADD", "destroying": "DELETE"}
# Steps whose goods are at no location afterwards: sold goods leave with their buyer, destroyed
# goods are gone.
# Shipped goods are in transit: no place until they are received.
NOWHERE_AFTER = frozenset({"retail_selling", "destroying", "shipping"})
# UN/CEFACT Rec. 20 codes of the units of measure Jejak uses; counted goods (pair, piece,
# pouch) have none: a quantity without `uom` counts instances.
UOM = {"kg": "KGM", "g": "GRM", "m2": "MTK", "m": "MTR", "l": "LTR"}
# The data of a step and the extension fields they go in: of a hold (holding, or its close),
# of a return, of a sign-off. Never the free text of a hold's or a return's reason
# (timeline.FREE_TEXT_FIELDS): the export is public; the defect code and outcome say what
# happened.
HOLD_FIELDS = {"hold_id": "holdID", "outcome": "outcome", "defect_code": "defectCode"}
RETURN_FIELDS = {"channel_code": "channel", "return_id": "returnID"}
SIGN_OFF_FIELDS = {"inspection_id": "inspectionID", "supersedes": "supersedes"}
TRANSFER_FIELDS = {"transfer_id": "transferID"}


class Step(timeline.Step, Protocol):
    """A row of trace's steps table, with what an EPCIS event also needs of it."""

    @property
    def recorded_at(self) -> datetime: ...
    @property
    def event_id(self) -> UUID: ...


class Lot(Protocol):
    """A row of trace's lots table."""

    @property
    def lot_code(self) -> str: ...
    @property
    def gtin(self) -> str: ...
    @property
    def tracking(self) -> str: ...
    @property
    def quantity(self) -> int: ...
    @property
    def unit_of_measure(self) -> str: ...
    @property
    def workshop_code(self) -> str: ...


class Lookup(timeline.Lookup, Protocol):
    """What the read model holds on a code (services/trace/db.py:Found), its steps as rows."""

    @property
    def steps(self) -> Sequence[Step]: ...


def context(base_url: str) -> list[Any]:
    return [CONTEXT, {"jejak": namespace(base_url)}]


def namespace(base_url: str) -> str:
    """Jejak's namespace of EPCIS extension fields."""
    return f"{base_url.rstrip('/')}/epcis/ns#"


def location(base_url: str, code: str) -> str:
    """A workshop's or a store's URI (UPTs have no GLNs)."""
    return f"{base_url.rstrip('/')}/locations/{quote(code, safe='')}"


def wib(moment: datetime) -> str:
    """ISO 8601 in Western Indonesian Time (+07:00), to the microsecond (the paging key)."""
    return moment.astimezone(WIB).isoformat(timespec="microseconds")


def step_events(
    step: Step,
    lot: Lot,
    serials: Collection[str],
    rejected: Collection[str],
    base_url: str,
    *,
    unit: str | None = None,
) -> list[tuple[int, dict[str, Any]]]:
    """The ObjectEvents of one step, each with its part's index (fixed per step: paging resumes
    within a step by it). `serials`: the lot's units, `rejected`: those QC rejected (they never
    entered the store); `unit`: only the events naming that unit.
    """
    parts = _parts(step, lot, serials, rejected)
    events = [(index, _event(step, lot, base_url, part)) for index, part in enumerate(parts)]
    if unit is None:
        return [(index, event) for index, event in events if event is not None]
    epc = digital_link(base_url, lot.gtin, None, unit)
    return [
        (index, event)
        for index, event in events
        if event is not None and epc in event.get("epcList", ())
    ]


def object_document(
    found: Lookup, base_url: str, created: datetime | None = None
) -> dict[str, Any]:
    """The EPCISDocument of the events of a unit (those naming it: its lot's and its own) or
    of a lot (all of them). Empty while the lot's production event has not arrived."""
    lot, steps = found.lot, found.steps
    rejected = rejected_serials(steps)
    events = (
        []
        if lot is None
        else [
            event
            for step in steps
            for _index, event in step_events(
                step, lot, found.serials, rejected, base_url, unit=found.serial
            )
        ]
    )
    return epcis_document(events, base_url, created)


def epcis_document(
    events: list[dict[str, Any]], base_url: str, created: datetime | None = None
) -> dict[str, Any]:
    return {
        "@context": context(base_url),
        "type": "EPCISDocument",
        "schemaVersion": SCHEMA_VERSION,
        "creationDate": wib(created or datetime.now(UTC)),
        "epcisBody": {"eventList": events},
    }


def query_document(
    events: list[dict[str, Any]],
    base_url: str,
    *,
    next_page: str | None = None,
    created: datetime | None = None,
) -> dict[str, Any]:
    """The answer to an event query (EPCIS 2.0's REST binding answers GET /events with an
    EPCISQueryDocument); the next page's link as an extension field, beside the Link header."""
    document: dict[str, Any] = {
        "@context": context(base_url),
        "type": "EPCISQueryDocument",
        "schemaVersion": SCHEMA_VERSION,
        "creationDate": wib(created or datetime.now(UTC)),
        "epcisBody": {
            "queryResults": {"queryName": QUERY_NAME, "resultsBody": {"eventList": events}}
        },
    }
    if next_page is not None:
        document["jejak:nextPage"] = next_page
    return document


# A part of a step: its disposition, its units (serials) or quantity, and extension fields.
_Part = tuple[str, list[str] | None, float, dict[str, Any]]


def _parts(
    step: Step, lot: Lot, serials: Collection[str], rejected: Collection[str]
) -> list[_Part | None]:
    """What each event of a step is about; None for a part that did not happen (nothing
    passed, nothing rejected), so the other parts keep their index."""
    data = step.data
    per_unit = lot.tracking == "unit"
    units = [step.serial] if step.serial is not None else list(serials) if per_unit else None
    if is_sign_off(step):
        failed = list(dict.fromkeys(s for d in data.get("defects", []) for s in d["serials"]))
        kept_back = set(failed)
        passed = [s for s in units or () if s not in kept_back] if per_unit else None
        defects = [
            {"jejak:code": d["code"], "jejak:quantity": d["quantity"]}
            for d in data.get("defects", [])
        ]
        named = _extensions(data, SIGN_OFF_FIELDS)
        return [
            ("conformant", passed, data["passed_quantity"], named)
            if data["passed_quantity"] > 0
            else None,
            (
                "non_conformant",
                failed if per_unit else None,
                data["rejected_quantity"],
                named | ({"jejak:defects": defects} if defects else {}),
            )
            if data["rejected_quantity"] > 0
            else None,
        ]
    if step.biz_step == "storing" and units is not None and step.serial is None:
        kept_out = set(rejected)  # units QC rejected never entered the store
        units = [s for s in units if s not in kept_out]
    extensions: dict[str, Any] = {}
    if step.biz_step == "retail_selling" and "channel_code" in data:
        extensions = {"jejak:channel": data["channel_code"]}
    if "transfer_id" in data:  # shipped or received on a consignment transfer
        extensions = _extensions(data, TRANSFER_FIELDS)
    elif step.biz_step == "receiving":
        extensions = _extensions(data, RETURN_FIELDS)
    if "hold_id" in data:  # a hold, a recall, or the close of one
        extensions = _extensions(data, HOLD_FIELDS)
    return [(step.disposition, units, data.get("quantity", lot.quantity), extensions)]


def _extensions(data: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """Data of a step as extension fields of Jejak's namespace, those it has."""
    return {f"jejak:{name}": data[key] for key, name in names.items() if data.get(key) is not None}


def _event(step: Step, lot: Lot, base_url: str, part: _Part | None) -> dict[str, Any] | None:
    if part is None:
        return None
    disposition, units, quantity, extensions = part
    place_code = step.data.get("location_code") or lot.workshop_code
    place = location(base_url, place_code)
    name = "/".join((step.biz_step, disposition, step.lot_code, step.serial or "", place_code))
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": wib(step.occurred_at),
        "eventTimeZoneOffset": WIB_OFFSET,
        "recordTime": wib(step.recorded_at),
        "eventID": f"urn:uuid:{uuid5(step.event_id, name)}",
    }
    if units is not None:
        event["epcList"] = [digital_link(base_url, lot.gtin, None, s) for s in units]
    else:
        quantity_element: dict[str, Any] = {
            "epcClass": digital_link(base_url, lot.gtin, lot.lot_code),
            "quantity": quantity,
        }
        if uom := UOM.get(lot.unit_of_measure.lower()):
            quantity_element["uom"] = uom
        event["quantityList"] = [quantity_element]
    event |= {
        "action": ACTIONS.get(step.biz_step, "OBSERVE"),
        "bizStep": step.biz_step,
        "disposition": disposition,
        "readPoint": {"id": place},
    }
    if step.biz_step not in NOWHERE_AFTER:
        event["bizLocation"] = {"id": place}
    if "transfer_id" in step.data:
        source, destination = step.data["from_location"], step.data["to_location"]
        event["sourceList"] = [{"type": "location", "source": location(base_url, source)}]
        event["destinationList"] = [
            {"type": "location", "destination": location(base_url, destination)}
        ]
    return event | extensions
