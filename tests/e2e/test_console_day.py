"""The whole day in a real browser over real processes, through the console's pages: an
administrator enrols the shoe workshop's tablet with its terminal's client credentials; the
tablet opens a batch of shoes, records output with worker codes and completes it; the QC
officer signs it off with two rejects (a defect code, the serials of the rejected pairs); the
lot is shipped to the gallery (through inventory's API: no page creates a transfer yet), the
Kanwil receives the consignment (one pair damaged), the gallery's staff sell a pair to a buyer
reference and complete the sale; the Kanwil places a hold on the lot, the gallery's stock page
loses it, and the Kanwil escalates to a recall and downloads the report naming the buyer.

Two browsers, as on the day: the office's (the tablet being enrolled, then the QC officer and
the Kanwil, one after the other) and the gallery's counter, where the staff stay signed in on
the stock page while the Kanwil places the hold. The states the tour (test_console_tour.py)
cannot reach - a refused form, a signed-off batch, a completed order - are checked with
axe-core at phone and desktop widths here, with screenshots under test-output/screenshots/.
"""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select

from jejak.demo import Jejak, wait_for
from jejak.launcher import ServiceSet
from jejak.tokens import KANWIL, Who
from shared.identity import DevCredentials
from tests.browser import DESKTOP, PHONE, TABLET, Browser, Page, chromium
from tests.e2e.test_console import sign_in
from tests.e2e.test_tablet import batch_of, fill, record, shows

pytestmark = [pytest.mark.e2e, pytest.mark.with_console]

WORKSHOP = "CLG-SPT"
SHOES = "FTW-SPT-OLR"
WORKERS = "WB-CN7Q2 WB-CN8R3"
BUYER = "BUYER-GALERI-0042"
GALLERY = "KANWIL-GALERI"
STAFF = {"channel": "GALERI-SERANG"}
SHIPPED = 3
SCREENS = {"phone": PHONE, "desktop": DESKTOP}
# No htmx request in flight nor a swap settling: what the page shows now stays.
SETTLED = "return !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"


@dataclass
class Day:
    """What the day has made so far, for its next step."""

    batch_id: str = ""
    lot_code: str = ""
    serials: list[str] = field(default_factory=list)
    transfer_id: str = ""

    @property
    def passed(self) -> list[str]:
        """The pairs QC let through (the last two are rejected)."""
        return self.serials[:-2]


@pytest.fixture(scope="module")
def day() -> Day:
    return Day()


@pytest.fixture(scope="module")
def office() -> Iterator[Browser]:
    with chromium() as opened:
        yield opened


@pytest.fixture(scope="module")
def counter() -> Iterator[Browser]:
    """The gallery's own browser: its staff stay signed in while the office works."""
    with chromium() as opened:
        yield opened


def credentials_of(system: ServiceSet) -> DevCredentials:
    return DevCredentials.load(Path(system.env["JEJAK_DATA_DIR"]) / "credentials.json")


def password_of(system: ServiceSet, role: str, **binding: str) -> tuple[str, str]:
    """A person's username and password from the development credentials."""
    for entry in credentials_of(system).principals:
        bound = all(getattr(entry, name) == value for name, value in binding.items())
        if entry.role == role and bound and entry.username and entry.password:
            return entry.username, entry.password
    raise LookupError(f"no person {role} {binding}")


def signed_in_as(
    browser: Browser, system: ServiceSet, path: str, role: str, **binding: str
) -> Page:
    """A fresh session of this person, on `path`."""
    console = system.url("console")
    browser.open(f"{console}/sign-in", accept_language="id").driver.delete_all_cookies()
    page = browser.open(f"{console}{path}", accept_language="id")
    sign_in(page, *password_of(system, role, **binding))
    return page


def enrolled_tablet(browser: Browser, system: ServiceSet, workshop: str) -> Page:
    """The browser made the workshop's tablet: the Kanwil's administrator signs in on it and
    types its terminal's client credentials into /tablet/enrol; the tablet's list of batches."""
    terminal = credentials_of(system).find("terminal", workshop=workshop)
    page = signed_in_as(browser, system, "/tablet/enrol", "kanwil_admin")
    shows(page, "h1", "Daftarkan tablet bengkel")
    fill(
        page, {"client_id": terminal.client_id or "", "client_secret": terminal.client_secret or ""}
    )
    page.click("#submit-enrol")
    shows(page, "h1", "Batch hari ini")
    assert str(terminal.client_secret) not in page.source()
    return page


