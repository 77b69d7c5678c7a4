"""The Kanwil's dashboard and lineage screen against the real services: stock of every UPT by
the UPT that made it and by location, the lots on hold or recalled (not the closed ones), the
stock list as the fragment live updates refresh, and the lineage of a lot and of a unit in
both directions, down to the buyer's reference; an unknown code said at the search box."""

from uuid import uuid4

import pytest

from services.console.i18n import translator
from services.console.paging import Pager
from services.console.stock import StockView
from services.console.views import templates
from shared.contracts import BatchCompleted
from tests.builders import COBEK
from tests.console.harness import Browser, ConsoleSystem, made_and_signed_off
from tests.console.test_sign_off import error_of
from tests.waiting import eventually

GALLERY = "KANWIL-GALERI"
LIVE_CONTRACT = (
    'data-live="stock-changed"',
    'hx-trigger="jejak:stock-changed from:body"',
)


async def hold(system: ConsoleSystem, lot_code: str, serials: list[str]) -> str:
    body = {"hold_id": str(uuid4()), "lot_code": lot_code, "serials": serials, "reason": "mould"}
    placed = await system.call("quality", "POST", "/holds", body)
    assert placed.status_code == 201, placed.text
    return str(placed.json()["hold_id"])


async def sold(system: ConsoleSystem, batch: BatchCompleted, serial: str, buyer: str) -> str:
    """A unit sold on the marketplace (from the UPT's store) and completed; the order id."""
    channel = {"role": "channel", "channel": "MARKETPLACE"}
    order = {
        "order_id": str(uuid4()),
        "channel_code": "MARKETPLACE",
        "sku": batch.sku,
        "quantity": 1,
        "serials": [serial],
        "buyer_ref": buyer,
    }
    placed = await system.call("sales", "POST", "/orders", order, **channel)
    assert placed.status_code in (201, 202), placed.text
    path = f"/orders/{order['order_id']}"

    async def confirmed() -> bool:
        answer = await system.call("sales", "GET", path, **channel)
        return bool(answer.json()["status"] == "confirmed")

    await eventually("inventory's confirmation", confirmed)
    done = await system.call("sales", "POST", f"{path}/complete", {}, **channel)
    assert done.status_code == 200, done.text
    return str(order["order_id"])


async def shipped(system: ConsoleSystem, batch: BatchCompleted, serials: list[str]) -> None:
    shipment = {
        "transfer_id": str(uuid4()),
        "from_location": "CLG-STORE",
        "to_location": GALLERY,
        "sku": batch.sku,
        "lot_code": batch.lot_code,
        "serials": serials,
    }
    answer = await system.call(
        "inventory", "POST", "/transfers", shipment, role="upt_admin", upt="CLG"
    )
    assert answer.status_code == 201, answer.text


def level_row(page: str, sku: str, location: str) -> str:
    """The row of a SKU at a location in the stock list (empty: not shown)."""
    marker = f'data-sku="{sku}" data-location="{location}">'
    return page.split(marker, 1)[1].split("</tr>", 1)[0] if marker in page else ""


def available(row: str) -> int:
    """The available count of a stock row."""
    return int(row.split('class="number available"', 1)[1].split(">", 1)[1].split("<", 1)[0])


def maker_table(page: str, upt: str) -> str:
    marker = f'id="maker-{upt}"'
    return page.split(marker, 1)[1].split("</table>", 1)[0] if marker in page else ""


async def test_the_dashboard_shows_every_upts_stock_under_its_maker_and_location(
    system: ConsoleSystem, kanwil: Browser
) -> None:
    shoes = await made_and_signed_off(system, quantity=4)
    await made_and_signed_off(system, quantity=3, sku=COBEK)

    page = await kanwil.http.get("/kanwil")

    assert page.status_code == 200
    cilegon, rangkas = maker_table(page.text, "CLG"), maker_table(page.text, "RKB")
    assert "Lapas Kelas IIA Cilegon" in cilegon
    assert level_row(cilegon, shoes.sku, "CLG-STORE"), "shoes under Cilegon, at its store"
    assert available(level_row(cilegon, shoes.sku, "CLG-STORE")) == 4
    assert "Gudang Lapas Kelas IIA Cilegon" in level_row(cilegon, shoes.sku, "CLG-STORE")
    assert available(level_row(rangkas, COBEK, "RKB-STORE")) == 3
    assert not level_row(cilegon, COBEK, "RKB-STORE"), "each product under its own maker"


