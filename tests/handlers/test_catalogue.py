"""Production's catalogue as master data: the seed announced, checked writes with the field
named, all-or-nothing imports, and the food dates a completed batch carries."""

from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import pytest
from fastapi import Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from services.production.api import CompleteBatch, RecordOutput
from services.production.catalogue import PRODUCTS
from services.production.catalogue_api import import_products, put_product, put_workshop
from services.production.db import Batches, ProductRow
from services.production.domain import internal_gtin
from services.production.master import Catalogue, ProductSpec, WorkshopSpec
from shared.contracts import BatchCompleted, ProductChanged
from shared.errors import Rejected
from shared.imports import Rows
from tests.handlers.harness import Service

CHAIR: dict[str, Any] = {
    "sku": "KYU-KRS-JTI",
    "name": "Kursi jati",
    "upt_code": "CLG",
    "family": "KYU",
    "tracking": "unit",
    "unit_of_measure": "unit",
    "price_idr": 750_000,
}
REAL_GTIN = "08991234567891"  # 13 digits and their GS1 check digit


async def put(production: Service, **changes: Any) -> tuple[int, Any]:
    body = ProductSpec.model_validate(CHAIR | changes)
    response = Response()
    async with production.runtime.units.begin() as uow:
        view = await put_product(body.sku, body, uow, response)
    return response.status_code or 200, view


async def rejected_field(production: Service, **changes: Any) -> str:
    with pytest.raises(Rejected) as refused:
        await put(production, **changes)
    return refused.value.field


async def test_every_seeded_product_is_announced_once_with_its_labels_gtin(
    production: Service,
) -> None:
    announced = {event.sku: event for event in await production.outbox(ProductChanged)}

    assert set(announced) == {product.sku for product in PRODUCTS}
    bread = announced["PAN-ROT-001"]
    assert (bread.shelf_life_days, bread.food_permit) == (5, "spp-irt")
    assert (announced["AGR-LEL-KG"].shelf_life_days, announced["AGR-LEL-KG"].food_permit) == (
        2,
        None,
    )
    assert announced["KYU-GTR-AKS"].shelf_life_days is None
    assert bread.gtin == internal_gtin(3)  # today's numbering: the third seeded product


async def test_a_new_product_gets_the_next_catalogue_number_and_is_announced_once(
    production: Service,
) -> None:
    status, view = await put(production)
    again, _ = await put(production)
    changed, _ = await put(production, price_idr=800_000)

    assert (status, again, changed) == (201, 200, 200)
    assert (view.catalogue_number, view.label_gtin, view.gtin) == (14, internal_gtin(14), None)
    chairs = [e for e in await production.outbox(ProductChanged) if e.sku == "KYU-KRS-JTI"]
    assert [e.price_idr for e in chairs] == [750_000, 800_000]  # the same PUT again: no event
    assert chairs[0].gtin == internal_gtin(14)


async def test_a_product_with_its_own_gtin_prints_it(production: Service) -> None:
    _, view = await put(production, gtin=REAL_GTIN)

    assert view.label_gtin == REAL_GTIN


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"upt_code": "XXX"}, "upt_code"),
        ({"family": "TEX"}, "family"),  # the SKU says KYU
        ({"sku": "TEX-KRS-JTI", "family": "TEX"}, "family"),  # no workshop of CLG makes TEX
        ({"gtin": "08991234567892"}, "gtin"),  # the check digit is 1
        ({"gtin": "00200000000011"}, "gtin"),  # an internal code is not a product's own
        ({"food_permit": "spp-irt"}, "shelf_life_days"),
    ],
)
async def test_a_bad_product_is_refused_naming_the_field_and_changes_nothing(
    production: Service, changes: dict[str, Any], field: str
) -> None:
    assert await rejected_field(production, **changes) == field
    assert await production.rows(ProductRow, ProductRow.sku == CHAIR["sku"]) == []


async def test_the_body_names_the_product_of_the_path(production: Service) -> None:
    body = ProductSpec.model_validate(CHAIR)
    with pytest.raises(Rejected) as refused:
        async with production.runtime.units.begin() as uow:
            await put_product("KYU-MJT-HPL", body, uow, Response())

    assert refused.value.field == "sku"


@pytest.mark.parametrize("sku", ["kyu-krs-jti", "KYU-K-JTI", "KYUU-KRS-JTI", "KYU-KRS-JATI1"])
def test_a_sku_off_the_pattern_is_refused_as_sku(sku: str) -> None:
    with pytest.raises(ValidationError) as invalid:
        ProductSpec.model_validate(CHAIR | {"sku": sku})

    assert [error["loc"] for error in invalid.value.errors()] == [("sku",)]


async def test_a_gtin_taken_by_another_product_is_refused(production: Service) -> None:
    await put(production, gtin=REAL_GTIN)

    assert await rejected_field(production, sku="KYU-KRS-JT2", gtin=REAL_GTIN) == "gtin"


async def test_what_labels_carry_stays_once_a_batch_exists(production: Service) -> None:
    await put(production)
    async with production.session() as session, session.begin():
        made = await Catalogue(session).origin("CLG-MBL", CHAIR["sku"], opening=True)
        Batches(session).open(made, uuid4(), uuid4(), datetime.now(UTC))

    assert await rejected_field(production, tracking="lot") == "tracking"
    assert (await put(production, name="Kursi jati ukir"))[0] == 200


