"""Places and channels as master data: sales keeps inventory's locations (location-changed) and
lets channels sell only from known, active ones; both import many rows at once, all or nothing,
through the checks of their PUT."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.exceptions import RequestValidationError

from services.inventory.db import LocationRow as InventoryLocation
from services.inventory.locations import LocationView, import_locations
from services.sales.channel_api import ChannelSpec, PutChannel, import_channels, put_channel
from services.sales.channels import SEEDED
from services.sales.db import ChannelRow, LocationRow
from shared.contracts import ChannelChanged, LocationChanged
from shared.errors import Rejected
from shared.imports import Imported, Rows
from tests.handlers.harness import Service

OUTLET = "PEMPROV-OUTLET"
GALLERY = "KANWIL-GALERI"
NOW = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)


def place(code: str, *, active: bool = True, at: datetime = NOW, **fields: Any) -> LocationChanged:
    values: dict[str, Any] = {
        "name": f"Tempat {code}",
        "kind": "outlet",
        "address": "Kota Serang, Banten",
        "owner": "Pemprov Banten",
        "active": active,
    }
    return LocationChanged.new(occurred_at=at, location_code=code, **(values | fields))


async def put(sales: Service, code: str, locations: list[str]) -> None:
    body = PutChannel(name="Outlet UMKM", kind="outlet", locations=locations)
    async with sales.runtime.units.begin() as uow:
        await put_channel(code, body, uow)


# ------------------------------------------------------------------ sales' copy of the places


async def test_sales_keeps_each_location_as_last_announced(sales: Service) -> None:
    await sales.publish(place(OUTLET), place(GALLERY, kind="gallery"))
    await sales.publish(place(OUTLET, name="Outlet baru", at=NOW + timedelta(hours=1)))
    await sales.publish(place(OUTLET, name="Outlet lama", at=NOW - timedelta(hours=1)))  # late

    kept = {row.code: (row.name, row.kind, row.active) for row in await sales.rows(LocationRow)}
    assert kept == {
        OUTLET: ("Outlet baru", "outlet", True),
        GALLERY: ("Tempat KANWIL-GALERI", "gallery", True),
    }


async def test_the_newest_change_in_one_read_wins(sales: Service) -> None:
    await sales.deliver_batch(
        [place(OUTLET, at=NOW + timedelta(minutes=5), active=False), place(OUTLET, at=NOW)]
    )
    [row] = await sales.rows(LocationRow)
    assert row.active is False


async def test_a_channel_sells_only_from_known_active_locations(sales: Service) -> None:
    await sales.publish(place(OUTLET), place("EXPO-PRB", active=False, kind="expo_stand"))

    with pytest.raises(Rejected) as refused:
        await put(sales, "OUTLET-UMKM", [OUTLET, "EXPO-PRB", "NOWHERE"])
    assert refused.value.field == "locations"
    assert "EXPO-PRB, NOWHERE" in refused.value.reason
    assert f"known and active: {OUTLET}" in refused.value.reason
    assert await sales.rows(ChannelRow, ChannelRow.code == "OUTLET-UMKM") == []

    await put(sales, "OUTLET-UMKM", [OUTLET])
    [channel] = await sales.rows(ChannelRow, ChannelRow.code == "OUTLET-UMKM")
    assert channel.locations == [OUTLET]


async def test_a_location_closed_later_is_refused_for_a_channel_from_then_on(
    sales: Service,
) -> None:
    await sales.publish(place(OUTLET))
    await put(sales, "OUTLET-UMKM", [OUTLET])
    await sales.publish(place(OUTLET, active=False, at=NOW + timedelta(days=1)))

    with pytest.raises(Rejected, match=f"inactive location\\(s\\) {OUTLET}"):
        await put(sales, "OUTLET-UMKM", [OUTLET])


async def test_seeded_channels_are_left_as_they_are_without_any_location_heard(
    sales: Service,
) -> None:
    assert await sales.rows(LocationRow) == []
    channels = {row.code: row.locations for row in await sales.rows(ChannelRow)}
    assert channels == {channel.code: list(channel.locations) for channel in SEEDED}


# ------------------------------------------------------------------ imports: locations

LOCATION: dict[str, Any] = {
    "code": "PEMPROV-CLG",
    "name": "Outlet UMKM Pemprov di Cilegon",
    "kind": "outlet",
    "address": "Kota Cilegon, Banten",
    "owner": "Pemprov Banten, Dinas Koperasi dan UKM",
}


async def import_places(
    inventory: Service, rows: list[dict[str, Any]], dry: bool = False
) -> Imported:
    body = Rows[LocationView].model_validate({"rows": rows})
    async with inventory.runtime.units.begin() as uow:
        return await import_locations(body, uow, dry_run=dry)


async def test_a_location_import_with_bad_rows_reports_each_and_changes_nothing(
    inventory: Service,
) -> None:
    before = await inventory.outbox(LocationChanged)
    rows = [
        LOCATION,
        LOCATION | {"code": "SRG-TOKO", "kind": "upt_store", "upt_code": "SRG"},
        LOCATION | {"code": "GALERI-X", "kind": "upt_store"},
        LOCATION | {"name": "Lagi"},
        LOCATION | {"code": GALLERY, "active": False},
    ]
    with pytest.raises(RequestValidationError) as refused:
        await import_places(inventory, rows)

    assert [e["loc"][2:] for e in refused.value.errors()] == [
        (1, "code"),
        (2, "upt_code"),
        (3, "code"),
    ]
    assert await inventory.rows(InventoryLocation, InventoryLocation.code == "PEMPROV-CLG") == []
    [gallery] = await inventory.rows(InventoryLocation, InventoryLocation.code == GALLERY)
    assert gallery.active is True
    assert await inventory.outbox(LocationChanged) == before


async def test_a_location_import_dry_runs_then_writes_once_and_again_changes_nothing(
    inventory: Service,
) -> None:
    closed_expo = LOCATION | {
        "code": "EXPO-KP3B",
        "name": "Stan pameran UMKM di KP3B",
        "kind": "expo_stand",
        "address": "Kawasan Pusat Pemerintahan Provinsi Banten (KP3B), Kota Serang, Banten",
        "owner": "Pemprov Banten",
        "active": False,
    }
    rows = [LOCATION, closed_expo]
    seeded = len(await inventory.outbox(LocationChanged))

    dry = await import_places(inventory, rows, dry=True)
    assert (dry.created, dry.updated, dry.dry_run) == (1, 1, True)
    assert await inventory.rows(InventoryLocation, InventoryLocation.code == "PEMPROV-CLG") == []
    assert len(await inventory.outbox(LocationChanged)) == seeded

    done = await import_places(inventory, rows)
    again = await import_places(inventory, rows)

    assert (done.created, done.updated, done.unchanged) == (1, 1, 0)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    new = (await inventory.outbox(LocationChanged))[seeded:]
    assert [(e.location_code, e.active) for e in new] == [
        ("PEMPROV-CLG", True),
        ("EXPO-KP3B", False),
    ]


# ------------------------------------------------------------------ imports: channels

CHANNEL: dict[str, Any] = {
    "code": "OUTLET-UMKM",
    "name": "Outlet UMKM Pemprov Banten",
    "kind": "outlet",
    "locations": [OUTLET],
}


async def import_sales(sales: Service, rows: list[dict[str, Any]], dry: bool = False) -> Imported:
    body = Rows[ChannelSpec].model_validate({"rows": rows})
    async with sales.runtime.units.begin() as uow:
        return await import_channels(body, uow, dry_run=dry)


async def test_a_channel_import_with_bad_rows_reports_each_and_changes_nothing(
    sales: Service,
) -> None:
    await sales.publish(place(OUTLET), place(GALLERY, kind="gallery"))
    before = await sales.outbox(ChannelChanged)
    rows = [
        CHANNEL,
        CHANNEL | {"code": "OUTLET-2", "locations": ["NOWHERE"]},
        CHANNEL | {"code": "GALERI-SERANG", "locations": [GALLERY, GALLERY]},
        CHANNEL,
    ]
    with pytest.raises(RequestValidationError) as refused:
        await import_sales(sales, rows)

    errors = refused.value.errors()
    assert [e["loc"][2:] for e in errors] == [(1, "locations"), (2, "locations"), (3, "code")]
    assert "NOWHERE" in errors[0]["msg"]
    assert await sales.rows(ChannelRow, ChannelRow.code.in_(["OUTLET-UMKM", "OUTLET-2"])) == []
    assert await sales.outbox(ChannelChanged) == before


async def test_a_channel_import_dry_runs_then_writes_once_and_again_changes_nothing(
    sales: Service,
) -> None:
    await sales.publish(place(OUTLET), place(GALLERY, kind="gallery"))
    gallery = next(channel for channel in SEEDED if channel.code == "GALERI-SERANG")
    moved = {
        "code": gallery.code,
        "name": gallery.name,
        "kind": gallery.kind,
        "locations": [GALLERY, OUTLET],
    }
    rows = [CHANNEL, moved]
    seeded = len(await sales.outbox(ChannelChanged))

    dry = await import_sales(sales, rows, dry=True)
    assert (dry.created, dry.updated) == (1, 1)
    assert await sales.rows(ChannelRow, ChannelRow.code == "OUTLET-UMKM") == []

    done = await import_sales(sales, rows)
    again = await import_sales(sales, rows)

    assert (done.created, done.updated, done.unchanged) == (1, 1, 0)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    new = (await sales.outbox(ChannelChanged))[seeded:]
    assert [(e.channel_code, e.locations) for e in new] == [
        ("OUTLET-UMKM", [OUTLET]),
        ("GALERI-SERANG", [GALLERY, OUTLET]),
    ]
