"""A superseding QC sign-off: the whole new decision under a new inspection id, checked like a
sign-off, only of the current one (two officers correcting at once cannot both win), and never
a copy of it; every sign-off stays on record, oldest first."""

from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.routing import APIRoute
from pydantic import ValidationError
from sqlalchemy import delete

from services.quality.api import (
    CorrectSignOff,
    InspectionView,
    SignOff,
    correct_sign_off,
    get_inspection,
    list_inspections,
    router,
    sign_off,
)
from services.quality.db import SignOffRow
from services.quality.domain import SignOffError
from shared.auth import ROLES_EXTENSION, Forbidden
from shared.contracts import BatchCompleted, BatchSignedOff
from shared.errors import Conflict, Rejected
from shared.identity import Claims
from tests.builders import GINGER, batch_completed
from tests.handlers.harness import KANWIL, PAGE, Service

OFFICER = Claims(role="qc_officer", sub="qc-clg-07", upt="CLG", officer_code="QC-CLG-07")
COLLEAGUE = Claims(role="qc_officer", sub="qc-clg-08", upt="CLG", officer_code="QC-CLG-08")
SERANG_OFFICER = Claims(role="qc_officer", sub="qc-srg", upt="SRG", officer_code="QC-SRG-03")


def rejecting(*by_code: tuple[str, list[str]]) -> list[dict[str, Any]]:
    """Rejections of units: (defect code, serials) each."""
    return [{"defect_code": c, "quantity": len(s), "serials": s} for c, s in by_code]


def verdict(batch: BatchCompleted, rejections: list[dict[str, Any]]) -> dict[str, Any]:
    rejected = sum(r["quantity"] for r in rejections)
    return {
        "passed_quantity": batch.quantity - rejected,
        "rejected_quantity": rejected,
        "rejections": rejections,
    }


async def signed(
    quality: Service, batch: BatchCompleted, rejections: list[dict[str, Any]]
) -> InspectionView:
    """The batch arrived and Cilegon's officer signed it off through quality's route."""
    await quality.publish(batch)
    async with quality.runtime.units.begin() as uow:
        body = SignOff.model_validate(verdict(batch, rejections))
        return await sign_off(batch.batch_id, body, uow, OFFICER)


async def correct(
    quality: Service,
    batch: BatchCompleted,
    supersedes: UUID,
    rejections: list[dict[str, Any]],
    /,
    reason: str = "more sole defects found",
    caller: Claims = OFFICER,
    **overrides: Any,
) -> InspectionView:
    """A correction through quality's route; `overrides` replace fields of the body."""
    body = {**verdict(batch, rejections), "supersedes": supersedes, "reason": reason, **overrides}
    async with quality.runtime.units.begin() as uow:
        return await correct_sign_off(
            batch.batch_id, CorrectSignOff.model_validate(body), uow, caller
        )


async def as_read(quality: Service, batch: BatchCompleted) -> InspectionView:
    async with quality.session() as session:
        return await get_inspection(batch.batch_id, session, KANWIL)


async def test_a_first_sign_off_is_on_record(quality: Service) -> None:
    batch = batch_completed(quantity=4)

    view = await signed(quality, batch, rejecting(("FTW-01", batch.serials[:1])))

    [kept] = view.sign_offs
    assert (kept.inspection_id, kept.officer_code, kept.supersedes, kept.reason) == (
        view.inspection_id,
        "QC-CLG-07",
        None,
        None,
    )
    assert (kept.passed_quantity, kept.rejected_quantity) == (3, 1)
    assert kept.passed_serials == batch.serials[1:]
    assert (await as_read(quality, batch)).sign_offs == view.sign_offs
    [announced] = await quality.outbox(BatchSignedOff)
    assert (announced.inspection_id, announced.supersedes) == (view.inspection_id, None)


async def test_a_correction_supersedes_the_current_sign_off_and_both_stay_on_record(
    quality: Service,
) -> None:
    batch = batch_completed(quantity=6)
    s = batch.serials
    first = await signed(quality, batch, rejecting(("FTW-01", s[:1])))

    view = await correct(
        quality,
        batch,
        first.inspection_id,
        rejecting(("FTW-01", s[:1]), ("FTW-02", s[1:3])),
        caller=COLLEAGUE,
    )

    assert view.inspection_id != first.inspection_id
    assert (view.status, view.officer_code) == ("signed_off", "QC-CLG-08")
    assert (view.passed_quantity, view.rejected_quantity) == (3, 3)
    assert [d["code"] for d in view.defects or []] == ["FTW-01", "FTW-02"]
    assert [o.inspection_id for o in view.sign_offs] == [first.inspection_id, view.inspection_id]
    older, newer = view.sign_offs
    assert older == first.sign_offs[0], "the first sign-off is kept as it was"
    assert (newer.supersedes, newer.reason, newer.officer_code) == (
        first.inspection_id,
        "more sole defects found",
        "QC-CLG-08",
    )
    assert await as_read(quality, batch) == view
    original, correction = await quality.outbox(BatchSignedOff)
    assert (correction.inspection_id, correction.supersedes) == (
        view.inspection_id,
        original.inspection_id,
    )
    assert (correction.causation_id, correction.correlation_id) == (
        batch.event_id,
        batch.correlation_id,
    ), "caused by the batch completion, like the first"
    assert (correction.passed_quantity, correction.rejected_quantity) == (3, 3)
    assert correction.passed_serials == s[3:]
    assert [(d.code, d.quantity, d.serials) for d in correction.defects] == [
        ("FTW-01", 1, s[:1]),
        ("FTW-02", 2, s[1:3]),
    ]
    assert correction.officer_code == "QC-CLG-08"


