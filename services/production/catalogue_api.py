"""The catalogue as master data over HTTP: every signed-in caller reads UPTs, workshops and
products; a Kanwil administrator adds and changes them with PUT by code (the same body again
changes nothing), or many at once with POST .../import (`jejak catalogue import`): all rows in
one transaction, every bad row reported, nothing written unless every row is good."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status

from services.production.master import (
    Catalogue,
    ProductSpec,
    ProductView,
    UptSpec,
    WorkshopSpec,
    product_changed,
)
from shared.auth import SIGNED_IN, allow
from shared.contracts import Event
from shared.errors import Rejected
from shared.http import CheckedRoute
from shared.imports import AllowMoves, DryRun, Imported, Rows, Written, import_rows
from shared.service import ReadSessionDep, UnitOfWorkDep
from shared.uow import UnitOfWork

router = APIRouter(prefix="/catalogue", tags=["catalogue"], route_class=CheckedRoute)

ADMIN = "kanwil_admin"
Code = Annotated[str, Path(max_length=16)]
CREATED: dict[int | str, dict[str, Any]] = {201: {"description": "Added to the catalogue"}}


def _answer(written: Written, response: Response) -> None:
    if written == "created":
        response.status_code = status.HTTP_201_CREATED


def _same_key(path_value: str, body_value: str, field: str) -> None:
    if path_value != body_value:
        raise Rejected(field, f"the body names {body_value!r}, the path {path_value!r}")


def _product_view(row: object) -> ProductView:
    return ProductView.model_validate(row)


# ------------------------------------------------------------------ imports


async def _product_row(
    catalogue: Catalogue, spec: ProductSpec, uow: UnitOfWork
) -> tuple[Written, Event | None]:
    written, row = await catalogue.put_product(spec)
    event = None if written == "unchanged" else product_changed(row, uow.correlation_id)
    return written, event


@router.post("/upts/import", **allow(ADMIN))
async def import_upts(body: Rows[UptSpec], uow: UnitOfWorkDep, dry_run: DryRun = False) -> Imported:
    """Add or change many UPTs at once: all or nothing."""
    catalogue = Catalogue(uow.session)

    async def apply(spec: UptSpec) -> tuple[Written, Event | None]:
        return await catalogue.put_upt(spec), None

    return await import_rows(uow, body.rows, "code", apply, dry_run)


@router.post("/workshops/import", **allow(ADMIN))
async def import_workshops(
    body: Rows[WorkshopSpec], uow: UnitOfWorkDep, dry_run: DryRun = False
) -> Imported:
    """Add or change many workshops at once: all or nothing."""
    catalogue = Catalogue(uow.session)

    async def apply(spec: WorkshopSpec) -> tuple[Written, Event | None]:
        return await catalogue.put_workshop(spec), None

    return await import_rows(uow, body.rows, "code", apply, dry_run)


@router.post("/products/import", **allow(ADMIN))
async def import_products(
    body: Rows[ProductSpec],
    uow: UnitOfWorkDep,
    dry_run: DryRun = False,
    allow_moves: AllowMoves = False,
) -> Imported:
    """Add or change many products at once: all or nothing; each product added or changed is
    announced as product-changed. A row moving a product to another UPT or changing its
    tracking is refused unless `allow_moves` says so (a table edited by hand, or one of
    another UPT, must not do it unnoticed)."""
    catalogue = Catalogue(uow.session)

    async def apply(spec: ProductSpec) -> tuple[Written, Event | None]:
        if not allow_moves:
            await catalogue.check_not_moved(spec)
        return await _product_row(catalogue, spec, uow)

    return await import_rows(uow, body.rows, "sku", apply, dry_run)


# ------------------------------------------------------------------ UPTs


@router.get("/upts", **allow(*SIGNED_IN))
async def list_upts(session: ReadSessionDep) -> list[UptSpec]:
    """Every UPT, by code."""
    return [UptSpec.model_validate(row) for row in await Catalogue(session).upts()]


@router.get("/upts/{code}", **allow(*SIGNED_IN, errors=[404]))
async def get_upt(code: Code, session: ReadSessionDep) -> UptSpec:
    return UptSpec.model_validate(await Catalogue(session).upt(code))


@router.put("/upts/{code}", responses=CREATED, **allow(ADMIN))
async def put_upt(code: Code, body: UptSpec, uow: UnitOfWorkDep, response: Response) -> UptSpec:
    """Add a UPT, or change its name, kind or class."""
    _same_key(code, body.code, "code")
    _answer(await Catalogue(uow.session).put_upt(body), response)
    return body


# ------------------------------------------------------------------ workshops


@router.get("/workshops", **allow(*SIGNED_IN))
async def list_workshops(session: ReadSessionDep) -> list[WorkshopSpec]:
    """Every workshop, by code, with the product families it makes."""
    return [WorkshopSpec.model_validate(row) for row in await Catalogue(session).workshops()]


@router.get("/workshops/{code}", **allow(*SIGNED_IN, errors=[404]))
async def get_workshop(code: Code, session: ReadSessionDep) -> WorkshopSpec:
    return WorkshopSpec.model_validate(await Catalogue(session).workshop(code))


@router.put("/workshops/{code}", responses=CREATED, **allow(ADMIN))
async def put_workshop(
    code: Code, body: WorkshopSpec, uow: UnitOfWorkDep, response: Response
) -> WorkshopSpec:
    """Add a workshop to a UPT, or change it. A new workshop's terminal is added with
    `jejak identity add-terminal`."""
    _same_key(code, body.code, "code")
    _answer(await Catalogue(uow.session).put_workshop(body), response)
    return body


# ------------------------------------------------------------------ products


@router.get("/products", **allow(*SIGNED_IN))
async def list_products(session: ReadSessionDep) -> list[ProductView]:
    """Every product, in catalogue order, with the GTIN its labels carry."""
    return [_product_view(row) for row in await Catalogue(session).products()]


@router.get("/products/{sku}", **allow(*SIGNED_IN, errors=[404]))
async def get_product(sku: Code, session: ReadSessionDep) -> ProductView:
    return _product_view(await Catalogue(session).product(sku))


@router.put("/products/{sku}", responses=CREATED, **allow(ADMIN))
async def put_product(
    sku: Code, body: ProductSpec, uow: UnitOfWorkDep, response: Response
) -> ProductView:
    """Add a product or change it; announced as product-changed when anything changed. Its
    UPT, family, tracking and GTIN stay as they are once it has batches."""
    _same_key(sku, body.sku, "sku")
    written, event = await _product_row(Catalogue(uow.session), body, uow)
    uow.emit(*([event] if event else []))
    _answer(written, response)
    return _product_view(await Catalogue(uow.session).product(sku))