async def test_the_stock_list_is_the_fragment_live_updates_fetch_and_htmx_gets_it_alone(
    system: ConsoleSystem, kanwil: Browser
) -> None:
    await made_and_signed_off(system, quantity=2)

    whole = await kanwil.http.get("/kanwil")
    fragment = await kanwil.http.get("/kanwil/stock?offset=0", headers={"HX-Request": "true"})
    opened = await kanwil.http.get("/kanwil/stock?offset=0")

    for page in (whole.text, fragment.text):
        section = page.split('<section id="stock-levels"', 1)[1].split(">", 1)[0]
        assert all(attribute in section for attribute in LIVE_CONTRACT), section
        assert 'hx-get="/kanwil/stock?offset=0"' in section
    assert fragment.text.lstrip().startswith('<section id="stock-levels"'), "the fragment alone"
    assert "<html" not in fragment.text
    assert level_row(fragment.text, "FTW-SPT-OLR", "CLG-STORE")
    assert "HX-Request" in fragment.headers["vary"]
    assert "<html" in opened.text, "the address opened in a browser is the whole dashboard"


def test_a_pager_says_where_a_page_starts_and_ends_and_the_pages_around_it() -> None:
    middle, last, uncounted = (
        Pager(100, 100, 250),
        Pager(200, 100, 250),
        Pager.uncounted(0, 20, True),
    )

    assert (middle.first, middle.last, middle.previous, middle.next) == (101, 200, 0, 200)
    assert (last.first, last.last, last.previous, last.next) == (201, 250, 100, None)
    assert (uncounted.previous, uncounted.next, uncounted.counted) == (None, 20, False)
    assert not Pager(0, 100, 100).more_than_one


def test_the_dashboards_stock_pages_link_to_the_dashboard_and_refresh_their_own_page() -> None:
    view = StockView(makers=[], places={}, pager=Pager(100, 100, 250))
    html = templates.get_template("stock_levels.html").render(
        t=translator("id"), stock=view, stock_url="/kanwil/stock?offset=100", pages_url="/kanwil"
    )

    assert 'hx-get="/kanwil/stock?offset=100"' in html
    assert 'rel="prev" href="/kanwil?offset=0"' in html
    assert 'rel="next" href="/kanwil?offset=200"' in html
    assert "101-200 dari 250" in html


async def test_the_dashboard_lists_the_lots_on_hold_or_recalled_and_not_the_closed_ones(
    system: ConsoleSystem, kanwil: Browser
) -> None:
    batch = await made_and_signed_off(system, quantity=4)
    held = await hold(system, batch.lot_code, batch.serials[:1])
    recalled = await hold(system, batch.lot_code, batch.serials[1:2])
    recall = await system.call("quality", "POST", f"/holds/{recalled}/recall", {"reason": "sure"})
    assert recall.status_code == 200, recall.text
    closed = await hold(system, batch.lot_code, batch.serials[2:3])
    end = {"outcome": "destroyed", "reason": "burnt"}
    assert (await system.call("quality", "POST", f"/holds/{closed}/close", end)).status_code == 200

    page = (await kanwil.http.get("/kanwil")).text

    holds = page.split('id="open-holds"', 1)[1].split("</section>", 1)[0]
    assert f'id="hold-{held}" class="hold held"' in holds
    assert f'id="hold-{recalled}" class="hold recalled"' in holds
    assert f"hold-{closed}" not in holds
    assert "2 penahanan terbuka" in holds
    assert f"/kanwil/lineage?code={batch.lot_code}" in holds


