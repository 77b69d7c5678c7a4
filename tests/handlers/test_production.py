"""Production's store: lot codes and serials as completion assigns them."""

from datetime import UTC, datetime
from uuid import uuid4

from services.production.api import RecordOutput
from services.production.db import Batches, LotSequenceRow
from services.production.master import Catalogue
from tests.handlers.harness import Service

NOVEMBER = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


async def complete_one(
    production: Service, workshop: str, sku: str, quantity: int, at: datetime = NOVEMBER
) -> list[str]:
    """Open, fill and complete a batch in one transaction: its lot code, then its serials."""
    async with production.session() as session, session.begin():
        batches = Batches(session)
        made = await Catalogue(session).origin(workshop, sku, opening=True)
        batch = batches.open(made, uuid4(), uuid4(), at)
        await session.flush()
        output = RecordOutput(submission_id=uuid4(), quantity=quantity, worker_codes=["WB-0001"])
        batches.add_output(batch, output, at)
        completed = await batches.complete(batch, made, at)
    return [completed.lot_code, *completed.serials]


async def test_lots_of_different_families_count_on_in_their_upts_month(
    production: Service,
) -> None:
    shoes = await complete_one(production, "CLG-SPT", "FTW-SPT-OLR", 2)
    table = await complete_one(production, "CLG-MBL", "KYU-MJT-HPL", 1)

    assert shoes == ["CLG-FTW-2611-0001", "CLG-2611-0001-0001", "CLG-2611-0001-0002"]
    assert table == ["CLG-KYU-2611-0002", "CLG-2611-0002-0001"]


async def test_the_month_of_the_upgrade_continues_after_the_old_per_family_counters(
    production: Service,
) -> None:
    """Sequences counted per family before: CLG-FTW-2611-0001..0005 and CLG-PAN-2611-0001..0003
    exist, so CLG's next lot of the month is 0006, whatever its family."""
    async with production.session() as session, session.begin():
        session.add_all(
            [
                LotSequenceRow(prefix="CLG-FTW-2611", last=5),
                LotSequenceRow(prefix="CLG-PAN-2611", last=3),
                LotSequenceRow(prefix="SRG-PAN-2611", last=9),
            ]
        )

    assert (await complete_one(production, "CLG-SPT", "FTW-SPT-OLR", 1))[0] == "CLG-FTW-2611-0006"
    assert (await complete_one(production, "CLG-ROT", "PAN-ROT-001", 10))[0] == "CLG-PAN-2611-0007"


async def test_a_lot_completed_after_17_00_utc_on_the_last_day_is_next_months(
    production: Service,
) -> None:
    """Lot months are WIB's: 2026-11-30T17:30Z is 1 December, 00:30 in Jakarta."""
    late_november_utc = datetime(2026, 11, 30, 16, 59, tzinfo=UTC)
    december_in_wib = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)

    assert (await complete_one(production, "CLG-MBL", "KYU-MJT-HPL", 1, late_november_utc)) == [
        "CLG-KYU-2611-0001",
        "CLG-2611-0001-0001",
    ]
    assert (await complete_one(production, "CLG-MBL", "KYU-MJT-HPL", 1, december_in_wib)) == [
        "CLG-KYU-2612-0001",
        "CLG-2612-0001-0001",
    ]
