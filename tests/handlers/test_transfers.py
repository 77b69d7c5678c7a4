"""Locations and consignment transfers in inventory: the seeded places, changing one, shipping
goods of a lot from a UPT's store to Kanwil's gallery and receiving them (short and damaged
too), resends, refusals that change nothing, holds on goods in transit, and orders restricted
to their channel's locations."""

from uuid import UUID, uuid4

import pytest
from fastapi import Response

from services.inventory import db
from services.inventory.api import list_stock
from services.inventory.locations import (
    LocationBody,
    get_location,
    list_locations,
    put_location,
)
from services.inventory.transfers import Receipt, Shipment
from services.inventory.transfers_api import (
    TransferView,
    get_transfer,
    list_transfers,
    receive,
    ship,
)
from shared import samples
from shared.auth import Forbidden
from shared.contracts import (
    BatchCompleted,
    GoodsReceived,
    GoodsShipped,
    LocationChanged,
    ReservationDeclined,
    StockChanged,
    StockReserved,
)
from shared.errors import Conflict, Rejected
from shared.identity import Claims
from tests.builders import GINGER, SHOES, batch_completed, batch_signed_off, order_placed
from tests.handlers.harness import KANWIL, PAGE, Service
from tests.handlers.inventory_checks import assert_stock_adds_up

GALLERY = "KANWIL-GALERI"
CLG_ADMIN = Claims(role="upt_admin", sub="clg-admin", upt="CLG")
SRG_ADMIN = Claims(role="upt_admin", sub="srg-admin", upt="SRG")


async def received(inventory: Service, sku: str = SHOES, quantity: int = 10) -> BatchCompleted:
    batch = batch_completed(sku=sku, quantity=quantity)
    await inventory.publish(batch_signed_off(batch))
    return batch


def shipment(batch: BatchCompleted, **fields: object) -> Shipment:
    body: dict[str, object] = {
        "transfer_id": uuid4(),
        "from_location": f"{batch.upt_code}-STORE",
        "to_location": GALLERY,
        "sku": batch.sku,
        "lot_code": batch.lot_code,
    }
    return Shipment.model_validate(body | fields)


async def send(
    inventory: Service, body: Shipment, caller: Claims = KANWIL
) -> tuple[TransferView, int]:
    response = Response()
    response.status_code = None  # type: ignore[assignment]  # as FastAPI hands it to a route
    async with inventory.runtime.units.begin() as uow:
        view = await ship(body, uow, caller, response)
    return view, response.status_code or 201


async def arrive(
    inventory: Service, transfer_id: UUID, caller: Claims = KANWIL, **fields: object
) -> TransferView:
    async with inventory.runtime.units.begin() as uow:
        return await receive(transfer_id, Receipt.model_validate(fields), uow, caller)


async def lots(inventory: Service, lot_code: str) -> dict[str, tuple[int, int, int]]:
    """(on hand, reserved, quarantined) of a lot, by location."""
    rows = await inventory.rows(db.LotRow, db.LotRow.lot_code == lot_code)
    return {row.location_code: (row.on_hand, row.reserved, row.quarantined) for row in rows}


async def statuses(inventory: Service, serials: list[str]) -> dict[str, tuple[str, str]]:
    units = await inventory.rows(db.UnitRow, db.UnitRow.serial.in_(serials))
    return {unit.serial: (unit.status, unit.location_code) for unit in units}


# ---------------------------------------------------------------------------- locations


