"""The event contracts: golden schemas, stream names, round trips, no personal data."""

import json
import re
import typing
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest
from pydantic import BaseModel, ValidationError

from shared.contracts import ALL_EVENTS, Event
from tests.contracts.compat import breaking_changes
from tests.contracts.golden import (
    GOLDEN_DIR,
    REGENERATE_COMMAND,
    current_schema,
    golden_path,
    load_golden,
)
from tests.contracts.samples import sample_event

STREAM_NAME = re.compile(r"^[a-z][a-z0-9-]*\.(production|quality|inventory|sales)\.[a-z-]+\.v\d+$")
PERSONAL_DATA_WORDS = frozenset(
    {
        "worker",
        "inmate",
        "prisoner",
        "wbp",
        "name",
        "nama",
        "nik",
        "ktp",
        "phone",
        "telepon",
        "email",
        "address",
        "alamat",
        "birth",
    }
)
# Names that sound personal but are not; a field of one contract as Contract.field: a place's
# name and address (a gallery's, a store's), never a person's.
NOT_PERSONAL = frozenset(
    {
        "product_name",
        "upt_name",
        "workshop_name",
        "worker_count",
        "channel_name",
        "LocationChanged.name",
        "LocationChanged.address",
    }
)

by_stream = pytest.mark.parametrize("model", ALL_EVENTS, ids=lambda model: model.stream_suffix())


def obj(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required}


STRING = {"type": "string"}
INTEGER = {"type": "integer", "minimum": 0}
GOLDEN = obj({"lot_code": STRING, "quantity": INTEGER}, ["lot_code", "quantity"])


# The comparison itself, on small hand-made schemas.


def test_an_unchanged_schema_is_compatible() -> None:
    assert breaking_changes(GOLDEN, GOLDEN) == []


def test_adding_an_optional_field_is_not_a_breaking_change() -> None:
    current = obj(
        {"lot_code": STRING, "quantity": INTEGER, "note": {**STRING, "default": ""}},
        ["lot_code", "quantity"],
    )
    assert breaking_changes(GOLDEN, current) == []


def test_adding_a_required_field_is_a_breaking_change() -> None:
    current = obj(
        {"lot_code": STRING, "quantity": INTEGER, "note": STRING}, ["lot_code", "quantity", "note"]
    )
    assert breaking_changes(GOLDEN, current) == [
        "$.note: new required field (add it as optional with a default instead)"
    ]


def test_removing_a_field_is_a_breaking_change() -> None:
    current = obj({"lot_code": STRING}, ["lot_code"])
    assert breaking_changes(GOLDEN, current) == ["$.quantity: field removed"]


def test_making_a_required_field_optional_is_a_breaking_change() -> None:
    current = obj({"lot_code": STRING, "quantity": INTEGER}, ["lot_code"])
    assert breaking_changes(GOLDEN, current) == ["$.quantity: no longer required"]


def test_changing_a_field_type_is_a_breaking_change() -> None:
    current = obj({"lot_code": STRING, "quantity": STRING}, ["lot_code", "quantity"])
    assert "$.quantity: `type` changed from 'integer' to 'string'" in breaking_changes(
        GOLDEN, current
    )


def test_changing_a_constraint_is_a_breaking_change() -> None:
    current = obj(
        {"lot_code": {**STRING, "pattern": "^[A-Z]+$"}, "quantity": INTEGER},
        ["lot_code", "quantity"],
    )
    assert breaking_changes(GOLDEN, current) == ["$.lot_code: `pattern` added ('^[A-Z]+$')"]


def test_rewording_a_description_is_not_a_breaking_change() -> None:
    golden = obj({"lot_code": {**STRING, "description": "Lot code."}}, ["lot_code"])
    current = obj(
        {"lot_code": {**STRING, "description": "UPT, family, yymm, sequence.", "title": "Lot"}},
        ["lot_code"],
    )
    assert breaking_changes(golden, current) == []


def nested(defect: dict[str, Any]) -> dict[str, Any]:
    schema = obj({"defects": {"type": "array", "items": {"$ref": "#/$defs/Defect"}}}, ["defects"])
    return {**schema, "$defs": {"Defect": defect}}


def test_adding_an_optional_field_to_a_nested_model_is_not_a_breaking_change() -> None:
    golden = nested(obj({"code": STRING}, ["code"]))
    current = nested(obj({"code": STRING, "photo_ref": {**STRING, "default": ""}}, ["code"]))
    assert breaking_changes(golden, current) == []


def test_changing_a_nested_model_field_is_a_breaking_change() -> None:
    golden = nested(obj({"code": STRING, "quantity": INTEGER}, ["code", "quantity"]))
    current = nested(obj({"code": STRING}, ["code"]))
    assert breaking_changes(golden, current) == ["$.defects.items.quantity: field removed"]


def test_narrowing_the_allowed_values_is_a_breaking_change() -> None:
    golden = obj({"tracking": {"enum": ["unit", "lot"], "type": "string"}}, ["tracking"])
    current = obj({"tracking": {"enum": ["unit"], "type": "string"}}, ["tracking"])
    assert breaking_changes(golden, current) != []


# The real contracts against their golden schemas.


