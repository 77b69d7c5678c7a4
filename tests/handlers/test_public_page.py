"""The label's link, opened by a phone (HTML), an app (JSON) or a partner (EPCIS JSON-LD)."""

import json
import re
from datetime import date

from fastapi.responses import Response

from services.trace.api import Client, resolve_lot, resolve_unit
from services.trace.negotiation import EPCIS, HTML, JSON, Language
from shared.contracts import PermitRef
from tests.builders import GINGER, batch_completed, batch_signed_off, food, received
from tests.handlers.harness import KANWIL, Service
from tests.handlers.test_trace import life_of_a_lot

BUYER = "BUYER-PG-0042"


async def open_unit(
    trace: Service, media: str, parts: dict[str, str], lang: Language = "id"
) -> Response:
    """The unit's Digital Link, as a client asking for `media` opens it, signed in as the
    Kanwil: the page and the EPCIS events stay public whoever holds the phone."""
    async with trace.session() as session:
        return await resolve_unit(
            parts["gtin"], parts["lot"], parts["serial"], session, trace.runtime, KANWIL,
            Client(media, lang),
        )  # fmt: skip


async def sold_pair(trace: Service) -> dict[str, str]:
    batch, events = life_of_a_lot(BUYER)
    await trace.publish(*events)
    return {"gtin": batch.gtin, "lot": batch.lot_code, "serial": batch.serials[0]}


def text_of(response: Response) -> str:
    return bytes(response.body).decode()


async def test_a_phone_gets_the_page_in_indonesian_with_what_a_buyer_may_know(
    trace: Service,
) -> None:
    pair = await sold_pair(trace)

    response = await open_unit(trace, HTML, pair)

    page = text_of(response)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["vary"] == "Accept, Accept-Language"
    assert '<html lang="id">' in page
    for shown in (
        "Sepatu olahraga mesh",
        "Alas kaki",
        "Bengkel sepatu, Lapas Kelas IIA Cilegon",
        "Lulus pemeriksaan mutu",
        "GALERI-SERANG",
        "pembinaan kemandirian",
        pair["lot"],
        pair["serial"],
    ):
        assert shown in page, shown
    assert re.search(r'id="made-in">(Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|'
                     r"September|Oktober|November|Desember) 20\d\d<", page)  # fmt: skip
    assert BUYER not in page
    assert "order_id" not in page
    assert "Izin pangan" not in page, "shoes are not food"
    assert len(response.body) < 100_000
    assert not re.search(r"<script|https?://(?!127\.0\.0\.1)", page), "no script, no CDN"


async def test_the_same_link_in_english(trace: Service) -> None:
    pair = await sold_pair(trace)

    page = text_of(await open_unit(trace, HTML, pair, "en"))

    assert '<html lang="en">' in page
    assert "Passed the quality check" in page
    assert "Footwear" in page
    assert 'href="?lang=id"' in page


async def test_an_app_gets_the_public_json_and_a_partner_the_epcis_events(trace: Service) -> None:
    pair = await sold_pair(trace)

    app = await open_unit(trace, JSON, pair)
    partner = await open_unit(trace, EPCIS, pair)

    assert json.loads(bytes(app.body))["serial"] == pair["serial"]
    assert BUYER in text_of(app), "as for /trace/{code}, the Kanwil's JSON names the buyer"
    assert partner.headers["content-type"].startswith(EPCIS)
    document = json.loads(bytes(partner.body))
    assert document["type"] == "EPCISDocument"
    assert BUYER not in text_of(partner)


async def test_an_unknown_unit_gets_a_404_page_and_a_bad_gtin_a_400_page(trace: Service) -> None:
    pair = await sold_pair(trace)

    unknown = await open_unit(trace, HTML, pair | {"serial": "CLG-2611-9999-0001"})
    bad_gtin = await open_unit(trace, HTML, pair | {"gtin": pair["gtin"][:-1] + "0"})
    too_long = await open_unit(trace, HTML, pair | {"serial": "X" * 21}, "en")

    assert unknown.status_code == 404
    assert "Produk tidak ditemukan" in text_of(unknown)
    assert bad_gtin.status_code == 400
    assert "the check digit should be" in text_of(bad_gtin)
    assert too_long.status_code == 400
    assert "GS1 allows 1 to 20" in text_of(too_long)
    assert "Not a valid label code" in text_of(too_long)


async def test_a_food_lots_page_shows_its_journey_and_its_permits(trace: Service) -> None:
    ginger = batch_completed(sku=GINGER, quantity=120)
    signed = batch_signed_off(ginger, rejected_quantity=3)
    await trace.publish(ginger, signed, received(signed))

    async with trace.session() as session:
        response = await resolve_lot(
            ginger.gtin, ginger.lot_code, session, trace.runtime, None, Client(HTML, "id")
        )

    page = text_of(response)
    assert "117 dari 120 lulus" in page
    for permit in ("Izin pangan", "Nomor P-IRT", "Sertifikat halal"):
        assert permit in page
    assert "Pangan olahan" in page
    journey = re.findall(r'<span class="step">([^<]+)</span>', page)
    assert journey == ["Selesai dibuat", "Diperiksa mutunya", "Masuk gudang"]


async def test_a_food_lots_page_and_json_show_its_dates_and_the_permits_it_passed_under(
    trace: Service,
) -> None:
    ginger = food(
        batch_completed(sku=GINGER, quantity=20),
        production_date=date(2026, 11, 2),
        best_before=date(2027, 5, 2),
    )
    permits = [
        PermitRef(
            kind="spp-irt",
            number="2367302012500202-30",
            issuer="Pemerintah Kota Serang (DPMPTSP)",
            expires_on=date(2029, 12, 31),
        ),
        PermitRef(kind="halal", number="ID36730002", issuer="BPJPH", expires_on=date(2029, 1, 1)),
    ]
    signed = batch_signed_off(ginger).model_copy(update={"permits": permits})
    await trace.publish(ginger, signed, received(signed))

    async def opened(media: str, lang: Language = "id") -> str:
        async with trace.session() as session:
            return text_of(
                await resolve_lot(
                    ginger.gtin, ginger.lot_code, session, trace.runtime, None, Client(media, lang)
                )
            )

    page, english, document = await opened(HTML), await opened(HTML, "en"), await opened(JSON)

    for shown in (
        "Tanggal produksi",
        "2 November 2026",
        "Baik digunakan sebelum",
        "2 Mei 2027",
        "2367302012500202-30 · Pemerintah Kota Serang (DPMPTSP)",
        "berlaku sampai 31 Desember 2029",
        "ID36730002 · BPJPH",
    ):
        assert shown in page
    assert "belum tercatat" not in page
    assert "Best before" in english
    assert "valid until 1 January 2029" in english
    assert json.loads(document)["food"] == {
        "production_date": "2026-11-02",
        "best_before": "2027-05-02",
        "permits": [permit.model_dump(mode="json") for permit in permits],
    }