def shown(
    page: Page, name: str, output_dir: Path, screens: dict[str, dict[str, float]] = SCREENS
) -> None:
    """The page at each screen size: a screenshot each (console-<name>-<screen>.png, taken
    first, to see what a failure is about), no sideways scrolling, no serious or critical
    axe-core violation."""
    browser = Browser(page.driver)
    try:
        for screen, metrics in screens.items():
            browser.resize(metrics)
            page.screenshot(output_dir / "screenshots" / f"console-{name}-{screen}.png")
            assert page.fits_the_screen(), f"{name} scrolls sideways on a {screen}"
            violations = page.accessibility_violations()
            assert not violations, f"{name} on a {screen}: " + "; ".join(violations)
    finally:
        browser.resize(PHONE)


def stock_page_shows(page: Page, what: str, seen: Callable[[Page], bool]) -> None:
    """Wait until the stock page shows `seen`. For now by its reload button (htmx swaps the
    list in place); once the page is live (SSE), drop the click: the wait is the same."""

    def now() -> bool | None:
        page.click(".heading button")
        wait_for("htmx's swap", lambda: page.driver.execute_script(SETTLED) or None)
        return seen(page) or None

    wait_for(what, now)


def listed(page: Page, element_id: str) -> bool | None:
    """Whether the page, loaded again, lists `element_id`."""
    page.driver.refresh()
    return bool(page.driver.find_elements(By.ID, element_id)) or None


def available_here(page: Page) -> str | None:
    return page.text_now(f"#stock-{SHOES} .available")


def test_an_administrator_enrols_the_tablet_which_opens_records_and_completes_a_batch(
    office: Browser, system: ServiceSet, api: Jejak, day: Day, output_dir: Path
) -> None:
    page = enrolled_tablet(office, system, WORKSHOP)
    Select(page.driver.find_element(By.ID, "sku")).select_by_value(SHOES)
    page.click("#submit-open")
    wait_for("the batch's page", lambda: "/tablet/batches/" in page.driver.current_url or None)
    day.batch_id = page.driver.current_url.rsplit("/", 1)[1]
    shows(page, "#batch-status", "terbuka")
    record(page, 4, WORKERS)
    shows(page, "#batch-quantity", "4 pair")
    record(page, 2, "WB-CN7Q2")
    shows(page, "#batch-quantity", "6 pair")
    assert batch_of(api, day.batch_id)["quantity"] == 6

    page.click("#submit-complete")
    shows(page, "#batch-status", "selesai")
    batch = batch_of(api, day.batch_id)
    day.lot_code, day.serials = batch["lot_code"], batch["serials"]
    assert page.text("#batch-lot") == day.lot_code
    assert len(day.serials) == 6
    shown(page, "tablet-completed", output_dir, {"phone": PHONE, "tablet": TABLET})


def test_the_qc_officer_signs_it_off_with_two_rejects(
    office: Browser, system: ServiceSet, day: Day, output_dir: Path
) -> None:
    page = signed_in_as(office, system, "/qc/inspections", "qc_officer", upt="CLG")
    shows(page, "h1", "Pemeriksaan yang menunggu")
    wait_for("the batch in the queue", lambda: listed(page, f"inspection-{day.batch_id}"))
    page.click(f"#inspection-{day.batch_id} h2 a")
    shows(page, "h1", f"Tanda tangan QC: {day.lot_code}")

    fill(page, {"passed_quantity": "4", "rejected_quantity": "1"})
    page.click("#submit-sign-off")
    shows(page, "#error-passed_quantity", "Lulus 4 + ditolak 1 = 5, tetapi batch ini berisi 6.")
    shown(page, "qc-sign-off-refused", output_dir)

    rejected = day.serials[-2:]
    fill(page, {"passed_quantity": "4", "rejected_quantity": "2", "quantity-FTW-01": "2"})
    fill(page, {"serials-FTW-01": " ".join(rejected)})
    page.click("#submit-sign-off")
    shows(page, "#signed-off", "Sudah ditandatangani oleh QC-CLG-07: 4 lulus, 2 ditolak.")
    shown(page, "qc-signed-off", output_dir)


