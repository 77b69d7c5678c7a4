"""Production's rules: lot codes, serials, GTINs and worker codes."""

import re
from datetime import UTC, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from services.production.api import WorkerCode
from services.production.domain import (
    MAX_UNITS_PER_BATCH,
    WORKER_CODE_PATTERN,
    internal_gtin,
    lot_code,
    lot_sequence_scope,
    serials,
)
from shared.contracts import BatchCompleted
from shared.gs1 import check_digit as gs1_check_digit

LOT = "CLG-FTW-2611-0042"
WORKER_CODES: TypeAdapter[str] = TypeAdapter(WorkerCode)  # how terminals' codes are checked


def contract_pattern(field: str) -> str:
    """A field's pattern as the event contract declares it."""
    pattern = BatchCompleted.model_json_schema()["properties"][field]
    return str(pattern.get("pattern") or pattern["items"]["pattern"])


def test_a_lot_code_names_upt_family_month_and_sequence() -> None:
    completed = datetime(2026, 11, 27, 14, 5, tzinfo=UTC)

    assert lot_code("CLG", "FTW", completed, 42) == "CLG-FTW-2611-0042"


def test_a_lot_code_pads_the_sequence_and_fits_the_contract() -> None:
    code = lot_code("TGR1", "BGN", datetime(2027, 1, 3, tzinfo=UTC), 7)

    assert code == "TGR1-BGN-2701-0007"
    assert re.fullmatch(contract_pattern("lot_code"), code)


def test_serials_number_the_units_of_a_lot_from_one_without_its_family() -> None:
    assert serials(LOT, 3) == ["CLG-2611-0042-0001", "CLG-2611-0042-0002", "CLG-2611-0042-0003"]


def test_a_lot_without_units_has_no_serials() -> None:
    assert serials(LOT, 0) == []


def test_the_largest_batch_has_serials_within_gs1s_twenty_characters() -> None:
    numbered = serials("TGRWX-KYU-2612-9999", MAX_UNITS_PER_BATCH)

    assert numbered[-1] == "TGRWX-2612-9999-9999"
    assert {len(s) for s in numbered} == {20}
    assert len(set(numbered)) == MAX_UNITS_PER_BATCH
    assert all(re.fullmatch(contract_pattern("serials"), s) for s in (numbered[0], numbered[-1]))


def test_a_serial_made_before_the_gs1_form_still_fits_the_contract() -> None:
    """Goods already sold carry them on their labels: they must keep resolving."""
    assert re.fullmatch(contract_pattern("serials"), "CLG-FTW-2611-0042-0007")


def test_a_lots_sequence_counts_within_its_upts_month_across_families() -> None:
    completed = datetime(2026, 11, 27, 14, 5, tzinfo=UTC)

    assert lot_sequence_scope("CLG", completed) == "CLG-2611"


@pytest.mark.parametrize(
    ("body", "check_digit"),
    [
        ("400638133393", "1"),  # EAN-13 4006381333931
        ("0950600013435", "2"),  # GTIN-14 09506000134352, GS1 Digital Link's own example
        ("1061414100041", "5"),  # GTIN-14 10614141000415, GS1 US example
    ],
)
def test_the_gs1_check_digit_matches_real_gtins(body: str, check_digit: str) -> None:
    assert gs1_check_digit(body) == check_digit


def test_an_internal_gtin_is_fourteen_digits_with_a_valid_check_digit() -> None:
    for number in (1, 10, 13, 9_999_999_999):
        gtin = internal_gtin(number)
        assert re.fullmatch(r"\d{14}", gtin)
        assert gs1_check_digit(gtin[:-1]) == gtin[-1]


def test_an_internal_gtin_is_in_gs1s_restricted_circulation_range() -> None:
    assert internal_gtin(10) == "00200000000103"
    assert internal_gtin(10)[1:3] == "02"


def test_different_products_get_different_internal_gtins() -> None:
    assert len({internal_gtin(n) for n in range(1, 1000)}) == 999


@pytest.mark.parametrize("code", ["WB-7F3K", "WB-A1B2C3D4", "WB-0000"])
def test_a_pseudonymous_worker_code_is_accepted(code: str) -> None:
    assert re.fullmatch(WORKER_CODE_PATTERN, code)
    assert WORKER_CODES.validate_python(code) == code


@pytest.mark.parametrize(
    "code",
    ["Budi Santoso", "budi", "WB-7f3k", "WB-7F3", "WB-7F3K9A2B1", "XX-7F3K", "WB-7F3K\n", ""],
)
def test_a_name_or_anything_else_is_refused_as_a_worker_code(code: str) -> None:
    with pytest.raises(ValidationError, match="String should match pattern"):
        WORKER_CODES.validate_python(code)
