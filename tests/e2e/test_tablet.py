"""The workshop tablet in a real browser over real processes: the Kanwil's administrator enrols
it with the shoe workshop's terminal credentials; it opens a batch of shoes, records output and
completes it; then, with the network taken away, it queues three outputs in IndexedDB, the page
is closed and opened again (from the service worker's cache), the network comes back, and
production has each output exactly once, the queue shown empty. A batch opened offline gets a
page of its own from the queue, its output and completion queued after the opening and applied
once when the network comes back; a refused opening refuses them too. The label sheet downloads
with its progress beside the link. Every page at phone and tablet widths (screenshots under
test-output/screenshots/) and through axe-core."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from jejak.demo import Jejak, wait_for
from jejak.launcher import ServiceSet
from jejak.tokens import Who
from shared.identity import DevCredentials
from tests.browser import PHONE, TABLET, Browser, Page, chromium

pytestmark = [pytest.mark.e2e, pytest.mark.with_console]

WORKSHOP = "CLG-SPT"
SHOES = "FTW-SPT-OLR"
SCREENS = {"phone": PHONE, "tablet": TABLET}
OFFLINE = {"offline": True, "latency": 0, "download_throughput": 0, "upload_throughput": 0}
ONLINE = {"offline": False, "latency": 0, "download_throughput": -1, "upload_throughput": -1}
SLOW = ONLINE | {"download_throughput": 2048}  # bytes a second: a label sheet takes a while


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as opened:
        yield opened


@pytest.fixture(scope="module")
def credentials(system: ServiceSet) -> DevCredentials:
    return DevCredentials.load(Path(system.env["JEJAK_DATA_DIR"]) / "credentials.json")


def shown(page: Page, name: str, output_dir: Path) -> None:
    """The page at phone and tablet widths: no sideways scrolling, no serious or critical
    axe-core violation, a screenshot each."""
    browser = Browser(page.driver)
    for screen, metrics in SCREENS.items():
        browser.resize(metrics)
        assert page.fits_the_screen(), f"{name} scrolls sideways on a {screen}"
        assert page.accessibility_violations() == [], f"{name} on a {screen}"
        page.screenshot(output_dir / "screenshots" / f"console-{name}-{screen}.png")
    browser.resize(TABLET)


def shows(page: Page, selector: str, expected: str) -> None:
    """Wait until `selector`'s text is `expected`; while the page is being replaced (a
    navigation, tablet.js's refresh) the element may be gone or not yet there."""

    def now_shown() -> bool | None:
        try:
            return page.text(selector) == expected or None
        except WebDriverException:  # stale, missing, or a node of the page just left
            return None

    wait_for(f"{selector} showing {expected!r}", now_shown)


def fill(page: Page, values: dict[str, str]) -> None:
    for name, value in values.items():
        element = page.driver.find_element(By.ID, name)
        element.clear()
        element.send_keys(value)


def waiting(page: Page) -> str | None:
    """How many submissions the queue shows waiting (once tablet.js has shown it)."""
    found = page.driver.execute_script(
        "return document.getElementById('queue').dataset.waitingCount"
    )
    return None if found is None else str(found)


def queue_shows(page: Page, count: int, timeout_s: float = 30) -> None:
    wait_for(f"{count} waiting", lambda: waiting(page) == str(count) or None, timeout_s)


def served_offline(page: Page, never_cached: str) -> bool:
    """Whether the service worker answers from its cache: a page it never kept comes back as
    the kept list of the day's batches (the network, if it reached it, would answer 404)."""
    answer = page.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(r => r.text()).then(done, e => done(String(e)));",
        never_cached,
    )
    return "Batch hari ini" in str(answer)


def record(page: Page, quantity: int, workers: str) -> None:
    fill(page, {"quantity": str(quantity), "worker_codes": workers})
    page.click("#submit-output")


def batch_of(api: Jejak, batch_id: str) -> Any:
    return api.try_get("production", f"/batches/{batch_id}", as_=Who.terminal(WORKSHOP))


def enrolled(browser: Browser, system: ServiceSet, credentials: DevCredentials) -> Page:
    """The tablet's page, enrolling the browser first if it is not yet."""
    console = system.url("console")
    page = browser.open(f"{console}/tablet", accept_language="id")
    if "/sign-in" not in page.driver.current_url:
        return page
    admin = credentials.find("kanwil_admin")
    page.driver.get(f"{console}/sign-in?next=/tablet/enrol")
    fill(page, {"username": admin.username or "", "password": admin.password or ""})
    page.click("#sign-in")
    shows(page, "h1", "Daftarkan tablet bengkel")
    return page


