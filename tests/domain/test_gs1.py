"""Every identifier and link Jejak makes, read back by an independent GS1 parser (biip)."""

from datetime import UTC, datetime

import pytest
from biip import ParseError
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_messages import GS1Message

from services.production import catalogue
from services.production.domain import MAX_UNITS_PER_BATCH, lot_code
from shared.gs1 import ai_value_problem, digital_link, gtin_problem, is_unit_of, unit_serial

COMPLETED = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
GTINS = [catalogue.gtin_of(product) for product in catalogue.PRODUCTS]
LOTS = [
    lot_code(upt.code, family, COMPLETED, sequence)
    for upt in catalogue.UPTS
    for family in ("PAN", "AGR", "KYU", "TEX", "FTW", "BGN")
    for sequence in (1, 42, 9_999)
]
# The widest a UPT code may be, and the last unit of the largest batch.
LOTS.append(lot_code("ABCDE", "KYU", COMPLETED, 9_999))
SERIALS = [unit_serial(lot, number) for lot in LOTS for number in (1, 7, MAX_UNITS_PER_BATCH)]


def parsed_link(uri: str) -> dict[str, str]:
    elements = GS1DigitalLinkURI.parse(uri).element_strings
    return {element.ai.ai: element.value for element in elements}


def parsed_element_string(text: str) -> dict[str, str]:
    return {element.ai.ai: element.value for element in GS1Message.parse_hri(text).element_strings}


@pytest.mark.parametrize("gtin", GTINS)
def test_every_catalogue_gtin_is_one_biip_accepts(gtin: str) -> None:
    assert gtin_problem(gtin) is None
    assert parsed_link(f"https://id.example/01/{gtin}") == {"01": gtin}


def test_every_lot_and_serial_jejak_makes_is_a_gs1_lot_and_serial() -> None:
    for value in LOTS + SERIALS:
        assert ai_value_problem(value) is None, value


def test_every_unit_link_parses_back_into_its_gtin_lot_and_serial() -> None:
    for gtin, lot in zip(GTINS * len(LOTS), LOTS, strict=False):
        for unit in (unit_serial(lot, 1), unit_serial(lot, MAX_UNITS_PER_BATCH)):
            link = digital_link("http://127.0.0.1:8005/", gtin, lot, unit)
            assert parsed_link(link) == {"01": gtin, "10": lot, "21": unit}


def test_every_lot_link_parses_back_into_its_gtin_and_lot() -> None:
    for gtin, lot in zip(GTINS * len(LOTS), LOTS, strict=False):
        assert parsed_link(digital_link("https://trace.jejak.id", gtin, lot)) == {
            "01": gtin,
            "10": lot,
        }


def test_the_element_string_a_label_prints_parses_back() -> None:
    gtin, lot = GTINS[0], LOTS[0]
    unit = unit_serial(lot, 7)

    assert parsed_element_string(f"(01){gtin}(10){lot}(21){unit}") == {
        "01": gtin,
        "10": lot,
        "21": unit,
    }


def test_a_serial_of_the_old_form_is_too_long_for_gs1_and_jejak_knows_why() -> None:
    old = "CLG-FTW-2611-0001-0001"

    assert ai_value_problem(old) == f"{old!r} has 22 characters; GS1 allows 1 to 20"
    with pytest.raises(ParseError, match=r"AI \(21\)"):
        GS1DigitalLinkURI.parse(f"https://id.example/01/{GTINS[0]}/21/{old}")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "has 0 characters"),
        ("CLG FTW", "outside GS1 character set 82: ' '"),
        ("LOT#1", "outside GS1 character set 82: '#'"),
    ],
)
def test_values_gs1_cannot_carry_are_named_with_the_reason(value: str, problem: str) -> None:
    assert problem in str(ai_value_problem(value))


def test_a_serial_is_known_as_a_unit_of_its_lot_in_either_form() -> None:
    lot = "CLG-FTW-2611-0042"

    assert is_unit_of("CLG-2611-0042-0007", lot)
    assert is_unit_of("CLG-FTW-2611-0042-0007", lot)
    assert not is_unit_of("CLG-2611-0043-0007", lot)
    assert not is_unit_of("CLG-KYU-2611-0042-0001", lot)
    assert not is_unit_of("SRG-2611-0042-0007", lot)
