"""Trace's steps as EPCIS 2.0 events: pure functions over rows made by hand, every document
checked against GS1's EPCIS 2.0 JSON Schema (never copied into the repository: read from
$JEJAK_EPCIS_SCHEMA_DIR, else ../shared/standards/epcis beside the repository)."""

import functools
import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from jsonschema import FormatChecker  # type: ignore[import-untyped]
from jsonschema.validators import validator_for  # type: ignore[import-untyped]

from services.trace.db import LotRow, StepRow
from services.trace.epcis import object_document, step_events
from shared.gs1 import digital_link

SCHEMA_ENV = "JEJAK_EPCIS_SCHEMA_DIR"
SCHEMA_FILE = "EPCIS-JSON-Schema.json"
BASE = "https://jejak.example.id"
LOT = "CLG-FTW-2611-0042"
S1, S2, S3, S4 = (f"CLG-2611-0042-{n:04d}" for n in range(1, 5))
START = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


# ------------------------------------------------------------------ GS1's schema, as a check


def schema_dir() -> Path:
    """$JEJAK_EPCIS_SCHEMA_DIR if set, else ../shared/standards/epcis beside the repository,
    else /work/shared/standards/epcis. Missing everywhere: the test fails, it does not skip."""
    configured = os.environ.get(SCHEMA_ENV)
    repository = Path(__file__).resolve().parents[2]
    candidates = (
        [Path(configured)]
        if configured
        else [repository.parent / "shared/standards/epcis", Path("/work/shared/standards/epcis")]
    )
    for folder in candidates:
        if (folder / SCHEMA_FILE).is_file():
            return folder
    pytest.fail(
        f"GS1's {SCHEMA_FILE} is in none of {[str(c) for c in candidates]}: "
        f"set {SCHEMA_ENV} to the folder that holds it"
    )


# RFC 3986 (absolute URI) and RFC 3339 (date-time): jsonschema checks these formats only with
# optional packages, which the dev extras do not install; without a check they always pass.
URI = re.compile(
    r"^[A-Za-z][A-Za-z0-9+.\-]*:"  # a scheme
    r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$"  # (un)reserved, %-encoded
)
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _is_uri(instance: object) -> bool:
    return not isinstance(instance, str) or URI.fullmatch(instance) is not None


