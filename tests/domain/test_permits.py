"""Food permits without I/O: what a registered permit must look like, which permits let food
pass QC on a day (PAN-08, PAN-09), and how much shelf life it must keep (PAN-03)."""

from dataclasses import replace
from datetime import date

import pytest

from services.quality.permits import (
    FoodLot,
    Permit,
    check_permit,
    check_shelf_life,
    release_permits,
)
from shared.errors import Rejected

DAY = date(2026, 11, 30)
CITY = "Pemerintah Kota Serang (DPMPTSP)"
SPP_IRT = Permit("spp-irt", "2367301012500101-30", CITY, date(2025, 1, 1), date(2029, 12, 31))
HALAL = Permit("halal", "ID36730000123450924", "BPJPH", date(2025, 1, 1), date(2029, 1, 1))
GINGER = FoodLot("PAN-JHM-250", "SRG", "spp-irt", date(2026, 11, 1), date(2027, 5, 1))


def refusal(permit: Permit) -> Rejected:
    with pytest.raises(Rejected) as refused:
        check_permit(permit)
    return refused.value


@pytest.mark.parametrize(
    "number", ["2367301012500101-30", "236730101250010", "2.3673.0101.2500.101", "P 236730101250"]
)
def test_an_spp_irt_number_is_15_or_more_digits_grouped_by_dashes_dots_or_spaces(
    number: str,
) -> None:
    permit = Permit("spp-irt", number, CITY, date(2025, 1, 1), date(2029, 1, 1))
    if sum(ch.isdigit() for ch in number) >= 15 and number[0].isdigit():
        assert check_permit(permit).number == number
    else:
        error = refusal(permit)
        assert error.field == "number"
        assert "15 or more digits" in error.reason


def test_an_spp_irt_with_14_digits_is_refused_saying_how_many_it_has() -> None:
    error = refusal(Permit("spp-irt", "2367301012-5001", CITY, date(2025, 1, 1), date(2029, 1, 1)))
    assert (error.field, "has 14 digits" in error.reason) == ("number", True)


def test_an_spp_irt_names_its_issuer() -> None:
    error = refusal(Permit("spp-irt", SPP_IRT.number, " ", date(2025, 1, 1), date(2029, 1, 1)))
    assert error.field == "issuer"


def test_an_spp_irt_is_valid_at_most_five_years() -> None:
    assert check_permit(Permit("spp-irt", SPP_IRT.number, CITY, date(2025, 1, 1), date(2030, 1, 1)))
    error = refusal(Permit("spp-irt", SPP_IRT.number, CITY, date(2025, 1, 1), date(2030, 1, 2)))
    assert error.field == "expires_on"
    assert "at most 5 years" in error.reason
    assert "2030-01-01" in error.reason


@pytest.mark.parametrize(
    ("number", "accepted"),
    [
        ("MD 224510001234", True),
        ("md224510001234", True),
        ("BPOM RI MD 224510001234", True),
        ("MD 22451000123", False),
        ("ML 224510001234", False),
        ("MD-224510001234", False),
    ],
)
def test_a_bpom_md_number_is_md_and_12_digits(number: str, accepted: bool) -> None:
    permit = Permit("bpom-md", number, None, date(2025, 1, 1), date(2030, 1, 1))
    if accepted:
        assert check_permit(permit).number == number.upper()
    else:
        assert refusal(permit).field == "number"


def test_a_permit_expires_after_it_is_issued() -> None:
    error = refusal(Permit("halal", HALAL.number, "BPJPH", date(2025, 1, 1), date(2025, 1, 1)))
    assert error.field == "expires_on"


def test_food_passes_under_a_valid_permit_of_its_kind_and_a_valid_halal_certificate() -> None:
    refs = release_permits(GINGER, [SPP_IRT, HALAL], DAY)
    assert [(r.kind, r.number, r.expires_on) for r in refs] == [
        ("spp-irt", SPP_IRT.number, SPP_IRT.expires_on),
        ("halal", HALAL.number, HALAL.expires_on),
    ]


def test_an_expired_halal_certificate_is_pan_08_naming_it_and_its_expiry() -> None:
    expired = Permit("halal", HALAL.number, "BPJPH", date(2022, 1, 1), date(2026, 11, 29))
    with pytest.raises(Rejected) as refused:
        release_permits(GINGER, [SPP_IRT, expired], DAY)
    reason = refused.value.reason
    assert reason.startswith("PAN-08: no valid halal")
    assert HALAL.number in reason
    assert "2026-11-29" in reason