def test_the_tablet_is_enrolled_opens_a_batch_of_shoes_records_output_and_completes_it(
    browser: Browser,
    system: ServiceSet,
    credentials: DevCredentials,
    api: Jejak,
    output_dir: Path,
) -> None:
    page = enrolled(browser, system, credentials)
    shown(page, "tablet-enrol", output_dir)
    terminal = credentials.find("terminal", workshop=WORKSHOP)
    fill(page, {"client_id": terminal.client_id or "", "client_secret": "wrong"})
    page.click("#submit-enrol")
    shows(page, "#error-client_id", "Layanan identitas menolak client id atau secret ini.")
    fill(
        page, {"client_id": terminal.client_id or "", "client_secret": terminal.client_secret or ""}
    )
    page.click("#submit-enrol")
    shows(page, "h1", "Batch hari ini")
    assert str(terminal.client_secret) not in page.source()
    assert page.driver.execute_script("return window.localStorage.length") == 0
    shown(page, "tablet-batches", output_dir)

    Select(page.driver.find_element(By.ID, "sku")).select_by_value(SHOES)
    page.click("#submit-open")
    wait_for("the batch's page", lambda: "/tablet/batches/" in page.driver.current_url or None)
    batch_id = page.driver.current_url.rsplit("/", 1)[1]
    shows(page, "#batch-status", "terbuka")

    record(page, 6, "WB-CN7Q2 WB-CN8R3")
    shows(page, "#batch-quantity", "6 pair")
    assert batch_of(api, batch_id)["quantity"] == 6
    shown(page, "tablet-batch", output_dir)

    record(page, 2, "Budi")  # a name, not a code: production refuses, the queue says why
    wait_for("the refusal", lambda: page.driver.find_elements(By.CSS_SELECTOR, "li.refused"))
    refused = page.text("#queue-list li.refused")
    assert refused.startswith("ditolak Catat hasil: 2 · Budi"), refused
    assert "Isian ini ditolak." in refused, refused
    assert "pattern" in refused, refused
    assert batch_of(api, batch_id)["quantity"] == 6
    shown(page, "tablet-refused", output_dir)
    page.click("#queue-list li.refused button")  # the operator has read it
    wait_for("the refusal removed", lambda: not page.driver.find_elements(
        By.CSS_SELECTOR, "li.refused") or None)  # fmt: skip

    page.click("#submit-complete")
    shows(page, "#batch-status", "selesai")
    lot = batch_of(api, batch_id)["lot_code"]
    assert page.text("#batch-lot") == lot
    assert page.driver.find_elements(By.CSS_SELECTOR, "form#record-output, form#complete") == []
    labels = page.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(document.getElementById('labels').href)"
        ".then(r => done([r.status, r.headers.get('content-type'),"
        " r.headers.get('content-length')]), e => done([0, String(e), null]));"
    )
    assert labels[:2] == [200, "application/pdf"]
    page.driver.set_network_conditions(**SLOW)  # download.js: its progress beside the link
    page.click("#labels")
    bar = wait_for("the progress bar", lambda: page.driver.find_elements(
        By.CSS_SELECTOR, "#labels-status progress"))[0]  # fmt: skip
    assert bar.get_attribute("max") == labels[2], "counted against the Content-Length"
    wait_for("the sheet saved", lambda: page.driver.find_elements(
        By.CSS_SELECTOR, "#labels-status[data-state=saved]") or None)  # fmt: skip
    page.driver.set_network_conditions(**ONLINE)
    assert page.text("#labels-status") == f"Tersimpan: labels-{lot}.pdf."
    assert page.driver.find_element(By.ID, "labels-status").get_attribute("aria-live") == "polite"
    shown(page, "tablet-completed", output_dir)
    page.driver.execute_script(  # a sheet the console cannot give: said beside the link
        "document.getElementById('labels').href = arguments[0]",
        "/tablet/batches/00000000-0000-4000-8000-000000000000/labels.pdf",
    )
    page.click("#labels")
    wait_for("the refusal said", lambda: page.driver.find_elements(
        By.CSS_SELECTOR, "#labels-status[data-state=failed]") or None)  # fmt: skip
    assert page.text("#labels-status").startswith("Berkas tidak dapat diunduh (HTTP 404)."), (
        page.text("#labels-status")
    )