async def test_the_seeded_locations_are_listed_and_announced_once(inventory: Service) -> None:
    async with inventory.session() as session:
        places = await list_locations(session)
        gallery = await get_location(GALLERY, session)
    codes = {place.code for place in places}
    assert {
        f"{upt}-STORE"
        for upt in ["TGR1", "TGRP", "TGRW", "RTGR", "SRG", "CLG", "RKB", "PDG", "CGR"]
    } < codes
    assert {GALLERY, "PEMPROV-OUTLET", "EXPO-KP3B"} < codes
    assert len(codes) == 12
    assert (gallery.kind, gallery.owner, gallery.upt_code) == (
        "gallery",
        "Kanwil Ditjenpas Banten",
        None,
    )
    clg = next(place for place in places if place.code == "CLG-STORE")
    assert (clg.kind, clg.upt_code, clg.owner) == ("upt_store", "CLG", "Lapas Kelas IIA Cilegon")
    announced = await inventory.outbox(LocationChanged)
    assert sorted(e.location_code for e in announced) == sorted(codes)
    await inventory.runtime.prepare()  # a second start (or replica) seeds nothing again
    assert len(await inventory.outbox(LocationChanged)) == 12


async def test_a_location_is_added_changed_and_announced(inventory: Service) -> None:
    body = LocationBody(
        name="Stan Pekan Raya Banten",
        kind="expo_stand",
        address="Alun-alun Serang",
        owner="Pemprov Banten",
    )

    async def put(code: str, body: LocationBody) -> int:
        response = Response()
        response.status_code = None  # type: ignore[assignment]  # as FastAPI hands it
        async with inventory.runtime.units.begin() as uow:
            await put_location(code, body, uow, response)
        return response.status_code or 200

    assert await put("EXPO-PRB", body) == 201
    assert await put("EXPO-PRB", body) == 200  # the same again: nothing changes
    closed = body.model_copy(update={"active": False})
    assert await put("EXPO-PRB", closed) == 200
    events = [e for e in await inventory.outbox(LocationChanged) if e.location_code == "EXPO-PRB"]
    assert [e.active for e in events] == [True, False]
    assert events[0].model_dump(include=set(LocationChanged.payload_fields())) == {
        "location_code": "EXPO-PRB",
        "name": "Stan Pekan Raya Banten",
        "kind": "expo_stand",
        "address": "Alun-alun Serang",
        "owner": "Pemprov Banten",
        "upt_code": None,
        "active": True,
    }
    with pytest.raises(Rejected, match="names its UPT"):
        await put("SRG-STORE", body.model_copy(update={"kind": "upt_store"}))
    with pytest.raises(Rejected, match="coded CLG-STORE"):
        await put("CLG-TOKO", body.model_copy(update={"kind": "upt_store", "upt_code": "CLG"}))
    with pytest.raises(Rejected, match="coded as a UPT's store"):
        await put("XYZ-STORE", body)


# ---------------------------------------------------------------------------- transfers


async def test_goods_traced_per_lot_are_shipped_and_received_with_short_and_damaged(
    inventory: Service,
) -> None:
    batch = await received(inventory, GINGER, 20)
    body = shipment(batch, quantity=12)

    shipped, code = await send(inventory, body)

    assert (code, shipped.status, shipped.quantity) == (201, "shipped", 12)
    assert await lots(inventory, batch.lot_code) == {"SRG-STORE": (8, 0, 0)}
    [event] = await inventory.outbox(GoodsShipped)
    assert (event.transfer_id, event.from_location, event.to_location, event.quantity) == (
        body.transfer_id,
        "SRG-STORE",
        GALLERY,
        12,
    )
    out = [c for c in await inventory.outbox(StockChanged) if c.reason == "shipped"]
    assert [(c.location_code, c.delta, c.lot_code, c.transfer_id) for c in out] == [
        ("SRG-STORE", -12, batch.lot_code, body.transfer_id)
    ]
    async with inventory.session() as session:
        stock = (await list_stock(session, KANWIL, PAGE, sku=GINGER)).items
    assert {(v.location_code, v.on_hand, v.in_transit) for v in stock} == {("SRG-STORE", 8, 0)}

    done = await arrive(inventory, body.transfer_id, short_quantity=1, damaged_quantity=2)

    assert (done.status, done.received_quantity, done.short_quantity, done.damaged_quantity) == (
        "received",
        9,
        1,
        2,
    )
    assert await lots(inventory, batch.lot_code) == {"SRG-STORE": (8, 0, 0), GALLERY: (11, 0, 2)}
    [got] = await inventory.outbox(GoodsReceived)
    assert (got.received_quantity, got.short_quantity, got.damaged_quantity) == (9, 1, 2)
    assert got.causation_id == event.event_id
    assert got.correlation_id == event.correlation_id
    there = [c for c in await inventory.outbox(StockChanged) if c.location_code == GALLERY]
    assert [(c.reason, c.available, c.on_hand, c.lot_code) for c in there] == [
        ("received", 11, 11, batch.lot_code),
        ("quarantined", 9, 11, batch.lot_code),
    ]
    # the same receipt again changes nothing; another one is a conflict
    assert (await arrive(inventory, body.transfer_id, short_quantity=1, damaged_quantity=2)) == done
    with pytest.raises(Conflict) as other:
        await arrive(inventory, body.transfer_id, short_quantity=3)
    assert other.value.reason.endswith("it differs in short_quantity, damaged_quantity")
    assert len(await inventory.outbox(GoodsReceived)) == 1
    await assert_stock_adds_up(inventory)