def test_a_permit_is_valid_on_its_last_day_not_after_and_not_once_revoked() -> None:
    assert release_permits(GINGER, [SPP_IRT, HALAL], HALAL.expires_on)
    with pytest.raises(Rejected, match="PAN-08"):
        release_permits(GINGER, [SPP_IRT, HALAL], date(2029, 1, 2))
    revoked = replace(SPP_IRT, revoked_on=DAY)
    with pytest.raises(Rejected, match="revoked on 2026-11-30"):
        release_permits(GINGER, [revoked, HALAL], DAY)


def test_a_bpom_md_product_with_only_an_spp_irt_is_pan_09() -> None:
    frozen = FoodLot("PAN-NUG-500", "SRG", "bpom-md", None, None)
    with pytest.raises(Rejected) as refused:
        release_permits(frozen, [SPP_IRT, HALAL], DAY)
    assert refused.value.reason.startswith("PAN-09")
    assert "not eligible for SPP-IRT" in refused.value.reason


def test_no_permit_at_all_is_pan_08_saying_none_is_registered() -> None:
    with pytest.raises(Rejected, match=r"PAN-08: no valid SPP-IRT .* none is registered"):
        release_permits(GINGER, [HALAL], DAY)


def test_pan_03_released_food_keeps_a_third_of_its_shelf_life_and_at_least_a_day() -> None:
    made, best_before = date(2026, 11, 1), date(2026, 12, 31)  # 60 days: 20 must be left
    lot = FoodLot("PAN-ROT-001", "CLG", "spp-irt", made, best_before)
    check_shelf_life(lot, date(2026, 12, 11))  # 20 left
    with pytest.raises(Rejected) as refused:
        check_shelf_life(lot, date(2026, 12, 12))  # 19 left
    assert refused.value.field == "passed_quantity"
    assert "PAN-03" in refused.value.reason
    assert "19 day(s) of 60" in refused.value.reason
    bread = FoodLot("PAN-ROT-001", "CLG", "spp-irt", None, date(2026, 12, 1))
    check_shelf_life(bread, date(2026, 11, 30))
    with pytest.raises(Rejected, match=r"PAN-03.*0 day"):
        check_shelf_life(bread, date(2026, 12, 1))


def check_of(refused: pytest.ExceptionInfo[Rejected]) -> dict[str, object]:
    """The refusal's facts, as the problem answer's `permit_check` member carries them."""
    facts = refused.value.extensions["permit_check"]
    assert isinstance(facts, dict)
    return facts


@pytest.mark.parametrize(
    ("permit", "state"),
    [
        (replace(SPP_IRT, expires_on=date(2026, 11, 29)), "expired"),
        (replace(SPP_IRT, revoked_on=DAY), "revoked"),
        (replace(SPP_IRT, issued_on=date(2026, 12, 1)), "not_yet"),
    ],
)
def test_a_refused_permit_comes_with_its_facts_and_its_state_on_the_day(
    permit: Permit, state: str
) -> None:
    with pytest.raises(Rejected) as refused:
        release_permits(GINGER, [permit, HALAL], DAY)

    facts = check_of(refused)
    assert facts == {
        "defect_code": "PAN-08",
        "sku": "PAN-JHM-250",
        "upt_code": "SRG",
        "day": "2026-11-30",
        "kind": "spp-irt",
        "latest": {
            "kind": "spp-irt",
            "number": permit.number,
            "issuer": CITY,
            "issued_on": permit.issued_on.isoformat(),
            "expires_on": permit.expires_on.isoformat(),
            "revoked_on": permit.revoked_on.isoformat() if permit.revoked_on else None,
            "state": state,
        },
    }


def test_no_permit_pan_09_and_pan_03_say_their_facts_too() -> None:
    with pytest.raises(Rejected) as none:
        release_permits(GINGER, [SPP_IRT], DAY)
    assert (check_of(none)["kind"], check_of(none)["latest"]) == ("halal", None)
    with pytest.raises(Rejected) as frozen:
        release_permits(FoodLot("PAN-NUG-500", "SRG", "bpom-md", None, None), [SPP_IRT], DAY)
    assert (check_of(frozen)["defect_code"], check_of(frozen)["kind"]) == ("PAN-09", "bpom-md")
    lot = FoodLot("PAN-ROT-001", "CLG", "spp-irt", date(2026, 11, 1), date(2026, 12, 31))
    with pytest.raises(Rejected) as short:
        check_shelf_life(lot, date(2026, 12, 12))
    assert check_of(short) == {
        "defect_code": "PAN-03",
        "sku": "PAN-ROT-001",
        "upt_code": "CLG",
        "day": "2026-12-12",
        "best_before": "2026-12-31",
        "days_left": 19,
        "days_needed": 20,
    }