async def test_a_correction_can_be_corrected_in_turn(quality: Service) -> None:
    batch = batch_completed(quantity=5)
    s = batch.serials
    first = await signed(quality, batch, [])
    second = await correct(quality, batch, first.inspection_id, rejecting(("FTW-01", s[:1])))

    third = await correct(quality, batch, second.inspection_id, rejecting(("FTW-01", s[:2])))

    chain = [(o.inspection_id, o.supersedes) for o in third.sign_offs]
    assert chain == [
        (first.inspection_id, None),
        (second.inspection_id, first.inspection_id),
        (third.inspection_id, second.inspection_id),
    ]
    announced = await quality.outbox(BatchSignedOff)
    assert [e.supersedes for e in announced] == [None, first.inspection_id, second.inspection_id]


async def test_a_pending_inspection_is_signed_off_before_it_is_corrected(
    quality: Service,
) -> None:
    batch = batch_completed(quantity=2)
    await quality.publish(batch)
    pending = await as_read(quality, batch)

    with pytest.raises(Conflict, match="sign it off first") as refused:
        await correct(quality, batch, pending.inspection_id, [])

    assert refused.value.status_code == 409
    assert await quality.outbox(BatchSignedOff) == []
    assert (await as_read(quality, batch)).status == "pending"


async def test_of_two_officers_correcting_the_same_sign_off_only_the_first_wins(
    quality: Service,
) -> None:
    batch = batch_completed(quantity=4)
    s = batch.serials
    first = await signed(quality, batch, [])
    winner = await correct(quality, batch, first.inspection_id, rejecting(("FTW-01", s[:1])))

    with pytest.raises(Conflict, match=f"current sign-off .* is {winner.inspection_id}") as lost:
        await correct(
            quality, batch, first.inspection_id, rejecting(("FTW-05", s[3:])), caller=COLLEAGUE
        )

    assert (lost.value.status_code, lost.value.field) == (409, "supersedes")
    assert await as_read(quality, batch) == winner
    assert len(await quality.outbox(BatchSignedOff)) == 2


async def test_a_correction_naming_an_unknown_sign_off_is_a_conflict(quality: Service) -> None:
    batch = batch_completed(quantity=2)
    first = await signed(quality, batch, [])

    with pytest.raises(Conflict, match=str(first.inspection_id)):
        await correct(quality, batch, uuid4(), rejecting(("FTW-01", batch.serials[:1])))


@pytest.mark.parametrize(
    "relisted",
    [
        pytest.param(lambda s: rejecting(("FTW-01", s[:1]), ("FTW-02", s[1:3])), id="same"),
        pytest.param(
            lambda s: rejecting(("FTW-02", [s[2], s[1]]), ("FTW-01", s[:1])), id="reordered"
        ),
        pytest.param(
            lambda s: rejecting(("FTW-02", s[1:2]), ("FTW-01", s[:1]), ("FTW-02", s[2:3])),
            id="split",
        ),
    ],
)
async def test_a_correction_deciding_what_was_decided_changes_nothing(
    quality: Service, relisted: Any
) -> None:
    batch = batch_completed(quantity=5)
    s = batch.serials
    first = await signed(quality, batch, rejecting(("FTW-01", s[:1]), ("FTW-02", s[1:3])))

    with pytest.raises(Rejected, match="changes nothing") as refused:
        await correct(quality, batch, first.inspection_id, relisted(s))

    assert refused.value.status_code == 422
    assert len(await quality.outbox(BatchSignedOff)) == 1
    assert len((await as_read(quality, batch)).sign_offs) == 1


async def test_the_same_units_rejected_for_another_defect_is_a_correction(
    quality: Service,
) -> None:
    batch = batch_completed(quantity=3)
    first = await signed(quality, batch, rejecting(("FTW-01", batch.serials[:1])))

    view = await correct(
        quality, batch, first.inspection_id, rejecting(("FTW-04", batch.serials[:1]))
    )

    assert [d["code"] for d in view.defects or []] == ["FTW-04"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"passed_quantity": 4}, "passed_quantity"),
        ({"rejected_quantity": 2, "passed_quantity": 2}, "rejections"),
        ({"rejections": rejecting(("FTW-99", ["CLG-2611-0001-0001"]))}, "rejections.0.defect_code"),
        ({"rejections": [{"defect_code": "FTW-01", "quantity": 1}]}, "rejections.0.serials"),
    ],
)
async def test_a_correction_is_a_whole_decision_checked_like_a_sign_off(
    quality: Service, change: dict[str, Any], field: str
) -> None:
    batch = batch_completed(quantity=4)
    first = await signed(quality, batch, [])

    with pytest.raises(SignOffError) as refused:
        await correct(
            quality, batch, first.inspection_id, rejecting(("FTW-01", batch.serials[:1])), **change
        )

    assert (refused.value.status_code, refused.value.field) == (422, field)
    assert len(await quality.outbox(BatchSignedOff)) == 1