async def test_a_receipt_must_account_for_every_piece_shipped(inventory: Service) -> None:
    batch = await received(inventory, GINGER, 20)
    body = shipment(batch, quantity=5)
    await send(inventory, body)
    with pytest.raises(Rejected, match="must be the 5 shipped"):
        await arrive(inventory, body.transfer_id, received_quantity=4, damaged_quantity=2)
    with pytest.raises(Rejected, match="traced per lot"):
        await arrive(inventory, body.transfer_id, short_serials=["CLG-2611-0042-0001"])
    [row] = await inventory.rows(db.TransferRow)
    assert row.status == "shipped"
    assert await inventory.outbox(GoodsReceived) == []


async def test_units_move_to_the_gallery(inventory: Service) -> None:
    batch = await received(inventory, SHOES, 6)
    serials = batch.serials[:4]
    body = shipment(batch, serials=serials)

    await send(inventory, body, CLG_ADMIN)

    assert set((await statuses(inventory, serials)).values()) == {("in_transit", "CLG-STORE")}
    [event] = await inventory.outbox(GoodsShipped)
    assert (event.quantity, event.serials) == (4, sorted(serials))
    async with inventory.session() as session:  # in transit to a place with no stock yet
        view = await get_transfer(body.transfer_id, session, CLG_ADMIN)
    assert view.status == "shipped"

    await arrive(
        inventory, body.transfer_id, short_serials=serials[:1], damaged_serials=serials[1:2]
    )

    assert await statuses(inventory, serials) == {
        serials[0]: ("lost", "CLG-STORE"),
        serials[1]: ("quarantined", GALLERY),
        serials[2]: ("available", GALLERY),
        serials[3]: ("available", GALLERY),
    }
    [got] = await inventory.outbox(GoodsReceived)
    assert (got.received_serials, got.short_serials, got.damaged_serials) == (
        serials[2:],
        serials[:1],
        serials[1:2],
    )
    into = [c for c in await inventory.outbox(StockChanged) if c.reason == "received"]
    assert sorted(into[-1].serials) == sorted(serials[1:])
    await assert_stock_adds_up(inventory)


async def test_a_resend_is_harmless_and_another_body_under_its_id_a_conflict(
    inventory: Service,
) -> None:
    batch = await received(inventory, GINGER, 20)
    body = shipment(batch, quantity=5)
    first, _ = await send(inventory, body)
    async with inventory.session() as session:  # the gallery closes meanwhile
        view = await get_location(GALLERY, session)
    gallery = LocationBody.model_validate(view.model_dump(exclude={"code"}))
    async with inventory.runtime.units.begin() as uow:
        await put_location(GALLERY, gallery.model_copy(update={"active": False}), uow, Response())
    again, code = await send(inventory, body)
    assert (code, again) == (200, first)
    with pytest.raises(Conflict) as other:
        await send(inventory, body.model_copy(update={"quantity": 6}))
    assert other.value.reason.endswith("it differs in quantity")
    assert len(await inventory.outbox(GoodsShipped)) == 1
    assert await lots(inventory, batch.lot_code) == {"SRG-STORE": (15, 0, 0)}


