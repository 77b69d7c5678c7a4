"""Decoding stream entries into contracts: what is applied, what goes to the dead letters."""

import json

import pytest
from faststream.redis.parser import BinaryMessageFormatV1

from shared.contracts import StockChanged
from shared.delivery.entries import DATA_FIELD, Entry, InvalidEntry, decode, encode
from tests.builders import stock_changed

STREAM = "jejak.inventory.stock-changed.v1"


def entry(fields: dict[bytes, bytes]) -> Entry:
    return Entry(STREAM, "1700000000000-0", fields)


def with_payload(payload: dict[str, object]) -> Entry:
    return entry({DATA_FIELD: json.dumps(payload).encode()})


def refusal(raw: Entry) -> InvalidEntry:
    with pytest.raises(InvalidEntry) as refused:
        decode(raw, StockChanged)
    return refused.value


def test_an_entry_in_the_wire_format_decodes_to_the_event() -> None:
    event = stock_changed(available=22, version=1, lot_code="CLG-FTW-2611-0042")

    assert decode(entry(encode(event)), StockChanged) == event


def test_the_wire_format_is_plain_json_in_one_field() -> None:
    event = stock_changed(available=22, version=1)

    [(field, value)] = encode(event).items()

    assert field == b"__data__"
    assert json.loads(value)["event_id"] == str(event.event_id)


async def test_an_entry_written_by_faststreams_own_publisher_decodes() -> None:
    event = stock_changed(available=5, version=3, reason="reserved", delta=-1)
    envelope = await BinaryMessageFormatV1.encode(
        message=event.model_dump(mode="json"), reply_to=None, headers=None, correlation_id="x"
    )

    assert envelope.startswith(BinaryMessageFormatV1.IDENTITY_HEADER)
    assert decode(entry({DATA_FIELD: envelope}), StockChanged) == event


def test_an_entry_without_the_data_field_is_malformed() -> None:
    refused = refusal(entry({b"sku": b"FTW-SPT-OLR"}))

    assert refused.reason == "malformed"
    assert "__data__" in refused.error


@pytest.mark.parametrize("raw", [b"not json", b'{"event_id": ', b"\xff\xfe\x00"])
def test_an_entry_that_is_not_json_is_malformed(raw: bytes) -> None:
    assert refusal(entry({DATA_FIELD: raw})).reason == "malformed"


def test_an_event_breaking_its_contract_is_invalid_with_the_field_path() -> None:
    payload = json.loads(stock_changed(available=22, version=1).model_dump_json())
    payload["version"] = 0

    refused = refusal(with_payload(payload))

    assert refused.reason == "invalid"
    assert refused.error.startswith("version: Input should be greater than or equal to 1")


def test_a_nested_field_is_named_by_its_whole_path() -> None:
    payload = json.loads(stock_changed(available=1, version=1).model_dump_json())
    payload["serials"] = ["CLG-FTW-2611-0042-0001", "not a serial"]

    assert refusal(with_payload(payload)).error.startswith("serials.1: String should match")


def test_every_problem_of_an_event_is_listed() -> None:
    payload = json.loads(stock_changed(available=1, version=1).model_dump_json())
    del payload["sku"]
    payload["reason"] = "stolen"

    error = refusal(with_payload(payload)).error

    assert "sku: Field required" in error
    reasons = (
        "'received', 'reserved', 'released', 'sold', 'quarantined', 'written_off', 'rejected', "
        "'returned', 'expired' or 'shipped'"
    )
    assert f"reason: Input should be {reasons}" in error


def test_json_that_is_not_an_object_is_invalid() -> None:
    assert refusal(entry({DATA_FIELD: b"[1, 2]"})).error == "<root>: Input should be an object"


def test_an_event_of_another_type_on_the_stream_is_invalid() -> None:
    payload = json.loads(stock_changed(available=1, version=1).model_dump_json())
    payload["event_type"] = "order-placed"

    assert refusal(with_payload(payload)).error.startswith("event_type: Input should be")


def test_fields_a_newer_producer_added_are_ignored() -> None:
    event = stock_changed(available=22, version=1)
    payload = json.loads(event.model_dump_json())
    payload |= {"shelf": "B-3", "handling": {"fragile": True}, "schema_version": "1.1"}

    decoded = decode(with_payload(payload), StockChanged)

    assert decoded.event_id == event.event_id
    assert decoded.available == 22


def test_a_newer_producers_field_named_data_is_ignored_like_any_other() -> None:
    event = stock_changed(available=22, version=1)
    payload = json.loads(event.model_dump_json()) | {"data": "added in 1.1"}

    assert decode(with_payload(payload), StockChanged).event_id == event.event_id


@pytest.mark.parametrize(
    ("version", "why"),
    [
        ("2.0", "major version 2 is not this stream's (v1): expected 1.x"),
        ("9.0", "major version 9 is not this stream's (v1): expected 1.x"),
        ("0.9", "major version 0 is not this stream's (v1): expected 1.x"),
        ("abc", "'abc' is not a version (major.minor, e.g. '1.0')"),
        ("1", "'1' is not a version (major.minor, e.g. '1.0')"),
        ("1.0.0", "'1.0.0' is not a version (major.minor, e.g. '1.0')"),
        ("", "'' is not a version (major.minor, e.g. '1.0')"),
    ],
)
def test_an_event_of_another_major_version_or_of_no_version_is_invalid(
    version: str, why: str
) -> None:
    payload = json.loads(stock_changed(available=1, version=1).model_dump_json())
    payload["schema_version"] = version

    refused = refusal(with_payload(payload))

    assert refused.reason == "invalid"
    assert refused.error == f"schema_version: Value error, {why}"


def test_a_newer_minor_version_of_the_same_major_is_read() -> None:
    payload = json.loads(stock_changed(available=1, version=1).model_dump_json())
    payload["schema_version"] = "1.99"

    assert decode(with_payload(payload), StockChanged).schema_version == "1.99"
