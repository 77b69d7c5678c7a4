"""Quality's permit registry and the gate food passes at sign-off, through quality's routes:
a food lot passes only under valid permits on the sign-off day (WIB), with enough shelf life
left; refused, nothing changes; the sign-off announces the permits and the best-before date.

The lots here are made in Ciangir (CGR), where the demo seeds no permits: each test registers
the ones it needs."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from fastapi import Response

from services.quality.api import (
    CorrectSignOff,
    InspectionView,
    SignOff,
    correct_sign_off,
    get_inspection,
    sign_off,
)
from services.quality.permits import DEMO_FOOD, PermitRow, wib_day
from services.quality.permits_api import (
    RegisterPermit,
    Revoke,
    get_permit,
    list_permits,
    register_permit,
    revoke_permit,
)
from shared.auth import Forbidden
from shared.contracts import BatchCompleted, BatchSignedOff
from shared.errors import Conflict, Rejected
from shared.identity import Claims
from tests.builders import GINGER, batch_completed, food
from tests.handlers.harness import KANWIL, PAGE, Service

UPT = "CGR"
OFFICER = Claims(role="qc_officer", sub="qc-cgr-07", upt=UPT, officer_code="QC-CGR-07")
UPT_ADMIN = Claims(role="upt_admin", sub="admin-cgr", upt=UPT)
SERANG_ADMIN = Claims(role="upt_admin", sub="admin-srg", upt="SRG")
TODAY = wib_day(datetime.now(UTC))
SPP_IRT_NUMBER = "2360401012500101-30"
HALAL_NUMBER = "ID36040000123450924"


def permit(kind: str = "spp-irt", **overrides: Any) -> dict[str, Any]:
    """A permit of Ciangir's ginger valid from a year ago for three more."""
    body: dict[str, Any] = {
        "permit_id": uuid4(),
        "sku": GINGER,
        "upt_code": UPT,
        "kind": kind,
        "number": {"spp-irt": SPP_IRT_NUMBER, "halal": HALAL_NUMBER}.get(kind, "MD 224510001234"),
        "issuer": "Pemerintah Kabupaten Tangerang (DPMPTSP)" if kind == "spp-irt" else "BPJPH",
        "issued_on": TODAY - timedelta(days=365),
        "expires_on": TODAY + timedelta(days=3 * 365),
    }
    return body | overrides


async def register(quality: Service, body: dict[str, Any], caller: Claims = UPT_ADMIN) -> Any:
    response = Response(status_code=201)  # the route's status unless it sets another
    async with quality.runtime.units.begin() as uow:
        view = await register_permit(RegisterPermit.model_validate(body), uow, response, caller)
    return view, response.status_code


def ginger(**food_fields: Any) -> BatchCompleted:
    fields = {"best_before": TODAY + timedelta(days=180), "production_date": TODAY} | food_fields
    return food(batch_completed(sku=GINGER, quantity=20), upt_code=UPT, **fields)


async def sign(quality: Service, batch: BatchCompleted, rejected: int = 0) -> InspectionView:
    body = {
        "passed_quantity": batch.quantity - rejected,
        "rejected_quantity": rejected,
        "rejections": [{"defect_code": "PAN-08", "quantity": rejected}] if rejected else [],
    }
    async with quality.runtime.units.begin() as uow:
        return await sign_off(batch.batch_id, SignOff.model_validate(body), uow, OFFICER)


async def refused(quality: Service, batch: BatchCompleted) -> Rejected:
    """The sign-off is refused, and nothing changed: still pending, nothing announced."""
    with pytest.raises(Rejected) as refusal:
        await sign(quality, batch)
    async with quality.session() as session:
        assert (await get_inspection(batch.batch_id, session, KANWIL)).status == "pending"
    assert await quality.outbox(BatchSignedOff) == []
    return refusal.value


# ------------------------------------------------------------------ the registry