async def test_refused_shipments_change_nothing(inventory: Service) -> None:
    batch = await received(inventory, GINGER, 10)
    await inventory.publish(order_placed(sku=GINGER, quantity=4))  # 4 reserved: 6 free
    changes = len(await inventory.outbox(StockChanged))
    refusals = {
        "only 6 of lot": shipment(batch, quantity=7),
        "no active location": shipment(batch, quantity=1, to_location="NOWHERE"),
        "another location": shipment(batch, quantity=1, to_location="SRG-STORE"),
        "no lot": shipment(batch, quantity=1, from_location="CLG-STORE"),
        "give a quantity": shipment(batch),
    }
    for reason, body in refusals.items():
        with pytest.raises(Rejected, match=reason):
            await send(inventory, body)
    with pytest.raises(Forbidden):  # Cilegon's administrator ships from Cilegon only
        await send(inventory, shipment(batch, quantity=1), CLG_ADMIN)
    assert await lots(inventory, batch.lot_code) == {"SRG-STORE": (10, 4, 0)}
    assert len(await inventory.outbox(StockChanged)) == changes
    assert await inventory.rows(db.TransferRow) == []


async def test_held_units_are_not_shipped(inventory: Service) -> None:
    batch = await received(inventory, SHOES, 6)
    await inventory.publish(samples.lot_held(batch, serials=batch.serials[:1], reason="mould"))
    with pytest.raises(Rejected, match=r"quarantined"):
        await send(inventory, shipment(batch, serials=batch.serials[:2]))
    assert await inventory.rows(db.TransferRow) == []


async def test_a_lot_held_in_transit_arrives_quarantined_and_its_close_releases_it(
    inventory: Service,
) -> None:
    batch = await received(inventory, GINGER, 10)
    body = shipment(batch, quantity=6)
    await send(inventory, body)
    hold = samples.lot_held(batch, reason="mould found in a sample")
    await inventory.publish(hold)
    assert await lots(inventory, batch.lot_code) == {"SRG-STORE": (4, 0, 4)}

    await arrive(inventory, body.transfer_id)

    assert await lots(inventory, batch.lot_code) == {"SRG-STORE": (4, 0, 4), GALLERY: (6, 0, 6)}
    await inventory.publish(samples.hold_closed(hold, outcome="released", reason="no mould"))
    assert await lots(inventory, batch.lot_code) == {"SRG-STORE": (4, 0, 0), GALLERY: (6, 0, 0)}
    await assert_stock_adds_up(inventory)


async def test_only_the_destination_records_the_receipt(inventory: Service) -> None:
    batch = await received(inventory, GINGER, 10)
    body = shipment(batch, quantity=2, to_location="CLG-STORE")
    await send(inventory, body, SRG_ADMIN)
    with pytest.raises(Forbidden):
        await arrive(inventory, body.transfer_id, SRG_ADMIN)
    await arrive(inventory, body.transfer_id, CLG_ADMIN)
    async with inventory.session() as session:
        mine = await list_transfers(session, CLG_ADMIN, PAGE)
    assert [t.transfer_id for t in mine.items] == [body.transfer_id]


# ---------------------------------------------------------------------------- orders