async def test_the_lineage_of_a_lot_goes_back_to_its_workshop_and_on_to_its_buyer(
    system: ConsoleSystem, kanwil: Browser
) -> None:
    batch = await made_and_signed_off(system, quantity=4)
    await shipped(system, batch, batch.serials[2:])
    order_id = await sold(system, batch, batch.serials[0], "BUYER-MP-0042")
    held = await hold(system, batch.lot_code, batch.serials[1:2])

    async def traced() -> str:
        page = (await kanwil.http.get(f"/kanwil/lineage?code={batch.lot_code}")).text
        return page if "BUYER-MP-0042" in page else ""

    page = await eventually("the sale in trace", traced)

    backwards = page.split('id="backwards"', 1)[1].split("</section>", 1)[0]
    forwards = page.split('id="forwards"', 1)[1].split("</section>", 1)[0]
    units = page.split('id="units"', 1)[1].split("</section>", 1)[0]
    assert "Lapas Kelas IIA Cilegon" in backwards
    assert '<span class="lot">CLG-SPT</span>' in backwards
    assert "Dibuat" in backwards
    assert "4 lolos, 0 ditolak" in backwards
    assert "BUYER" not in backwards
    assert f'<dd class="lot">{batch.batch_id}</dd>' in backwards, "quality's batch of the lot"
    assert '<dd><span class="lot">QC-CLG-' in backwards, "the officer's code, never a name"
    assert "Masuk gudang" in forwards
    assert '<span class="lot">CLG-STORE</span>' in forwards
    assert f'<span class="lot">CLG-STORE</span> → <span class="lot">{GALLERY}</span>' in forwards
    assert "Terjual" in forwards
    assert "MARKETPLACE" in forwards
    assert '<span class="lot buyer">BUYER-MP-0042</span>' in forwards
    assert order_id in forwards
    assert f'href="/kanwil/holds/{held}"' in forwards
    assert "1 penahanan" in forwards
    assert units.count('<tr class="unit">') == 4, "every unit and where it is"
    assert '<td class="lot buyer">BUYER-MP-0042</td>' in units


async def test_the_lineage_of_a_unit_is_its_own_and_leads_to_its_lot(
    system: ConsoleSystem, kanwil: Browser
) -> None:
    batch = await made_and_signed_off(system, quantity=3)
    serial = batch.serials[1]

    page = (await kanwil.http.get(f"/kanwil/lineage?code={serial}")).text

    assert f'href="/kanwil/lineage?code={batch.lot_code}"' in page
    assert '<dd id="unit-status">di stok</dd>' in page
    units = page.split('id="units"', 1)[1].split("</section>", 1)[0]
    assert units.count('<tr class="unit">') == 1
    assert serial in units


async def test_the_units_of_a_large_lot_come_a_page_at_a_time(
    system: ConsoleSystem, kanwil: Browser
) -> None:
    batch = await made_and_signed_off(system, quantity=51)
    path = f"/kanwil/lineage?code={batch.lot_code}"

    first = (await kanwil.http.get(path)).text
    second = (await kanwil.http.get(f"{path}&offset=50")).text

    assert first.count('<tr class="unit">') == 50
    assert "1-50 dari 51" in first
    assert f'rel="next" href="{path}&amp;offset=50"' in first
    assert second.count('<tr class="unit">') == 1
    assert batch.serials[-1] in second.split('id="units"', 1)[1]


async def test_an_unknown_code_is_said_at_the_search_box(kanwil: Browser) -> None:
    answer = await kanwil.http.get("/kanwil/lineage?code=CLG-FTW-2611-9Z9Z")

    assert answer.status_code == 404
    assert error_of(answer.text, "code").startswith("Tidak ada lot atau unit dengan kode ini.")
    assert 'value="CLG-FTW-2611-9Z9Z"' in answer.text, "what was typed stays"


async def test_the_search_box_alone_when_no_code_is_asked(kanwil: Browser) -> None:
    page = await kanwil.http.get("/kanwil/lineage?lang=en")

    assert page.status_code == 200
    assert '<label for="code">Lot code or serial</label>' in page.text
    assert 'id="backwards"' not in page.text


@pytest.mark.parametrize("path", ["/kanwil", "/kanwil/stock", "/kanwil/lineage?code=X"])
async def test_the_kanwils_pages_are_refused_to_a_upt_administrator(
    system: ConsoleSystem, path: str
) -> None:
    async with system.browser() as browser:
        await system.signed_in(browser, "upt_admin", upt="CLG")
        answer = await browser.http.get(path)

    assert answer.status_code == 403


async def test_the_kanwil_lands_on_the_dashboard(system: ConsoleSystem) -> None:
    async with system.browser() as browser:
        await system.signed_in(browser, "kanwil_admin")
        landed = await browser.http.get("/")

    assert landed.headers["location"] == "/kanwil"