async def test_a_lot_tracked_batch_is_corrected_by_quantity(quality: Service) -> None:
    batch = batch_completed(sku=GINGER, quantity=120)
    await quality.publish(batch)
    async with quality.runtime.units.begin() as uow:
        body = SignOff(passed_quantity=120, rejected_quantity=0)
        first = await sign_off(batch.batch_id, body, uow, SERANG_OFFICER)

    rejections = [{"defect_code": "PAN-07", "quantity": 5}]
    view = await correct(
        quality, batch, first.inspection_id, rejections, "mould", caller=SERANG_OFFICER
    )

    assert (view.passed_quantity, view.rejected_quantity) == (115, 5)
    correction = (await quality.outbox(BatchSignedOff))[-1]
    assert [(d.code, d.description, d.quantity) for d in correction.defects] == [
        ("PAN-07", "mould", 5)
    ]
    assert correction.supersedes == first.inspection_id


async def test_only_an_officer_of_the_batchs_upt_corrects_it_as_the_token_names_them(
    quality: Service,
) -> None:
    batch = batch_completed(quantity=2)
    first = await signed(quality, batch, [])
    change = rejecting(("FTW-01", batch.serials[:1]))
    nameless = Claims(role="qc_officer", sub="qc-clg-x", upt="CLG")

    for caller, forged in (
        (SERANG_OFFICER, {}),
        (nameless, {}),
        (OFFICER, {"officer_code": "QC-CLG-99"}),
    ):
        with pytest.raises(Forbidden):
            await correct(quality, batch, first.inspection_id, change, caller=caller, **forged)

    assert len(await quality.outbox(BatchSignedOff)) == 1


async def test_a_sign_off_from_before_the_history_is_kept_when_corrected(
    quality: Service,
) -> None:
    batch = batch_completed(quantity=3)
    first = await signed(quality, batch, [])
    async with quality.runtime.units.begin() as uow:  # as a sign-off made before this table
        await uow.session.execute(delete(SignOffRow))

    view = await correct(
        quality, batch, first.inspection_id, rejecting(("FTW-03", batch.serials[:1]))
    )

    older, _ = view.sign_offs
    assert (older.inspection_id, older.passed_quantity, older.supersedes) == (
        first.inspection_id,
        3,
        None,
    )
    assert older.signed_off_at == first.sign_offs[0].signed_off_at


async def test_the_listing_shows_each_inspections_sign_offs(quality: Service) -> None:
    corrected, once = batch_completed(quantity=2), batch_completed(quantity=2)
    first = await signed(quality, corrected, [])
    await signed(quality, once, [])
    await correct(
        quality, corrected, first.inspection_id, rejecting(("FTW-02", corrected.serials[:1]))
    )
    waiting = batch_completed(quantity=2)
    await quality.publish(waiting)

    async with quality.session() as session:
        signed_off = (await list_inspections(session, OFFICER, PAGE, status="signed_off")).items
        pending = (await list_inspections(session, OFFICER, PAGE, status="pending")).items

    counts = {view.batch_id: len(view.sign_offs) for view in signed_off}
    assert counts == {corrected.batch_id: 2, once.batch_id: 1}
    assert [(view.batch_id, view.sign_offs) for view in pending] == [(waiting.batch_id, [])]


@pytest.mark.parametrize(
    "body",
    [
        {"supersedes": str(uuid4())},
        {"reason": "more found"},
        {"supersedes": str(uuid4()), "reason": ""},
        {"supersedes": str(uuid4()), "reason": "x" * 501},
        {"supersedes": str(uuid4()), "reason": "x", "inspection_id": str(uuid4())},
    ],
)
def test_a_correction_names_what_it_supersedes_and_why(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        CorrectSignOff.model_validate({"passed_quantity": 1, "rejected_quantity": 0, **body})


async def test_only_qc_officers_may_correct_a_sign_off() -> None:
    route = next(
        r
        for r in router.routes
        if isinstance(r, APIRoute) and r.path == "/inspections/{batch_id}/corrections"
    )
    assert route.methods == {"POST"}
    assert (route.openapi_extra or {})[ROLES_EXTENSION] == ["qc_officer"]
    [rule] = route.dependencies
    await rule.dependency(OFFICER)  # type: ignore[misc]
    for role in ("kanwil_admin", "upt_admin", "terminal", "channel"):
        with pytest.raises(Forbidden):
            await rule.dependency(Claims(role=role, sub="someone", upt="CLG"))  # type: ignore[misc]