def test_offline_three_outputs_wait_in_the_queue_and_are_applied_exactly_once(
    browser: Browser,
    system: ServiceSet,
    credentials: DevCredentials,
    api: Jejak,
    output_dir: Path,
) -> None:
    page = enrolled(browser, system, credentials)
    if page.driver.find_elements(By.ID, "client_id"):
        terminal = credentials.find("terminal", workshop=WORKSHOP)
        fill(
            page,
            {"client_id": terminal.client_id or "", "client_secret": terminal.client_secret or ""},
        )
        page.click("#submit-enrol")
        shows(page, "h1", "Batch hari ini")
    Select(page.driver.find_element(By.ID, "sku")).select_by_value(SHOES)
    page.click("#submit-open")
    wait_for("the batch's page", lambda: "/tablet/batches/" in page.driver.current_url or None)
    batch_url = page.driver.current_url
    batch_id = batch_url.rsplit("/", 1)[1]
    record(page, 5, "WB-CN7Q2")
    shows(page, "#batch-quantity", "5 pair")
    wait_for("the service worker", lambda: page.driver.execute_script(
        "return navigator.serviceWorker.controller !== null") or None)  # fmt: skip
    page.driver.get(batch_url)  # the page as the worker keeps it
    wait_for("the queue shown", lambda: waiting(page) == "0" or None)

    page.driver.set_network_conditions(**OFFLINE)
    wait_for("the page offline", lambda: page.driver.execute_script(
        "return navigator.onLine === false") or None)  # fmt: skip
    for queued, (quantity, workers) in enumerate(
        ((1, "WB-CN7Q2"), (2, "WB-CN8R3"), (4, "WB-CN7Q2 WB-CN8R3")), start=1
    ):
        record(page, quantity, workers)
        queue_shows(page, queued)
    assert "3 menunggu" in page.text("#queue-status")
    shown(page, "tablet-offline", output_dir)
    assert batch_of(api, batch_id)["quantity"] == 5, "nothing reached production offline"

    reopened_offline(page, batch_url)
    wait_for("the queue read back", lambda: waiting(page) == "3" or None)
    assert served_offline(page, "/tablet/batches/00000000-0000-4000-8000-000000000000")
    assert len(page.driver.find_elements(By.CSS_SELECTOR, "#queue-list li.waiting")) == 3

    page.driver.set_network_conditions(**ONLINE)
    wait_for("the queue sent", lambda: waiting(page) == "0" or None, timeout_s=60)
    assert len(page.driver.find_elements(By.CSS_SELECTOR, "#queue-list li.sent")) == 3
    shows(page, "#batch-quantity", "12 pair")
    assert batch_of(api, batch_id)["quantity"] == 5 + 1 + 2 + 4, "each output exactly once"

    page.driver.get(batch_url)  # opened again: sent entries were shown, the queue is empty
    wait_for("the queue shown", lambda: waiting(page) == "0" or None)
    assert page.driver.find_elements(By.CSS_SELECTOR, "#queue-list li") == []
    assert batch_of(api, batch_id)["quantity"] == 12
    shown(page, "tablet-back-online", output_dir)


def kept_for_offline(page: Page, path: str) -> bool:
    """Whether the tablet's cache holds `path` (tablet.js keeps it while online)."""
    return bool(
        page.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "caches.match(arguments[0], {ignoreVary: true})"
            ".then(r => done(Boolean(r)), () => done(false));",
            path,
        )
    )


def opened_offline(page: Page, sku: str) -> str:
    """Open a batch of `sku` with the network away: the page of the queued batch, its id."""
    page.driver.get(page.driver.current_url.split("/tablet", 1)[0] + "/tablet")
    wait_for("the queue shown", lambda: waiting(page) is not None or None)
    wait_for("the queued batch's page kept", lambda: kept_for_offline(page, "/tablet/queued-batch")
             or None)  # fmt: skip
    page.driver.set_network_conditions(**OFFLINE)
    wait_for("the page offline", lambda: page.driver.execute_script(
        "return navigator.onLine === false") or None)  # fmt: skip
    page.driver.execute_script(  # what the select offers, or (to be refused) another's product
        "const select = document.getElementById('sku'); select.options[0].value = arguments[0];"
        "select.selectedIndex = 0;",
        sku,
    )
    page.click("#submit-open")
    wait_for("the queued batch's page", lambda: "/tablet/queued-batch#" in page.driver.current_url
             or None)  # fmt: skip
    queue_shows(page, 1)
    return str(page.driver.current_url.rsplit("#", 1)[1])