async def test_orders_take_only_from_their_channels_locations(inventory: Service) -> None:
    batch = await received(inventory, GINGER, 10)
    await send(inventory, body := shipment(batch, quantity=3))
    await arrive(inventory, body.transfer_id)
    too_many = samples.order_placed(sku=GINGER, quantity=4, locations=[GALLERY])
    fits = samples.order_placed(sku=GINGER, quantity=3, locations=[GALLERY])
    anywhere = samples.order_placed(sku=GINGER, quantity=7)

    await inventory.publish(too_many, fits, anywhere)

    [declined] = await inventory.outbox(ReservationDeclined)
    assert declined.order_id == too_many.order_id
    assert declined.reason == f"only 3 available at {GALLERY}"
    assert declined.available == 3
    reserved = {r.order_id: r.allocations for r in await inventory.outbox(StockReserved)}
    assert {a.location_code for a in reserved[fits.order_id]} == {GALLERY}
    assert {a.location_code for a in reserved[anywhere.order_id]} == {"SRG-STORE"}


async def test_units_are_taken_only_from_their_channels_locations(inventory: Service) -> None:
    batch = await received(inventory, SHOES, 4)
    await send(inventory, body := shipment(batch, serials=batch.serials[:1]))
    await arrive(inventory, body.transfer_id)
    named = samples.order_placed(
        sku=SHOES, quantity=1, serials=batch.serials[1:2], locations=[GALLERY]
    )
    two = samples.order_placed(sku=SHOES, quantity=2, locations=[GALLERY])
    one = samples.order_placed(sku=SHOES, quantity=1, locations=[GALLERY])

    await inventory.publish(named, two, one)

    reasons = {d.order_id: d.reason for d in await inventory.outbox(ReservationDeclined)}
    assert reasons == {
        named.order_id: f"units not available at {GALLERY}: {batch.serials[1]}",
        two.order_id: f"only 1 available at {GALLERY}",
    }
    [reserved] = await inventory.outbox(StockReserved)
    assert reserved.allocations[0].serials == batch.serials[:1]


async def test_a_hold_after_arrival_quarantines_the_lot_at_every_location(
    inventory: Service,
) -> None:
    batch = await received(inventory, SHOES, 6)
    body = shipment(batch, serials=batch.serials[:3])
    await send(inventory, body)
    await arrive(inventory, body.transfer_id)

    await inventory.publish(samples.lot_held(batch, reason="soles come loose"))

    assert await lots(inventory, batch.lot_code) == {"CLG-STORE": (3, 0, 3), GALLERY: (3, 0, 3)}
    states = await statuses(inventory, batch.serials[:4])
    assert {status for status, _ in states.values()} == {"quarantined"}
    await assert_stock_adds_up(inventory)


async def test_goods_of_a_hold_destroyed_in_transit_arrive_quarantined(
    inventory: Service,
) -> None:
    batch = await received(inventory, SHOES, 4)
    body = shipment(batch, serials=batch.serials[:2])
    await send(inventory, body)
    hold = samples.lot_held(batch, reason="soles come loose")
    await inventory.publish(hold)
    await inventory.publish(samples.hold_closed(hold, outcome="destroyed", reason="burnt"))
    assert await lots(inventory, batch.lot_code) == {"CLG-STORE": (0, 0, 0)}

    await arrive(inventory, body.transfer_id)

    assert await lots(inventory, batch.lot_code) == {"CLG-STORE": (0, 0, 0), GALLERY: (2, 0, 2)}
    await assert_stock_adds_up(inventory)


async def test_a_unit_qc_rejects_in_transit_arrives_out_of_stock(inventory: Service) -> None:
    batch = batch_completed(sku=SHOES, quantity=4)
    first = batch_signed_off(batch)
    await inventory.publish(first)
    body = shipment(batch, serials=batch.serials[:3])
    await send(inventory, body)
    failed = batch.serials[1]
    correction = samples.batch_signed_off(
        batch, rejected=[failed], defect=("FTW-01", "sole bonding"), supersedes=first.inspection_id
    )
    await inventory.publish(correction)

    await arrive(inventory, body.transfer_id)

    assert (await statuses(inventory, [failed]))[failed] == ("rejected", GALLERY)
    assert await lots(inventory, batch.lot_code) == {"CLG-STORE": (1, 0, 0), GALLERY: (2, 0, 0)}
    await assert_stock_adds_up(inventory)
