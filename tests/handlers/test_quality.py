"""Quality opens an inspection for every completed batch it hears of."""

from services.quality.api import get_inspection, list_inspections
from tests.builders import GINGER, batch_completed
from tests.handlers.harness import KANWIL, PAGE, Service


async def test_a_completed_batch_waits_for_qc_as_a_pending_inspection(quality: Service) -> None:
    batch = batch_completed(quantity=24)

    await quality.publish(batch)

    async with quality.session() as session:
        inspection = await get_inspection(batch.batch_id, session, KANWIL)
    assert inspection.status == "pending"
    assert (inspection.lot_code, inspection.sku, inspection.family) == (
        batch.lot_code,
        "FTW-SPT-OLR",
        "FTW",
    )
    assert inspection.quantity == 24
    assert inspection.serials == batch.serials
    assert inspection.officer_code is None


async def test_a_lot_tracked_batch_is_inspected_without_serials(quality: Service) -> None:
    batch = batch_completed(sku=GINGER, quantity=120)

    await quality.publish(batch)

    async with quality.session() as session:
        inspection = await get_inspection(batch.batch_id, session, KANWIL)
    assert (inspection.tracking, inspection.quantity, inspection.serials) == ("lot", 120, [])


async def test_a_batch_completion_delivered_twice_opens_one_inspection(quality: Service) -> None:
    batch = batch_completed()

    await quality.publish(batch)
    await quality.publish(batch)

    async with quality.session() as session:
        pending = (await list_inspections(session, KANWIL, PAGE, status="pending")).items
    assert [i.batch_id for i in pending] == [batch.batch_id]


async def test_batches_read_together_each_open_their_inspection(quality: Service) -> None:
    batches = [batch_completed(), batch_completed(sku=GINGER), batch_completed()]

    await quality.deliver_batch(batches)

    async with quality.session() as session:
        pending = (await list_inspections(session, KANWIL, PAGE, status="pending")).items
    assert {i.batch_id for i in pending} == {b.batch_id for b in batches}


async def test_an_event_read_twice_in_one_batch_opens_one_inspection(quality: Service) -> None:
    batch = batch_completed()

    await quality.deliver_batch([batch, batch])

    async with quality.session() as session:
        pending = (await list_inspections(session, KANWIL, PAGE, status="pending")).items
    assert [i.batch_id for i in pending] == [batch.batch_id]


async def test_the_inspection_of_a_lot_is_found_by_its_lot_code(quality: Service) -> None:
    wanted, other = batch_completed(), batch_completed()
    await quality.deliver_batch([wanted, other])

    async with quality.session() as session:
        found = (await list_inspections(session, KANWIL, PAGE, lot=wanted.lot_code)).items
        none = (
            await list_inspections(session, KANWIL, PAGE, status="signed_off", lot=wanted.lot_code)
        ).items

    assert [i.batch_id for i in found] == [wanted.batch_id]
    assert none == []