def reopened_offline(page: Page, url: str) -> None:
    """Close the page and open `url` again in a new tab, the network still away."""
    first = page.driver.current_window_handle
    page.driver.switch_to.new_window("tab")
    again = page.driver.current_window_handle
    page.driver.switch_to.window(first)
    page.driver.close()
    page.driver.switch_to.window(again)
    page.driver.set_network_conditions(**OFFLINE)
    page.driver.get(url)


def test_offline_a_batch_is_opened_recorded_and_completed_then_applied_once_in_order(
    browser: Browser,
    system: ServiceSet,
    credentials: DevCredentials,
    api: Jejak,
    output_dir: Path,
) -> None:
    page = enrolled(browser, system, credentials)
    batch_id = opened_offline(page, SHOES)
    shows(page, "#queued-title", "Sepatu olahraga mesh (dalam antrean)")
    record(page, 3, "WB-CN7Q2")
    queue_shows(page, 2)
    record(page, 4, "WB-CN8R3")
    queue_shows(page, 3)
    wait_for("what was recorded, counted", lambda: page.text("#queued-batch").endswith(
        "7 pair dicatat, menunggu dikirim.") or None)  # fmt: skip
    shown(page, "tablet-queued-batch", output_dir)
    page.click("#submit-complete")
    queue_shows(page, 4)
    assert not page.driver.find_element(By.ID, "record-output").is_displayed(), "completed"
    assert batch_of(api, batch_id) is None, "nothing reached production offline"

    reopened_offline(page, page.driver.current_url)
    wait_for("the queue read back", lambda: waiting(page) == "4" or None)
    shows(page, "#queued-title", "Sepatu olahraga mesh (dalam antrean)")
    switch = str(page.driver.find_element(By.ID, "language").get_attribute("href"))
    assert switch.endswith(f"#{batch_id}"), "the English page of the same batch"
    shows(
        page, "#queued-completing", "Penyelesaian batch ini menunggu di antrean, sesudah hasilnya."
    )

    page.driver.set_network_conditions(**ONLINE)
    wait_for("the batch's own page", lambda: page.driver.current_url.endswith(
        f"/tablet/batches/{batch_id}") or None, timeout_s=60)  # fmt: skip
    shows(page, "#batch-status", "selesai")
    wait_for("the queue shown", lambda: waiting(page) == "0" or None)
    assert page.driver.find_elements(By.CSS_SELECTOR, "#queue-list li") == [], "sent, then gone"
    batch = batch_of(api, batch_id)
    assert (batch["status"], batch["quantity"]) == ("completed", 7), "each applied exactly once"
    assert page.text("#batch-quantity") == "7 pair"


def test_offline_an_opening_refused_refuses_what_was_queued_for_its_batch(
    browser: Browser,
    system: ServiceSet,
    credentials: DevCredentials,
    api: Jejak,
    output_dir: Path,
) -> None:
    page = enrolled(browser, system, credentials)
    batch_id = opened_offline(page, "KYU-MJT-HPL")  # the furniture workshop's product
    record(page, 2, "WB-CN7Q2")
    queue_shows(page, 2)

    page.driver.set_network_conditions(**ONLINE)
    wait_for("both refused", lambda: len(page.driver.find_elements(
        By.CSS_SELECTOR, "#queue-list li.refused")) == 2 or None, timeout_s=60)  # fmt: skip
    opening, output = (item.text for item in page.driver.find_elements(
        By.CSS_SELECTOR, "#queue-list li.refused"))  # fmt: skip
    assert opening.startswith("ditolak Buka batch"), opening
    assert "Batchnya tidak dibuka: pembukaannya ditolak" in output, output
    wait_for("the page says so", lambda: page.driver.find_element(
        By.ID, "queued-refused").is_displayed() or None)  # fmt: skip
    assert not page.driver.find_element(By.ID, "record-output").is_displayed()
    assert batch_of(api, batch_id) is None
    assert waiting(page) == "0"
    shown(page, "tablet-queued-refused", output_dir)