async def test_a_permit_is_registered_once_per_id_and_read_back(quality: Service) -> None:
    body = permit()
    view, status = await register(quality, body)
    again, status_again = await register(quality, body)

    assert (status, status_again) == (201, 200)
    assert again == view
    assert (view.kind, view.number, view.registered_by) == ("spp-irt", SPP_IRT_NUMBER, "upt_admin")
    with pytest.raises(Conflict):
        await register(quality, body | {"number": "2360401012500101-31"})
    async with quality.session() as session:
        assert await get_permit(body["permit_id"], session, OFFICER) == view


async def test_a_permit_breaking_a_rule_is_refused_naming_the_field_and_nothing_is_kept(
    quality: Service,
) -> None:
    too_long = permit(expires_on=TODAY + timedelta(days=6 * 365))
    with pytest.raises(Rejected) as refusal:
        await register(quality, too_long)
    assert refusal.value.field == "expires_on"
    with pytest.raises(Rejected) as refusal:
        await register(quality, permit(number="12345-678"))
    assert refusal.value.field == "number"
    assert await quality.rows(PermitRow, PermitRow.upt_code == UPT) == []


async def test_only_an_admin_of_the_permits_upt_registers_or_revokes_it(quality: Service) -> None:
    with pytest.raises(Forbidden):
        await register(quality, permit(), SERANG_ADMIN)
    view, _ = await register(quality, permit(), KANWIL)
    async with quality.runtime.units.begin() as uow:
        with pytest.raises(Forbidden):
            await revoke_permit(view.permit_id, Revoke(reason="x"), uow, SERANG_ADMIN)


async def test_permits_are_listed_by_product_upt_and_the_day_they_are_valid_on(
    quality: Service,
) -> None:
    valid, _ = await register(quality, permit())
    old, _ = await register(
        quality,
        permit(
            number="2360401012000101-25",
            issued_on=TODAY - timedelta(days=6 * 365),
            expires_on=TODAY - timedelta(days=365 + 1),
        ),
    )
    revoked, _ = await register(quality, permit("halal"))
    async with quality.runtime.units.begin() as uow:
        after = await revoke_permit(revoked.permit_id, Revoke(reason="dicabut"), uow, UPT_ADMIN)
    assert after.revoke_reason == "dicabut"

    async with quality.session() as session:
        every = await list_permits(session, UPT_ADMIN, PAGE, sku=GINGER)
        today = await list_permits(session, UPT_ADMIN, PAGE, valid_on=TODAY)
        earlier = await list_permits(
            session, KANWIL, PAGE, upt_code=UPT, valid_on=TODAY - timedelta(days=2 * 365)
        )
        seeded = await list_permits(session, KANWIL, PAGE, valid_on=TODAY)
    assert {p.permit_id for p in every.items} == {valid.permit_id, old.permit_id, revoked.permit_id}
    assert [p.permit_id for p in today.items] == [valid.permit_id]
    assert [p.permit_id for p in earlier.items] == [old.permit_id]
    # the demo's permits: an SPP-IRT and a halal certificate for each food product seeded
    demo = {(p.sku, p.upt_code, p.kind) for p in seeded.items if p.upt_code != UPT}
    assert demo == {
        (sku, upt, kind) for sku, upt, _, _ in DEMO_FOOD for kind in ("spp-irt", "halal")
    }


# ------------------------------------------------------------------ the gate at sign-off


async def test_food_under_valid_permits_passes_and_the_sign_off_names_them(
    quality: Service,
) -> None:
    await register(quality, permit())
    await register(quality, permit("halal"))
    batch = ginger()
    await quality.publish(batch)

    view = await sign(quality, batch)

    [announced] = await quality.outbox(BatchSignedOff)
    assert announced.best_before == batch.best_before
    assert [(p.kind, p.number) for p in announced.permits] == [
        ("spp-irt", SPP_IRT_NUMBER),
        ("halal", HALAL_NUMBER),
    ]
    assert view.permits == announced.permits
    assert (view.best_before, view.production_date) == (batch.best_before, TODAY)


