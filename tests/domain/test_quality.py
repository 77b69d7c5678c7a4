"""QC sign-off rules: counts that add up, known defect codes, serials of the lot."""

import re
from typing import get_args

import pytest

from services.quality.domain import DEFECT_CODES, Lot, Rejection, SignOffError, decide
from shared.contracts import BatchCompleted, Defect

DEFECT_CODE_PATTERN = str(Defect.model_json_schema()["properties"]["code"]["pattern"])

LOT = "CLG-FTW-2611-0042"
SERIALS = tuple(f"{LOT}-{n:04d}" for n in range(1, 25))
SHOES = Lot("FTW", "unit", 24, SERIALS)
GINGER = Lot("PAN", "lot", 120, ())


def refusal(lot: Lot, passed: int, rejected: int, *rejections: Rejection) -> SignOffError:
    with pytest.raises(SignOffError) as refused:
        decide(lot, passed, rejected, rejections)
    return refused.value


def test_a_clean_sign_off_passes_every_unit() -> None:
    decision = decide(SHOES, 24, 0, ())

    assert (decision.passed_quantity, decision.rejected_quantity) == (24, 0)
    assert decision.passed_serials == SERIALS


def test_rejected_units_are_left_out_of_the_passed_serials() -> None:
    rejections = (
        Rejection("FTW-01", 1, (SERIALS[3],)),
        Rejection("FTW-05", 2, (SERIALS[10], SERIALS[23])),
    )

    decision = decide(SHOES, 21, 3, rejections)

    assert decision.passed_serials == tuple(
        s for s in SERIALS if s not in {SERIALS[3], SERIALS[10], SERIALS[23]}
    )
    assert decision.rejections == rejections


def test_a_sign_off_whose_counts_do_not_add_up_is_refused() -> None:
    error = refusal(SHOES, 20, 2, Rejection("FTW-01", 2, SERIALS[:2]))

    assert error.field == "passed_quantity"
    assert error.reason == "20 passed + 2 rejected = 22, but the batch has 24"


def test_a_sign_off_counting_more_than_the_batch_is_refused() -> None:
    assert refusal(GINGER, 120, 1, Rejection("PAN-01", 1)).field == "passed_quantity"


def test_rejections_that_do_not_add_up_to_the_rejected_count_are_refused() -> None:
    error = refusal(GINGER, 117, 3, Rejection("PAN-01", 1), Rejection("PAN-04", 1))

    assert error.field == "rejections"
    assert error.reason == "the rejections add up to 2, not the 3 rejected"


def test_a_rejected_count_without_any_defect_listed_is_refused() -> None:
    assert refusal(GINGER, 118, 2).field == "rejections"


def test_a_defect_code_of_another_family_is_refused_with_the_known_codes() -> None:
    error = refusal(SHOES, 23, 1, Rejection("FTW-01", 0, ()), Rejection("PAN-07", 1, SERIALS[:1]))

    assert error.field == "rejections.1.defect_code"
    assert error.reason.startswith("PAN-07 is not a defect code of family FTW")
    assert "(known: FTW-01, FTW-02, FTW-03, FTW-04, FTW-05)" in error.reason


def test_an_unknown_defect_code_is_refused() -> None:
    assert refusal(GINGER, 119, 1, Rejection("PAN-99", 1)).field == "rejections.0.defect_code"


def test_unit_tracked_goods_need_one_serial_per_rejected_unit() -> None:
    error = refusal(SHOES, 22, 2, Rejection("FTW-02", 2, SERIALS[:1]))

    assert error.field == "rejections.0.serials"
    assert error.reason == "2 rejected units need 2 serials, got 1"


def test_a_rejected_serial_from_another_lot_is_refused() -> None:
    stranger = "CLG-FTW-2611-0043-0001"

    error = refusal(SHOES, 23, 1, Rejection("FTW-02", 1, (stranger,)))

    assert (error.field, error.reason) == ("rejections.0.serials", f"{stranger} is not in this lot")


def test_a_serial_rejected_twice_is_refused() -> None:
    error = refusal(
        SHOES,
        22,
        2,
        Rejection("FTW-01", 1, (SERIALS[5],)),
        Rejection("FTW-03", 1, (SERIALS[5],)),
    )

    assert (error.field, error.reason) == ("rejections.1.serials", f"{SERIALS[5]} is listed twice")


def test_lot_tracked_goods_are_rejected_by_quantity_only() -> None:
    decision = decide(GINGER, 115, 5, (Rejection("PAN-04", 5),))

    assert (decision.passed_quantity, decision.passed_serials) == (115, ())


def test_lot_tracked_goods_must_not_list_serials() -> None:
    error = refusal(GINGER, 119, 1, Rejection("PAN-04", 1, (f"{LOT}-0001",)))

    assert error.field == "rejections.0.serials"
    assert error.reason == "this product is tracked per lot, not per unit"


@pytest.mark.parametrize("family", sorted(DEFECT_CODES))
def test_every_defect_code_belongs_to_its_family(family: str) -> None:
    codes = DEFECT_CODES[family]

    assert codes
    assert all(code.startswith(f"{family}-") for code in codes)
    assert all(re.fullmatch(DEFECT_CODE_PATTERN, code) for code in codes)
    assert all(description for description in codes.values())


def test_every_qc_family_of_the_contract_has_defect_codes() -> None:
    families = get_args(BatchCompleted.model_fields["qc_family"].annotation)

    assert set(DEFECT_CODES) == set(families)
