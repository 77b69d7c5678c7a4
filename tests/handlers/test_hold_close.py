"""Closing a hold: its goods released to sale or destroyed, announced once (hold-closed) in the
hold's flow, and final: a resend changes nothing, the other outcome and a recall are refused."""

from typing import Literal
from uuid import UUID, uuid4

import pytest
from fastapi import Response
from fastapi.routing import APIRoute
from pydantic import ValidationError

from services.quality.api import (
    CloseHold,
    HoldView,
    PlaceHold,
    Recall,
    close_hold,
    get_hold,
    list_holds,
    place_hold,
    recall,
    router,
)
from shared.auth import ROLES_EXTENSION, Forbidden
from shared.contracts import BatchCompleted, HoldClosed, LotHeld, LotRecalled
from shared.errors import Conflict, NotFound
from shared.identity import Claims
from tests.builders import batch_completed
from tests.handlers.harness import KANWIL, PAGE, Service

OFFICER = Claims(role="qc_officer", sub="qc-clg", upt="CLG", officer_code="QC-CLG-07")
SERANG_OFFICER = Claims(role="qc_officer", sub="qc-srg", upt="SRG", officer_code="QC-SRG-03")
Outcome = Literal["released", "destroyed"]


async def held(quality: Service, batch: BatchCompleted, serials: list[str]) -> LotHeld:
    """A hold placed through quality's route by Cilegon's officer; the event it wrote."""
    await quality.publish(batch)
    body = PlaceHold(
        hold_id=uuid4(), lot_code=batch.lot_code, serials=serials, reason="sole came loose"
    )
    async with quality.runtime.units.begin() as uow:
        await place_hold(body, uow, Response(), OFFICER)
    return next(e for e in await quality.outbox(LotHeld) if e.hold_id == body.hold_id)


async def close(
    quality: Service,
    hold_id: UUID,
    outcome: Outcome,
    reason: str = "re-inspected: nothing found",
    caller: Claims = OFFICER,
) -> HoldView:
    async with quality.runtime.units.begin() as uow:
        return await close_hold(hold_id, CloseHold(outcome=outcome, reason=reason), uow, caller)


async def recalled(quality: Service, hold_id: UUID, caller: Claims = OFFICER) -> HoldView:
    async with quality.runtime.units.begin() as uow:
        return await recall(hold_id, Recall(reason="confirmed in 3 pairs"), uow, caller)


async def hold_as_read(quality: Service, hold_id: UUID) -> HoldView:
    async with quality.session() as session:
        return await get_hold(hold_id, session, KANWIL)


async def test_a_released_hold_is_closed_and_announced_in_the_holds_flow(
    quality: Service,
) -> None:
    batch = batch_completed(quantity=4)
    hold = await held(quality, batch, batch.serials[:2])

    view = await close(quality, hold.hold_id, "released", "re-inspected: soles hold")

    assert (view.status, view.close_reason) == ("released", "re-inspected: soles hold")
    assert view.closed_at is not None
    assert await hold_as_read(quality, hold.hold_id) == view
    [closed] = await quality.outbox(HoldClosed)
    assert (closed.hold_id, closed.lot_code, closed.sku, closed.upt_code) == (
        hold.hold_id,
        batch.lot_code,
        batch.sku,
        "CLG",
    )
    assert closed.serials == batch.serials[:2]
    assert (closed.outcome, closed.reason, closed.closed_by) == (
        "released",
        "re-inspected: soles hold",
        "qc_officer",
    )
    assert (closed.causation_id, closed.correlation_id) == (hold.event_id, hold.correlation_id)
    assert closed.occurred_at == view.closed_at


async def test_a_recalled_hold_can_be_destroyed_by_the_kanwil(quality: Service) -> None:
    batch = batch_completed(quantity=3)
    hold = await held(quality, batch, [])
    await recalled(quality, hold.hold_id)

    view = await close(quality, hold.hold_id, "destroyed", "burnt", caller=KANWIL)

    assert view.status == "destroyed"
    assert view.recalled_at is not None
    assert view.recall_reason == "confirmed in 3 pairs"
    [closed] = await quality.outbox(HoldClosed)
    assert (closed.outcome, closed.closed_by, closed.serials) == ("destroyed", "kanwil_admin", [])
    assert closed.causation_id == hold.event_id, "it follows the hold, as the recall does"


async def test_closing_again_the_same_way_is_a_harmless_resend(quality: Service) -> None:
    hold = await held(quality, batch_completed(quantity=2), [])
    first = await close(quality, hold.hold_id, "destroyed")

    again = await close(quality, hold.hold_id, "destroyed", "sent twice")

    assert again == first, "nothing changed: not the time, not the reason"
    assert len(await quality.outbox(HoldClosed)) == 1


