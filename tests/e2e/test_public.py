"""What anyone may read, from a running system: the page a buyer's phone opens from a label, in
a real browser, and no worker code, buyer reference or order id in any public answer."""

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from jejak.demo import Jejak, produce, sell, sign_off, wait_for
from jejak.tokens import KANWIL
from tests.browser import Browser, chromium
from tests.e2e.test_scenario import wait_for_lot_in_stock

WORKERS = ["WB-PB7Q2", "WB-PB8R3"]
BUYERS = ["BUYER-PUB-0001", "BUYER-PUB-0002"]
WORKER_CODE = re.compile(r"WB-[A-Z0-9]{4,8}")
HTML_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def sold(api: Jejak) -> dict[str, Any]:
    """Shoes and bread made, checked, stocked and partly sold; what the public may look up."""
    shoes = produce(api, "CLG-SPT", "FTW-SPT-OLR", [(6, WORKERS)])
    rejected = {"defect_code": "FTW-01", "quantity": 1, "serials": shoes["serials"][-1:]}
    sign_off(api, shoes, [rejected])
    wait_for_lot_in_stock(api, shoes["lot_code"])
    pair = sell(api, "MARKETPLACE", "FTW-SPT-OLR", 1, BUYERS[0], shoes["serials"][:1])
    bread = produce(api, "CLG-ROT", "PAN-ROT-001", [(40, WORKERS)])
    sign_off(api, bread, [])
    wait_for_lot_in_stock(api, bread["lot_code"])
    loaf = sell(api, "E-KATALOG", "PAN-ROT-001", 3, BUYERS[1])
    serial = shoes["serials"][0]
    unit = wait_for(
        f"the sale of {serial} in its trace",
        lambda: (t := api.try_get("trace", f"/trace/{serial}")) and t["status"] == "sold" and t,
    )
    lot = api.call("trace", "GET", f"/trace/{bread['lot_code']}")
    return {
        "unit": unit,
        "bread": lot,
        "serial": serial,
        "rejected": shoes["serials"][-1],
        "order_ids": [pair["order_id"], loaf["order_id"]],
    }


def public_answers(api: Jejak, sold: dict[str, Any]) -> Iterator[tuple[str, int, httpx.Response]]:
    """Every public way to read a unit or a lot, in every form, without a token: what was
    asked, the status it must get and the answer."""
    trace = api.urls["trace"]
    unit_link, lot_link = sold["unit"]["digital_link"], sold["bread"]["digital_link"]
    gtin = sold["unit"]["product"]["gtin"]
    links = [
        urlsplit(unit_link).path,
        urlsplit(lot_link).path,
        f"/01/{gtin}/21/{sold['serial']}",
        f"/01/{gtin}/21/{sold['rejected']}",
    ]
    paths = [f"/trace/{sold['serial']}", f"/trace/{sold['bread']['lot_code']}", *links]
    for path in paths:
        for accept in ("application/json", HTML_ACCEPT, "application/ld+json"):
            for language in ("id", "en"):
                headers = {"Accept": accept, "Accept-Language": language}
                what = f"{path} ({accept[:16]}, {language})"
                yield what, 200, httpx.get(trace + path, headers=headers)
    for query in (f"lot={sold['bread']['lot_code']}", f"serial={sold['serial']}", "per_page=1000"):
        yield f"/epcis/events?{query}", 200, httpx.get(f"{trace}/epcis/events?{query}")
    unknown = f"{trace}/01/{gtin}/21/CLG-2611-9999-0001"
    yield "a 404 page", 404, httpx.get(unknown, headers={"Accept": HTML_ACCEPT})


def test_no_public_answer_names_a_worker_a_buyer_or_an_order(
    api: Jejak, sold: dict[str, Any]
) -> None:
    private = [*WORKERS, *BUYERS, *sold["order_ids"]]
    kanwil_view = json.dumps(api.call("trace", "GET", f"/trace/{sold['serial']}", as_=KANWIL))
    assert BUYERS[0] in kanwil_view, "the Kanwil's own view does name the buyer"

    answers = list(public_answers(api, sold))

    assert len(answers) == 40
    for what, status, response in answers:
        assert response.status_code == status, (what, response.status_code, response.text)
        body = response.text
        assert not [p for p in private if p in body], f"{what} names {private}"
        assert not WORKER_CODE.search(body), f"{what} carries a worker code"
        assert "buyer_ref" not in body, what
        assert "order_id" not in body, what


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as opened:
        yield opened


def test_a_buyers_phone_opens_the_sold_pairs_page_in_indonesian(
    browser: Browser, sold: dict[str, Any], output_dir: Any
) -> None:
    page = browser.open(sold["unit"]["digital_link"], accept_language="id-ID,id")

    assert page.text("#product") == "Sepatu olahraga mesh"
    assert page.text("#made-by") == "Bengkel sepatu, Lapas Kelas IIA Cilegon"
    assert page.text("#qc").startswith("Lulus pemeriksaan mutu")
    assert page.text("#sold").startswith("MARKETPLACE")
    assert "pembinaan kemandirian" in page.text("#programme")
    assert page.fits_the_screen()
    assert BUYERS[0] not in page.source()
    page.screenshot(output_dir / "screenshots" / "public-page-id.png")


def test_the_same_page_in_english_by_the_browsers_language_and_by_its_link(
    browser: Browser, sold: dict[str, Any], output_dir: Any
) -> None:
    page = browser.open(sold["unit"]["digital_link"], accept_language="en-US,en")
    assert page.text("#qc").startswith("Passed the quality check")

    page = browser.open(sold["unit"]["digital_link"], accept_language="id-ID,id")
    page.click("#other-language")

    assert page.text("#qc").startswith("Passed the quality check")
    assert page.text("#other-language") == "Bahasa Indonesia"
    assert page.fits_the_screen()
    page.screenshot(output_dir / "screenshots" / "public-page-en.png")


def test_a_food_lots_page_and_an_unknown_label_in_the_browser(
    browser: Browser, sold: dict[str, Any], output_dir: Any
) -> None:
    page = browser.open(sold["bread"]["digital_link"], accept_language="id")
    assert page.text("#product") == "Roti manis"
    assert "Nomor P-IRT" in page.text("#permits")
    page.screenshot(output_dir / "screenshots" / "public-page-lot-id.png")

    gtin = sold["unit"]["product"]["gtin"]
    unknown = sold["unit"]["digital_link"].split("/01/")[0] + f"/01/{gtin}/21/CLG-2611-9999-0001"
    page = browser.open(unknown, accept_language="id")
    assert page.text("#problem") == "Produk tidak ditemukan"
    page.screenshot(output_dir / "screenshots" / "not-found-id.png")