def _is_date_time(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    if DATE_TIME.fullmatch(instance) is None:
        return False
    datetime.fromisoformat(instance.upper().replace("Z", "+00:00"))  # a real day and time
    return True


@functools.cache
def validator() -> Any:
    """A validator of the draft the schema declares, with a format checker that checks."""
    schema = json.loads((schema_dir() / SCHEMA_FILE).read_text(encoding="utf-8"))
    draft = validator_for(schema)
    draft.check_schema(schema)
    checker = FormatChecker(formats=())
    checker.checkers = dict(draft.FORMAT_CHECKER.checkers)
    for name, check in (("uri", _is_uri), ("date-time", _is_date_time)):
        checker.checkers.setdefault(name, (check, ValueError))
    return draft(schema, format_checker=checker)


def assert_valid(document: dict[str, Any]) -> None:
    errors = sorted(validator().iter_errors(document), key=lambda error: list(error.path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in errors[:10]
    )


def is_valid(document: dict[str, Any]) -> bool:
    return bool(validator().is_valid(document))


# ------------------------------------------------------------------------- rows made by hand


@dataclass(frozen=True)
class Found:
    """What Traces.find answers (services/trace/db.py:Found), holding rows made by hand."""

    code: str
    lot_code: str
    lot: LotRow | None
    steps: list[StepRow]
    serial: str | None = None
    serials: list[str] = field(default_factory=list)


def lot_row(tracking: str = "unit", unit_of_measure: str = "pair", quantity: int = 4) -> LotRow:
    return LotRow(
        lot_code=LOT,
        batch_id=uuid4(),
        sku="FTW-SPT-OLR",
        product_name="Sepatu olahraga mesh",
        gtin="00200000000103",
        tracking=tracking,
        quantity=quantity,
        unit_of_measure=unit_of_measure,
        upt_code="CLG",
        upt_name="Lapas Kelas IIA Cilegon",
        workshop_code="CLG-SPT",
        workshop_name="Bengkel sepatu",
    )


def step(
    minute: int, biz_step: str, disposition: str, data: dict[str, Any], serial: str | None = None
) -> StepRow:
    return StepRow(
        lot_code=LOT,
        serial=serial,
        biz_step=biz_step,
        disposition=disposition,
        occurred_at=START + timedelta(minutes=minute),
        recorded_at=START + timedelta(minutes=minute, seconds=1),
        event_id=uuid4(),
        data=data,
    )


def life(quantity: int = 4, rejected: int = 1, sold: str | None = S1) -> list[StepRow]:
    """Made, S4 rejected for sole bonding (or `rejected` of a lot), the rest stored, S1 sold."""
    defect = {
        "code": "FTW-01",
        "description": "sole bonding",
        "quantity": rejected,
        "serials": [S4] if sold else [],
    }
    passed = quantity - rejected
    sale = {
        "channel_code": "GALERI-SERANG",
        "buyer_ref": "BUYER-SECRET-1",
        "order_id": "0b8f3a52-5a55-4a3e-9d6c-2a9d1f6e0c11",
        "location_code": "CLG-STORE",
        "quantity": 1,
    }
    return [
        step(0, "commissioning", "active", {"workshop_code": "CLG-SPT", "quantity": quantity}),
        step(
            1,
            "inspecting",
            "conformant",
            {"passed_quantity": passed, "rejected_quantity": rejected, "defects": [defect]},
        ),
        step(
            2,
            "storing",
            "sellable_not_accessible",
            {"location_code": "CLG-STORE", "quantity": passed},
        ),
        step(3, "retail_selling", "retail_sold", sale, sold),
    ]


def events_of(steps: list[StepRow], lot: LotRow, serials: list[str]) -> list[dict[str, Any]]:
    rejected = {S4} if S4 in serials else set()
    return [
        event for row in steps for _part, event in step_events(row, lot, serials, rejected, BASE)
    ]


def link(serial: str | None = None) -> str:
    """A unit's id (GTIN and serial), or the lot's class (GTIN and lot)."""
    return digital_link(BASE, "00200000000103", None if serial else LOT, serial)


# ------------------------------------------------------------------------------------ tests


def test_a_unit_tracked_lots_life_as_object_events_listing_its_units() -> None:
    lot, serials = lot_row(), [S1, S2, S3, S4]
    document = object_document(Found(LOT, LOT, lot, life(), serials=serials), BASE)

    assert_valid(document)
    events = document["epcisBody"]["eventList"]
    assert [(e["bizStep"], e["disposition"], e["action"]) for e in events] == [
        ("commissioning", "active", "ADD"),
        ("inspecting", "conformant", "OBSERVE"),
        ("inspecting", "non_conformant", "OBSERVE"),
        ("storing", "sellable_not_accessible", "OBSERVE"),
        ("retail_selling", "retail_sold", "OBSERVE"),
    ]
    made, passed, failed, stored, sold = events
    assert made["epcList"] == [link(s) for s in serials]
    assert passed["epcList"] == stored["epcList"] == [link(S1), link(S2), link(S3)]
    assert failed["epcList"] == [link(S4)]
    assert failed["jejak:defects"] == [{"jejak:code": "FTW-01", "jejak:quantity": 1}]
    assert sold["epcList"] == [link(S1)]
    assert sold["jejak:channel"] == "GALERI-SERANG"
    assert all("quantityList" not in event for event in events)
    assert made["readPoint"] == made["bizLocation"] == {"id": f"{BASE}/locations/CLG-SPT"}
    assert stored["bizLocation"] == {"id": f"{BASE}/locations/CLG-STORE"}
    assert sold["readPoint"] == {"id": f"{BASE}/locations/CLG-STORE"}
    assert "bizLocation" not in sold, "sold goods leave with their buyer"
    assert document["@context"][1] == {"jejak": f"{BASE}/epcis/ns#"}


def test_times_are_western_indonesian_time() -> None:
    made = object_document(Found(LOT, LOT, lot_row(), life()[:1], serials=[S1]), BASE)

    event = made["epcisBody"]["eventList"][0]
    assert event["eventTime"] == "2026-11-27T15:00:00.000000+07:00"
    assert event["recordTime"] == "2026-11-27T15:00:01.000000+07:00"
    assert event["eventTimeZoneOffset"] == "+07:00"
    assert made["creationDate"].endswith("+07:00")


@pytest.mark.parametrize(
    ("unit_of_measure", "uom"), [("kg", "KGM"), ("m2", "MTK"), ("pouch", None), ("pair", None)]
)
def test_a_lot_tracked_lot_is_a_class_with_quantities(
    unit_of_measure: str, uom: str | None
) -> None:
    lot = lot_row("lot", unit_of_measure, quantity=50)
    steps = life(quantity=50, rejected=3, sold=None)
    document = object_document(Found(LOT, LOT, lot, steps), BASE)

    assert_valid(document)
    events = document["epcisBody"]["eventList"]
    assert all("epcList" not in event for event in events)
    lists = [event["quantityList"] for event in events]
    quantities = [[element["quantity"] for element in elements] for elements in lists]
    assert quantities == [[50], [47], [3], [47], [1]]
    assert {q["epcClass"] for quantities in lists for q in quantities} == {link()}
    assert {q.get("uom") for quantities in lists for q in quantities} == {uom}


def test_event_ids_are_derived_from_the_source_events_so_every_export_agrees() -> None:
    lot, steps, serials = lot_row(), life(), [S1, S2, S3, S4]

    first, again = events_of(steps, lot, serials), events_of(steps, lot, serials)

    ids = [event["eventID"] for event in first]
    assert ids == [event["eventID"] for event in again]
    assert len(set(ids)) == len(ids), "the two outcomes of a sign-off are two events"
    assert all(re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", event_id) for event_id in ids)


def test_a_units_document_holds_the_events_naming_it() -> None:
    lot, steps, serials = lot_row(), life(), [S1, S2, S3, S4]
    everything = {event["eventID"]: event for event in events_of(steps, lot, serials)}
    own_steps = [row for row in steps if row.serial in (None, S4)]  # as Traces.find reads them

    rejected = object_document(Found(S4, LOT, lot, own_steps, serial=S4, serials=serials), BASE)

    assert_valid(rejected)
    events = rejected["epcisBody"]["eventList"]
    assert [(e["bizStep"], e["disposition"]) for e in events] == [
        ("commissioning", "active"),
        ("inspecting", "non_conformant"),
    ]
    assert all(everything[event["eventID"]] == event for event in events), "the same events"


def test_no_buyer_reference_or_order_id_leaves_trace() -> None:
    document = object_document(Found(LOT, LOT, lot_row(), life(), serials=[S1, S2, S3, S4]), BASE)

    text = json.dumps(document)
    for private in ("BUYER-SECRET-1", "0b8f3a52-5a55-4a3e-9d6c-2a9d1f6e0c11", "buyer", "order"):
        assert private not in text


def test_a_lot_whose_production_event_has_not_arrived_has_no_events_yet() -> None:
    document = object_document(Found(LOT, LOT, None, life()), BASE)

    assert_valid(document)
    assert document["epcisBody"]["eventList"] == []


def test_the_schema_check_does_check() -> None:
    """Broken documents fail: the formats (date-time, uri) and the CBV names are checked."""
    good = object_document(Found(LOT, LOT, lot_row(), life()[:1], serials=[S1]), BASE)
    event = good["epcisBody"]["eventList"][0]

    def broken(**change: Any) -> dict[str, Any]:
        return good | {"epcisBody": {"eventList": [event | change]}}

    assert is_valid(good)
    assert not is_valid(broken(eventTime="27 November 2026"))
    assert not is_valid(broken(eventID="not a uri"))
    assert not is_valid(broken(bizStep="sold"))
    assert not is_valid(broken(action="SELL"))
    assert not is_valid(broken(buyer="BUYER-1")), "extensions need a namespace"


# ------------------------------------------- holds closed, corrections of QC, goods returned


def hold_closed(minute: int, outcome: str, serial: str | None = None) -> StepRow:
    biz_step, disposition = {
        "released": ("inspecting", "sellable_accessible"),
        "destroyed": ("destroying", "destroyed"),
    }[outcome]
    data = {"hold_id": "hold-1", "outcome": outcome, "reason": "re-inspected"}
    return step(minute, biz_step, disposition, data, serial)


def goods_returned(minute: int, serial: str | None, quantity: int = 1) -> StepRow:
    data = {
        "return_id": "return-1",
        "order_id": "0b8f3a52-5a55-4a3e-9d6c-2a9d1f6e0c11",
        "channel_code": "GALERI-SERANG",
        "location_code": "SRG-STORE",
        "quantity": quantity,
        "reason": "came back broken",
    }
    return step(minute, "receiving", "returned", data, serial)


def corrected(minute: int, *rejected: str) -> StepRow:
    """A correction of life()'s sign-off: `rejected` fail, the rest pass."""
    defect = {"code": "FTW-01", "description": "sole bonding", "quantity": len(rejected)}
    data = {
        "passed_quantity": 4 - len(rejected),
        "rejected_quantity": len(rejected),
        "defects": [defect | {"serials": [*rejected]}],
        "inspection_id": "5f0c8a52-0000-4000-8000-000000000002",
        "supersedes": "5f0c8a52-0000-4000-8000-000000000001",
    }
    return step(minute, "inspecting", "conformant", data)


def test_a_hold_closed_and_a_return_as_object_events() -> None:
    steps = [*life(), hold_closed(4, "released"), goods_returned(5, S1)]
    steps.append(hold_closed(6, "destroyed", S2))
    document = object_document(Found(LOT, LOT, lot_row(), steps, serials=[S1, S2, S3, S4]), BASE)

    assert_valid(document)
    release, back, destroyed = document["epcisBody"]["eventList"][-3:]
    assert (release["bizStep"], release["disposition"], release["action"]) == (
        "inspecting",
        "sellable_accessible",
        "OBSERVE",
    )
    assert release["epcList"] == [link(s) for s in (S1, S2, S3, S4)], "one event: no QC split"
    assert (release["jejak:holdID"], release["jejak:outcome"]) == ("hold-1", "released")
    assert (back["bizStep"], back["disposition"], back["epcList"]) == (
        "receiving",
        "returned",
        [link(S1)],
    )
    assert back["bizLocation"] == back["readPoint"] == {"id": f"{BASE}/locations/SRG-STORE"}
    assert (back["jejak:channel"], back["jejak:returnID"]) == ("GALERI-SERANG", "return-1")
    assert (destroyed["bizStep"], destroyed["disposition"], destroyed["action"]) == (
        "destroying",
        "destroyed",
        "DELETE",
    )
    assert destroyed["epcList"] == [link(S2)]
    assert "bizLocation" not in destroyed
    text = json.dumps(document)
    for private in ("BUYER-SECRET-1", "0b8f3a52-5a55-4a3e-9d6c-2a9d1f6e0c11", "buyer", "order"):
        assert private not in text


def test_a_lot_tracked_return_and_destruction_count_the_lot() -> None:
    steps = [*life(50, 3, sold=None), goods_returned(4, None, 1), hold_closed(5, "destroyed")]
    document = object_document(Found(LOT, LOT, lot_row("lot", "kg", 50), steps), BASE)

    assert_valid(document)
    back, destroyed = document["epcisBody"]["eventList"][-2:]
    assert back["quantityList"] == [{"epcClass": link(), "quantity": 1, "uom": "KGM"}]
    assert destroyed["quantityList"] == [{"epcClass": link(), "quantity": 50, "uom": "KGM"}]


def test_a_correction_is_a_sign_off_naming_the_one_it_supersedes_and_decides_the_store() -> None:
    """The correction rejects S3 and passes S4: the storing event lists S3 no more, S4 again."""
    steps = [*life(), corrected(4, S3)]
    serials = [S1, S2, S3, S4]
    document = object_document(Found(LOT, LOT, lot_row(), steps, serials=serials), BASE)

    assert_valid(document)
    events = document["epcisBody"]["eventList"]
    stored = next(event for event in events if event["bizStep"] == "storing")
    assert stored["epcList"] == [link(S1), link(S2), link(S4)]
    passed, failed = events[-2:]
    assert (passed["disposition"], failed["disposition"]) == ("conformant", "non_conformant")
    assert failed["epcList"] == [link(S3)]
    assert failed["jejak:supersedes"] == passed["jejak:supersedes"] == steps[-1].data["supersedes"]
    assert passed["jejak:inspectionID"] == steps[-1].data["inspection_id"]