def test_every_event_has_a_golden_schema() -> None:
    missing = [golden_path(model).name for model in ALL_EVENTS if load_golden(model) is None]
    assert not missing, (
        f"no golden schema for {', '.join(missing)}: run `{REGENERATE_COMMAND}` "
        "from the repository root and commit the new files under tests/contracts/"
    )


def test_every_golden_schema_belongs_to_an_event() -> None:
    expected = {golden_path(model).name for model in ALL_EVENTS}
    stray = sorted(
        path.name for path in GOLDEN_DIR.glob("*.schema.json") if path.name not in expected
    )
    assert not stray, (
        f"golden schemas without an event in shared.contracts.ALL_EVENTS: {stray}; "
        "a stream's consumers must have moved to its successor before its model is removed"
    )


@by_stream
def test_contract_is_compatible_with_its_golden_schema(model: type[Event]) -> None:
    golden = load_golden(model)
    if golden is None:
        pytest.fail(f"no golden schema for {model.__name__}: run `{REGENERATE_COMMAND}`")
    problems = breaking_changes(golden, current_schema(model))
    assert not problems, (
        f"{model.__name__} changed incompatibly within {model.stream('jejak')}:\n  "
        + "\n  ".join(problems)
        + "\nOnly optional fields with defaults may be added within a major version; "
        "publish a new model on a .v2 stream for anything else."
    )


def test_golden_schemas_are_valid_json() -> None:
    for path in GOLDEN_DIR.glob("*.schema.json"):
        assert isinstance(json.loads(path.read_text(encoding="utf-8")), dict), path.name


# Names, envelope and immutability.


@by_stream
def test_stream_name_says_namespace_producer_event_and_major_version(model: type[Event]) -> None:
    stream = model.stream("jejak")
    assert STREAM_NAME.match(stream), stream
    assert stream == f"jejak.{model.producer_service}.{model.event_name}.v{model.major_version}"


def test_every_event_has_its_own_stream() -> None:
    streams = [model.stream("jejak") for model in ALL_EVENTS]
    assert len(streams) == len(set(streams))


@by_stream
def test_event_type_defaults_to_the_event_name(model: type[Event]) -> None:
    assert model.model_fields["event_type"].default == model.event_name


def test_every_envelope_field_has_a_description() -> None:
    undocumented = [name for name, field in Event.model_fields.items() if not field.description]
    assert not undocumented


@by_stream
def test_event_and_its_nested_models_are_frozen(model: type[Event]) -> None:
    for part in models_within(model):
        assert part.model_config.get("frozen") is True, part.__name__
    event = sample_event(model)
    with pytest.raises(ValidationError):
        event.event_id = uuid4()  # type: ignore[misc]


# Round trips.


@by_stream
def test_event_survives_a_json_round_trip(model: type[Event]) -> None:
    event = sample_event(model)
    assert model.model_validate_json(event.model_dump_json()) == event


@by_stream
def test_new_event_carries_its_envelope(model: type[Event]) -> None:
    cause = sample_event(model)
    event = sample_event(model, caused_by=cause)
    assert event.event_type == model.event_name
    assert event.producer == model.producer_service
    assert event.schema_version == f"{model.major_version}.{model.minor_version}"
    assert event.correlation_id == cause.correlation_id
    assert event.causation_id == cause.event_id
    assert event.event_id != cause.event_id


@by_stream
def test_consumers_ignore_fields_they_do_not_know(model: type[Event]) -> None:
    event = sample_event(model)
    payload = {**json.loads(event.model_dump_json()), "added_in_v1_1": "ignored"}
    assert model.model_validate(payload) == event


# Personal data.


@by_stream
def test_contract_has_no_field_that_suggests_personal_data(model: type[Event]) -> None:
    suspicious = [
        f"{part.__name__}.{name}"
        for part in models_within(model)
        for name in part.model_fields
        if not {name, f"{part.__name__}.{name}"} & NOT_PERSONAL and suggests_personal_data(name)
    ]
    assert not suspicious, f"events carry ids and quantities, never personal data: {suspicious}"


def test_personal_data_check_catches_the_obvious_names() -> None:
    caught = [
        "worker_code",
        "inmate_id",
        "buyer_name",
        "nik",
        "phone",
        "email",
        "address",
        "workers",
    ]
    assert all(suggests_personal_data(name) for name in caught)
    assert not any(suggests_personal_data(name) for name in ("lot_code", "buyer_ref", "unique"))


def suggests_personal_data(field_name: str) -> bool:
    words = field_name.lower().split("_")
    return any(
        word in PERSONAL_DATA_WORDS or word.removesuffix("s") in PERSONAL_DATA_WORDS
        for word in words
    )


def models_within(model: type[BaseModel]) -> list[type[BaseModel]]:
    """The model and every model nested in its fields (lists, optionals, ...)."""
    found: list[type[BaseModel]] = []

    def visit(annotation: Any) -> Iterator[type[BaseModel]]:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield annotation
        for argument in typing.get_args(annotation):
            yield from visit(argument)

    pending: list[type[BaseModel]] = [model]
    while pending:
        current = pending.pop()
        if current in found:
            continue
        found.append(current)
        for field in current.model_fields.values():
            pending.extend(visit(field.annotation))
    return found
