"""Locations: the places goods are kept or sold from (a UPT's store, Kanwil's gallery, the
province's UMKM outlet, an expo stand), inventory's master data.

Every change is announced (location-changed, through the outbox in the change's transaction):
sales keeps its channels' places from it. The seeded places are announced once, when seeded.
Stores are `<UPT>-STORE` (domain.store_location): passed goods are received there.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field, StrictBool
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory import db
from services.inventory.domain import store_location
from shared.auth import SIGNED_IN, allow
from shared.contracts import Event, LocationChanged, LocationCode, LocationKind, UptCode
from shared.db import core_table, upsert
from shared.errors import NotFound, Rejected
from shared.http import CheckedRoute
from shared.imports import DryRun, Imported, Rows, Written, import_rows
from shared.inputs import Name, Text
from shared.service import ReadSessionDep, UnitOfWorkDep
from shared.uow import UnitOfWork

router = APIRouter(tags=["locations"], route_class=CheckedRoute)
LOCATIONS = core_table(db.LocationRow)


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    kind: LocationKind
    address: str
    owner: str
    upt_code: str | None = None


# The UPTs of Kanwil Banten (production's catalogue has them too: services never import each
# other, so inventory keeps its own list of their stores) and where each is.
UPTS = (
    ("TGR1", "Lapas Kelas I Tangerang", "Kota Tangerang, Banten"),
    ("TGRP", "Lapas Pemuda Kelas IIA Tangerang", "Kota Tangerang, Banten"),
    ("TGRW", "Lapas Perempuan Kelas IIA Tangerang", "Kota Tangerang, Banten"),
    ("RTGR", "Rutan Kelas I Tangerang", "Kota Tangerang, Banten"),
    ("SRG", "Lapas Kelas IIA Serang", "Kota Serang, Banten"),
    ("CLG", "Lapas Kelas IIA Cilegon", "Kota Cilegon, Banten"),
    ("RKB", "Lapas Kelas III Rangkasbitung", "Rangkasbitung, Kabupaten Lebak, Banten"),
    ("PDG", "Rutan Kelas IIB Pandeglang", "Kabupaten Pandeglang, Banten"),
    ("CGR", "Lapas Terbuka Kelas IIB Ciangir", "Kabupaten Tangerang, Banten"),
)

SEEDED = (
    *(
        Place(store_location(code), f"Gudang {name}", "upt_store", address, name, code)
        for code, name, address in UPTS
    ),
    Place(
        "KANWIL-GALERI",
        "Galeri produk WBP",
        "gallery",
        "Kanwil Ditjenpas Banten, Kota Serang, Banten",
        "Kanwil Ditjenpas Banten",
    ),
    Place(
        "PEMPROV-OUTLET",
        "Outlet UMKM Pemprov Banten",
        "outlet",
        "Dinas Koperasi dan UKM Provinsi Banten, Kota Serang, Banten",
        "Pemprov Banten, Dinas Koperasi dan UKM",
    ),
    Place(
        "EXPO-KP3B",
        "Stan pameran UMKM di KP3B",
        "expo_stand",
        "Kawasan Pusat Pemerintahan Provinsi Banten (KP3B), Kota Serang, Banten",
        "Pemprov Banten",
    ),
)


class LocationBody(BaseModel):
    """A location as an administrator sets it (its code is the path's)."""

    model_config = ConfigDict(extra="forbid")
    name: Name = Field(examples=["Galeri produk WBP"])
    kind: LocationKind
    address: Text = Field(max_length=300, examples=["Kota Serang, Banten"])
    owner: Name = Field(examples=["Kanwil Ditjenpas Banten"])
    upt_code: UptCode | None = Field(None, description="The UPT of a upt_store (required for one).")
    active: StrictBool = True


class Coded(BaseModel):
    code: LocationCode


class LocationView(LocationBody, Coded):
    """A location with its code: what GET answers and a row of an import (the code comes
    first: fields of the last base come first)."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)


def check_location(code: str, body: LocationBody) -> None:
    """A UPT's store names its UPT and is `<UPT>-STORE` (where passed goods are received);
    other places belong to no UPT's store numbering."""
    if body.kind == "upt_store":
        if body.upt_code is None:
            raise Rejected("upt_code", "a upt_store names its UPT")
        if code != store_location(body.upt_code):
            raise Rejected(
                "code", f"a UPT's store is coded {store_location(body.upt_code)}, not {code}"
            )
    elif code.endswith("-STORE"):
        raise Rejected("kind", f"{code} is coded as a UPT's store, but its kind is {body.kind}")


def changed(code: str, body: LocationBody, correlation_id: UUID | None = None) -> LocationChanged:
    return LocationChanged.new(
        correlation_id=correlation_id, location_code=code, **body.model_dump()
    )


CodePath = Annotated[str, Path(max_length=16, pattern=r"^[A-Z0-9]+(-[A-Z0-9]+)*$")]


@router.get("/locations", **allow(*SIGNED_IN))
async def list_locations(session: ReadSessionDep, active: bool | None = None) -> list[LocationView]:
    """Every location (a few dozen at most), by code; `active` filters."""
    query = select(db.LocationRow).order_by(db.LocationRow.code)
    if active is not None:
        query = query.where(db.LocationRow.active.is_(active))
    return [LocationView.model_validate(row) for row in await session.scalars(query)]


@router.get("/locations/{code}", **allow(*SIGNED_IN, errors=[404]))
async def get_location(code: CodePath, session: ReadSessionDep) -> LocationView:
    return LocationView.model_validate(await find(session, code))


@router.put(
    "/locations/{code}",
    responses={201: {"model": LocationView, "description": "A new location"}},
    **allow("kanwil_admin"),
)
async def put_location(
    code: CodePath, body: LocationBody, uow: UnitOfWorkDep, response: Response
) -> LocationView:
    """Add a location or change one (deactivate it: `active` false). Announced as
    location-changed when anything changed; the same body again changes nothing."""
    written, event = await put(uow.session, code, body, uow.correlation_id)
    uow.emit(*([event] if event else []))
    if written == "created":
        response.status_code = status.HTTP_201_CREATED
    return LocationView(code=code, **body.model_dump())


@router.post("/locations/import", **allow("kanwil_admin"))
async def import_locations(
    body: Rows[LocationView], uow: UnitOfWorkDep, dry_run: DryRun = False
) -> Imported:
    """Add or change many locations at once (`jejak catalogue import locations`): all rows or
    none, every bad row reported; each location added or changed is announced."""

    async def apply(row: LocationView) -> tuple[Written, Event | None]:
        location = LocationBody(**row.model_dump(exclude={"code"}))
        return await put(uow.session, row.code, location, uow.correlation_id)

    return await import_rows(uow, body.rows, "code", apply, dry_run)


async def put(
    session: AsyncSession, code: str, body: LocationBody, correlation_id: UUID | None = None
) -> tuple[Written, LocationChanged | None]:
    """Add or change a location: what was done, and the event announcing it (None when
    nothing changed)."""
    check_location(code, body)
    row = await session.get(db.LocationRow, code, with_for_update=True)
    if row is None:
        session.add(db.LocationRow(code=code, **body.model_dump()))
        written: Written = "created"
    elif LocationBody.model_validate(row, from_attributes=True) == body:
        return "unchanged", None
    else:
        for name, value in body.model_dump().items():
            setattr(row, name, value)
        written = "updated"
    return written, changed(code, body, correlation_id)


async def find(session: AsyncSession, code: str) -> db.LocationRow:
    row = await session.get(db.LocationRow, code)
    if row is None:
        raise NotFound("code", f"no location {code}")
    return row


async def active_places(session: AsyncSession, codes: Sequence[str]) -> dict[str, db.LocationRow]:
    """The locations of `codes` that exist and are active, by code."""
    rows = await session.scalars(
        select(db.LocationRow).where(
            db.LocationRow.code.in_(codes), db.LocationRow.active.is_(True)
        )
    )
    return {row.code: row for row in rows}


async def seed_locations(uow: UnitOfWork) -> None:
    """The seeded locations where missing, each announced once: replicas starting together
    insert each at most once (ON CONFLICT DO NOTHING), and only the one that inserted it
    announces it, in the same transaction."""
    session = uow.session
    known = set(await session.scalars(select(LOCATIONS.c.code)))
    new: set[str] = set()
    for place in SEEDED:
        if place.code in known:
            continue
        row = {name: getattr(place, name) for name in LocationBody.model_fields if name != "active"}
        inserted = await session.scalar(
            upsert(session, LOCATIONS)
            .on_conflict_do_nothing()
            .returning(LOCATIONS.c.code)
            .values(code=place.code, active=True, **row)
        )
        if inserted is not None:
            new.add(inserted)
    events = [
        changed(place.code, LocationBody.model_validate(place, from_attributes=True))
        for place in SEEDED
        if place.code in new
    ]
    uow.emit(*events)