async def test_closing_a_closed_hold_the_other_way_is_a_conflict_naming_its_outcome(
    quality: Service,
) -> None:
    hold = await held(quality, batch_completed(quantity=2), [])
    await close(quality, hold.hold_id, "released", "nothing found")

    with pytest.raises(Conflict, match=r"its goods released \(nothing found\)") as refused:
        await close(quality, hold.hold_id, "destroyed")

    assert (refused.value.status_code, refused.value.field) == (409, "hold_id")
    assert "cannot be destroyed" in refused.value.reason
    assert (await hold_as_read(quality, hold.hold_id)).status == "released"
    assert [e.outcome for e in await quality.outbox(HoldClosed)] == ["released"]


async def test_a_closed_hold_cannot_be_recalled(quality: Service) -> None:
    hold = await held(quality, batch_completed(quantity=2), [])
    await close(quality, hold.hold_id, "destroyed")

    with pytest.raises(Conflict, match="destroyed goods cannot be recalled") as refused:
        await recalled(quality, hold.hold_id)

    assert refused.value.status_code == 409
    assert await quality.outbox(LotRecalled) == []
    assert (await hold_as_read(quality, hold.hold_id)).recalled_at is None


async def test_recalling_a_recalled_hold_still_changes_nothing(quality: Service) -> None:
    hold = await held(quality, batch_completed(quantity=2), [])
    first = await recalled(quality, hold.hold_id)

    again = await recalled(quality, hold.hold_id)

    assert again == first
    assert len(await quality.outbox(LotRecalled)) == 1


async def test_only_the_holds_upt_may_close_it(quality: Service) -> None:
    hold = await held(quality, batch_completed(quantity=2), [])

    with pytest.raises(Forbidden):
        await close(quality, hold.hold_id, "released", caller=SERANG_OFFICER)

    assert (await hold_as_read(quality, hold.hold_id)).status == "held"
    assert await quality.outbox(HoldClosed) == []


async def test_an_unknown_hold_cannot_be_closed(quality: Service) -> None:
    with pytest.raises(NotFound, match="no hold"):
        await close(quality, uuid4(), "released")


async def test_the_holds_list_shows_how_each_was_closed(quality: Service) -> None:
    batch = batch_completed(quantity=4)
    kept = await held(quality, batch, batch.serials[:1])
    gone = await held(quality, batch, batch.serials[1:2])
    await close(quality, gone.hold_id, "destroyed", "burnt")

    async with quality.session() as session:
        listed = (await list_holds(session, OFFICER, PAGE, lot=batch.lot_code)).items

    shown = {(v.hold_id, v.status, v.close_reason, v.closed_at is None) for v in listed}
    assert shown == {
        (kept.hold_id, "held", None, True),
        (gone.hold_id, "destroyed", "burnt", False),
    }


async def test_the_holds_list_filtered_by_status_leaves_the_closed_ones_out(
    quality: Service,
) -> None:
    batch = batch_completed(quantity=4)
    kept = await held(quality, batch, batch.serials[:1])
    called_back = await held(quality, batch, batch.serials[1:2])
    await recalled(quality, called_back.hold_id)
    gone = await held(quality, batch, batch.serials[2:3])
    await close(quality, gone.hold_id, "destroyed", "burnt")

    async with quality.session() as session:
        page = await list_holds(
            session, OFFICER, PAGE, lot=batch.lot_code, status=["held", "recalled"]
        )

    assert {view.hold_id for view in page.items} == {kept.hold_id, called_back.hold_id}
    assert page.total == 2


@pytest.mark.parametrize(
    "body",
    [
        {"outcome": "sold", "reason": "x"},
        {"outcome": "released", "reason": ""},
        {"outcome": "released", "reason": "x" * 501},
        {"outcome": "released"},
        {"outcome": "released", "reason": "x", "closed_by": "qc_officer"},
    ],
)
def test_a_close_names_an_outcome_and_a_reason_and_nothing_else(body: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        CloseHold.model_validate(body)


async def test_qc_officers_and_the_kanwil_may_close_a_hold_nobody_else(quality: Service) -> None:
    route = next(
        r for r in router.routes if isinstance(r, APIRoute) and r.path == "/holds/{hold_id}/close"
    )
    assert route.methods == {"POST"}
    assert (route.openapi_extra or {})[ROLES_EXTENSION] == ["kanwil_admin", "qc_officer"]
    [rule] = route.dependencies
    for allowed in (OFFICER, KANWIL):
        await rule.dependency(allowed)  # type: ignore[misc]
    for role in ("upt_admin", "terminal", "channel"):
        with pytest.raises(Forbidden):
            await rule.dependency(Claims(role=role, sub="someone", upt="CLG"))  # type: ignore[misc]