def test_the_lot_is_shipped_and_the_kanwil_receives_it_at_the_gallery_one_pair_damaged(
    office: Browser, system: ServiceSet, api: Jejak, day: Day, output_dir: Path
) -> None:
    def in_store() -> bool:
        levels = api.call("inventory", "GET", f"/stock?lot={day.lot_code}", as_=KANWIL)
        return any(level["available"] >= len(day.passed) for level in levels["items"])

    wait_for("the passed pairs in Cilegon's store", in_store)
    day.transfer_id = str(uuid.uuid4())
    transfer = {
        "transfer_id": day.transfer_id,
        "from_location": "CLG-STORE",
        "to_location": GALLERY,
        "sku": SHOES,
        "lot_code": day.lot_code,
        "serials": day.passed[:SHIPPED],
    }
    api.call("inventory", "POST", "/transfers", transfer, as_=Who.upt_admin("CLG"))

    page = signed_in_as(office, system, "/transfers", "kanwil_admin")
    shows(page, "h1", "Kiriman dalam perjalanan")
    page.click(f"#transfer-{day.transfer_id} h2 a")
    shows(page, "h1", f"Penerimaan kiriman: {day.lot_code}")
    fill(page, {"damaged_serials": day.passed[2]})
    page.click("#submit-receipt")
    shows(page, "#received", "Diterima: 2 utuh, 0 kurang, 1 rusak.")
    shown(page, "kanwil-received", output_dir)


def test_the_gallery_sells_a_pair_to_a_buyer_reference_and_completes_it(
    counter: Browser, system: ServiceSet, day: Day, output_dir: Path
) -> None:
    page = signed_in_as(counter, system, "/gallery/stock", "channel", **STAFF)
    shows(page, "h1", "Stok di lokasi kami")
    stock_page_shows(page, "two pairs at the gallery", lambda page: available_here(page) == "2")

    page.click(f"#stock-{SHOES} a")
    shows(page, "h1", "Penjualan baru")
    assert (
        Select(page.driver.find_element(By.ID, "sku")).first_selected_option.get_attribute("value")
        == SHOES
    )
    page.click("#submit-sell")  # nothing filled in: said next to the fields
    shows(page, "#error-buyer_ref", "Wajib diisi.")
    assert page.text("#error-quantity") == "Wajib diisi."
    shown(page, "gallery-sell-refused", output_dir)
    fill(page, {"quantity": "1", "serials": day.passed[0], "buyer_ref": BUYER})
    page.click("#submit-sell")

    shows(page, "h1", "Pesanan")
    wait_for("inventory's confirmation", lambda: page.driver.find_elements(By.ID, "complete"))
    assert page.text("#buyer") == BUYER
    page.click("#submit-complete")
    shows(page, "#order-status", "Selesai: terjual.")
    shown(page, "gallery-order-completed", output_dir)
    page.driver.get(f"{system.url('console')}/gallery/stock")  # back at the counter's stock
    stock_page_shows(page, "one pair left", lambda page: available_here(page) == "1")


def test_the_kanwil_holds_the_lot_and_it_leaves_the_gallerys_stock_page(
    office: Browser, counter: Browser, system: ServiceSet, day: Day, output_dir: Path
) -> None:
    page = signed_in_as(office, system, "/kanwil/holds", "kanwil_admin")
    shows(page, "h1", "Penahanan dan penarikan")
    page.click("#new-hold")
    shows(page, "h1", "Tahan lot")
    fill(page, {"lot_code": day.lot_code, "reason": "sol lepas pada sampel"})
    Select(page.driver.find_element(By.ID, "defect_code")).select_by_value("FTW-01")
    page.click("#submit-hold")
    shows(page, "#hold-status", "Ditahan: tidak boleh dijual.")

    at_the_counter = counter.page()  # still on the stock page the sale left it on
    stock_page_shows(
        at_the_counter,
        "the held pair gone from the gallery's stock",
        lambda page: available_here(page) in (None, "0"),
    )
    shown(at_the_counter, "gallery-stock-held", output_dir)


def test_the_kanwil_recalls_the_lot_and_downloads_the_report_naming_the_buyer(
    office: Browser, day: Day, output_dir: Path
) -> None:
    page = office.page()  # the hold's page
    fill(page, {"reason": "cacat dipastikan"})
    page.click("#submit-recall")
    shows(page, "#hold-status", "Ditarik kembali.")

    page.click("#recall-report")
    shows(page, "h1", f"Laporan penarikan: {day.lot_code}")

    def buyer_named() -> bool | None:
        page.driver.refresh()  # trace may still be reading the sale
        return BUYER in page.source() or None

    wait_for("the buyer in the report", buyer_named)
    shown(page, "kanwil-recall-report-named", output_dir)
    csv = page.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(document.getElementById('download-csv').href).then(r => r.text()).then(done);"
    )
    assert BUYER in csv
    assert day.passed[0] in csv