async def test_an_inactive_product_opens_no_batch(production: Service) -> None:
    await put(production, active=False)

    async with production.session() as session:
        with pytest.raises(Rejected, match="no longer made"):
            await Catalogue(session).origin("CLG-MBL", CHAIR["sku"], opening=True)


async def test_a_workshop_belongs_to_a_known_upt_and_carries_its_code(production: Service) -> None:
    for changes, field in (({"upt_code": "XX"}, "upt_code"), ({"code": "SRG-MBL2"}, "code")):
        spec = WorkshopSpec.model_validate(
            {"code": "CLG-KRS", "upt_code": "CLG", "name": "Bengkel kursi", "families": ["KYU"]}
            | changes
        )
        with pytest.raises(Rejected) as refused:
            async with production.runtime.units.begin() as uow:
                await put_workshop(spec.code, spec, uow, Response())
        assert refused.value.field == field


async def test_an_import_with_bad_rows_reports_each_and_writes_nothing(
    production: Service,
) -> None:
    rows = Rows[ProductSpec].model_validate(
        {
            "rows": [
                CHAIR,
                CHAIR | {"sku": "KYU-KRS-JT2", "upt_code": "XXX"},
                CHAIR | {"sku": "KYU-KRS-JT3", "gtin": "08991234567892"},
                CHAIR,
            ]
        }
    )
    with pytest.raises(RequestValidationError) as refused:
        async with production.runtime.units.begin() as uow:
            await import_products(rows, uow)

    assert [(e["loc"][2:], e["type"]) for e in refused.value.errors()] == [
        ((1, "upt_code"), "rejected"),
        ((2, "gtin"), "rejected"),
        ((3, "sku"), "rejected"),
    ]
    assert await production.rows(ProductRow, ProductRow.sku.like("KYU-KRS-%")) == []


async def test_an_import_dry_run_counts_and_writes_nothing_then_a_real_one_writes_once(
    production: Service,
) -> None:
    rows = Rows[ProductSpec].model_validate(
        {"rows": [CHAIR, CHAIR | {"sku": "KYU-KRS-JT2"}, PRODUCTS_ROW]}
    )
    async with production.runtime.units.begin() as uow:
        dry = await import_products(rows, uow, dry_run=True)
    assert await production.rows(ProductRow, ProductRow.sku.like("KYU-KRS-%")) == []

    async with production.runtime.units.begin() as uow:
        done = await import_products(rows, uow)
    async with production.runtime.units.begin() as uow:
        again = await import_products(rows, uow)

    assert (dry.created, dry.unchanged, dry.dry_run) == (2, 1, True)
    assert (done.created, done.unchanged) == (2, 1)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    announced = [e.sku for e in await production.outbox(ProductChanged)]
    assert announced.count("KYU-KRS-JT2") == 1


PRODUCTS_ROW = ProductSpec.model_validate(PRODUCTS[8]).model_dump()  # KYU-MJT-HPL as seeded


# ------------------------------------------------------------------ food dates at completion


async def completed(
    production: Service, workshop: str, sku: str, at: datetime, dates: CompleteBatch
) -> BatchCompleted:
    async with production.session() as session, session.begin():
        made = await Catalogue(session).origin(workshop, sku, opening=True)
        batches = Batches(session)
        batch = batches.open(made, uuid4(), uuid4(), at)
        await session.flush()
        output = RecordOutput(submission_id=uuid4(), quantity=10, worker_codes=["WB-0001"])
        batches.add_output(batch, output, at)
        return await batches.complete(batch, made, at, dates.production_date, dates.best_before)


async def test_bread_completed_late_on_30_november_utc_is_made_on_1_december_wib(
    production: Service,
) -> None:
    at = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)
    bread = await completed(production, "CLG-ROT", "PAN-ROT-001", at, CompleteBatch())

    assert bread.lot_code == "CLG-PAN-2612-0001"
    assert (bread.production_date, bread.best_before) == (date(2026, 12, 1), date(2026, 12, 6))
    assert bread.food_permit == "spp-irt"


async def test_entered_dates_win_and_a_best_before_before_production_is_refused(
    production: Service,
) -> None:
    at = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    entered = CompleteBatch(production_date=date(2026, 11, 19), best_before=date(2026, 11, 22))
    bread = await completed(production, "CLG-ROT", "PAN-ROT-001", at, entered)
    assert (bread.production_date, bread.best_before) == (date(2026, 11, 19), date(2026, 11, 22))

    backwards = CompleteBatch(production_date=date(2026, 11, 19), best_before=date(2026, 11, 18))
    with pytest.raises(Rejected) as refused:
        await completed(production, "CLG-ROT", "PAN-ROT-001", at, backwards)
    assert refused.value.field == "best_before"


async def test_goods_without_a_shelf_life_carry_no_dates(production: Service) -> None:
    at = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    table = await completed(production, "CLG-MBL", "KYU-MJT-HPL", at, CompleteBatch())
    assert (table.production_date, table.best_before, table.food_permit) == (None, None, None)

    dated = CompleteBatch(best_before=date(2027, 1, 1))
    with pytest.raises(Rejected) as refused:
        await completed(production, "CLG-MBL", "KYU-MJT-HPL", at, dated)
    assert refused.value.field == "best_before"