async def test_an_expired_halal_certificate_refuses_the_sign_off_and_nothing_changes(
    quality: Service,
) -> None:
    await register(quality, permit())
    yesterday = TODAY - timedelta(days=1)
    await register(
        quality, permit("halal", issued_on=TODAY - timedelta(days=800), expires_on=yesterday)
    )
    batch = ginger()
    await quality.publish(batch)

    error = await refused(quality, batch)

    assert error.field == "passed_quantity"
    assert error.reason.startswith("PAN-08: no valid halal")
    assert HALAL_NUMBER in error.reason
    assert str(yesterday) in error.reason


async def test_a_missing_spp_irt_refuses_the_sign_off(quality: Service) -> None:
    await register(quality, permit("halal"))
    batch = ginger()
    await quality.publish(batch)

    error = await refused(quality, batch)

    assert "PAN-08: no valid SPP-IRT" in error.reason
    assert "none is registered" in error.reason


async def test_a_bpom_md_product_with_only_an_spp_irt_is_refused_as_pan_09(
    quality: Service,
) -> None:
    await register(quality, permit())
    await register(quality, permit("halal"))
    batch = ginger(food_permit="bpom-md")
    await quality.publish(batch)

    error = await refused(quality, batch)

    assert error.reason.startswith("PAN-09")
    assert "not eligible for SPP-IRT" in error.reason


async def test_too_little_shelf_life_left_is_refused_as_pan_03(quality: Service) -> None:
    await register(quality, permit())
    await register(quality, permit("halal"))
    made = TODAY - timedelta(days=50)
    batch = ginger(production_date=made, best_before=TODAY + timedelta(days=10))  # 60, 10 left
    await quality.publish(batch)

    error = await refused(quality, batch)

    assert error.reason.startswith("PAN-03")
    assert "10 day(s) of 60" in error.reason
    assert "at least 20" in error.reason


async def test_a_full_rejection_needs_no_permit(quality: Service) -> None:
    batch = ginger()
    await quality.publish(batch)

    view = await sign(quality, batch, rejected=batch.quantity)

    assert (view.passed_quantity, view.permits) == (0, [])
    [announced] = await quality.outbox(BatchSignedOff)
    assert announced.permits == []


async def test_a_correction_passing_food_follows_the_same_rule(quality: Service) -> None:
    batch = ginger()
    await quality.publish(batch)
    first = await sign(quality, batch, rejected=batch.quantity)
    body = {
        "passed_quantity": batch.quantity,
        "rejected_quantity": 0,
        "supersedes": first.inspection_id,
        "reason": "the permit was renewed the same day",
    }

    async def correct() -> InspectionView:
        async with quality.runtime.units.begin() as uow:
            correction = CorrectSignOff.model_validate(body)
            return await correct_sign_off(batch.batch_id, correction, uow, OFFICER)

    with pytest.raises(Rejected, match="PAN-08: no valid SPP-IRT"):
        await correct()
    await register(quality, permit())
    await register(quality, permit("halal"))
    view = await correct()

    assert view.passed_quantity == batch.quantity
    assert [p.kind for p in view.permits or ()] == ["spp-irt", "halal"]
    corrected = (await quality.outbox(BatchSignedOff))[-1]
    assert (corrected.supersedes, corrected.best_before) == (first.inspection_id, batch.best_before)


async def test_goods_that_are_not_food_pass_without_permits(quality: Service) -> None:
    batch = batch_completed(quantity=2)
    await quality.publish(batch)
    body = SignOff.model_validate({"passed_quantity": 2, "rejected_quantity": 0})
    clg = Claims(role="qc_officer", sub="qc-clg-07", upt="CLG", officer_code="QC-CLG-07")
    async with quality.runtime.units.begin() as uow:
        view = await sign_off(batch.batch_id, body, uow, clg)
    assert (view.passed_quantity, view.permits, view.best_before) == (2, [], None)
