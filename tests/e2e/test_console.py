"""The console in a real browser over real processes: a QC officer signs in and finds the
batch a workshop's terminal just completed through production's API waiting for QC; the page
at phone, tablet and desktop widths (screenshots under test-output/screenshots/), axe-core on
every page, htmx's reload, and an ended session sending the whole page to the sign-in."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By

from jejak.demo import Jejak, produce, wait_for
from jejak.launcher import ServiceSet
from jejak.tokens import Who
from shared.identity import DevCredentials
from tests.browser import DESKTOP, PHONE, TABLET, Browser, Page, chromium

pytestmark = [pytest.mark.e2e, pytest.mark.with_console]

WORKERS = ["WB-CN7Q2", "WB-CN8R3"]
SCREENS = {"phone": PHONE, "tablet": TABLET, "desktop": DESKTOP}


@pytest.fixture(scope="module")
def completed(api: Jejak) -> Any:
    """A batch of shoes a Cilegon terminal completed, waiting for QC."""
    batch = produce(api, "CLG-SPT", "FTW-SPT-OLR", [(6, WORKERS)])
    path = f"/inspections/{batch['batch_id']}"
    wait_for("the pending inspection", lambda: api.try_get("quality", path, as_=Who.officer("CLG")))
    return batch


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as opened:
        yield opened


def officer_password(system: ServiceSet) -> tuple[str, str]:
    credentials = DevCredentials.load(Path(system.env["JEJAK_DATA_DIR"]) / "credentials.json")
    officer = credentials.find("qc_officer", upt="CLG")
    assert officer.username is not None
    assert officer.password is not None
    return officer.username, officer.password


def sign_in(page: Page, username: str, password: str) -> None:
    page.driver.find_element(By.ID, "username").send_keys(username)
    page.driver.find_element(By.ID, "password").send_keys(password)
    page.click("#sign-in")
    wait_for("the page after signing in", lambda: "/sign-in" not in page.driver.current_url or None)


def shows(page: Page, selector: str, expected: str) -> None:
    """Wait until `selector`'s text is `expected` (the page may be loading or swapping)."""

    def now_shown() -> bool | None:
        try:
            return page.text(selector) == expected or None
        except (StaleElementReferenceException, NoSuchElementException):
            return None  # the old page went away, the new one is not there yet

    wait_for(f"{selector} showing {expected!r}", now_shown)


def shown(page: Page, name: str, output_dir: Path) -> None:
    """The page at every screen size: no sideways scrolling, no serious or critical axe-core
    violation, a screenshot each."""
    browser = Browser(page.driver)
    for screen, metrics in SCREENS.items():
        browser.resize(metrics)
        assert page.fits_the_screen(), f"{name} scrolls sideways on a {screen}"
        assert page.accessibility_violations() == [], f"{name} on a {screen}"
        page.screenshot(output_dir / "screenshots" / f"console-{name}-{screen}.png")
    browser.resize(PHONE)


def test_a_qc_officer_signs_in_and_sees_the_batch_the_terminal_completed(
    browser: Browser, system: ServiceSet, completed: Any, output_dir: Path
) -> None:
    console = system.url("console")
    page = browser.open(f"{console}/qc/inspections", accept_language="id")
    assert page.driver.current_url.startswith(f"{console}/sign-in?next=")
    assert page.text("h1") == "Masuk"
    shown(page, "sign-in", output_dir)

    sign_in(page, *officer_password(system))

    assert page.driver.current_url == f"{console}/qc/inspections"
    assert page.text("h1") == "Pemeriksaan yang menunggu"
    card = page.text(f"#inspection-{completed['batch_id']}")
    assert completed["lot_code"] in card
    assert "Sepatu olahraga mesh" in card
    assert "6 dilacak per unit" in card
    assert page.text("#who").startswith("Masuk sebagai qc-clg")
    shown(page, "qc-inspections", output_dir)


def test_the_reload_button_swaps_the_list_in_place_and_english_is_a_click_away(
    browser: Browser, system: ServiceSet, completed: Any, output_dir: Path
) -> None:
    console = system.url("console")
    page = browser.open(f"{console}/qc/inspections", accept_language="id")
    if "/sign-in" in page.driver.current_url:
        sign_in(page, *officer_password(system))
    page.driver.execute_script("document.body.dataset.loaded = 'once'")
    page.driver.execute_script("document.getElementById('inspections').dataset.old = 'yes'")

    page.click(".heading button")
    swapped = (
        "const list = document.getElementById('inspections'); return list && !list.dataset.old"
    )
    wait_for("htmx's swap of the list", lambda: page.driver.execute_script(swapped) or None)

    assert page.driver.execute_script("return document.body.dataset.loaded") == "once"
    assert len(page.driver.find_elements(By.CSS_SELECTOR, "header.bar")) == 1
    assert completed["lot_code"] in page.text("#inspections")

    page.click("#language")
    shows(page, "h1", "Pending inspections")
    assert page.text("#language") == "Bahasa Indonesia"
    shown(page, "qc-inspections-en", output_dir)
    page.click("#language")
    shows(page, "h1", "Pemeriksaan yang menunggu")


def test_an_ended_session_sends_the_whole_page_to_the_sign_in_and_back(
    browser: Browser, system: ServiceSet, completed: Any
) -> None:
    console = system.url("console")
    page = browser.open(f"{console}/qc/inspections", accept_language="id")
    if "/sign-in" in page.driver.current_url:
        sign_in(page, *officer_password(system))
    page.driver.delete_cookie("jejak_session")

    page.click(".heading button")  # an htmx request without a session: HX-Redirect
    wait_for("the sign-in page", lambda: "/sign-in" in page.driver.current_url or None)
    wait_for("its form", lambda: page.driver.find_elements(By.ID, "username"))

    shows(page, "h1", "Masuk")
    assert len(page.driver.find_elements(By.CSS_SELECTOR, "header.bar")) == 1
    sign_in(page, *officer_password(system))
    assert page.driver.current_url == f"{console}/qc/inspections"
    page.click("#sign-out")
    wait_for("the sign-in page", lambda: "/sign-in" in page.driver.current_url or None)
    page.driver.get(f"{console}/qc/inspections")
    assert "/sign-in" in page.driver.current_url, "signed out"


def fill(page: Page, values: dict[str, str]) -> None:
    for name, value in values.items():
        element = page.driver.find_element(By.ID, name)
        element.clear()
        element.send_keys(value)


def test_the_officer_signs_the_batch_off_with_two_rejects_and_sees_a_refusal_first(
    browser: Browser, system: ServiceSet, completed: Any, output_dir: Path
) -> None:
    console = system.url("console")
    page = browser.open(f"{console}/qc/inspections", accept_language="id")
    if "/sign-in" in page.driver.current_url:
        sign_in(page, *officer_password(system))
    page.click(f"#inspection-{completed['batch_id']} h2 a")
    shows(page, "h1", f"Tanda tangan QC: {completed['lot_code']}")
    page.click("#picker-serials-FTW-01 summary")  # the lot's serials to pick from
    shown(page, "qc-sign-off", output_dir)

    fill(page, {"passed_quantity": "5", "rejected_quantity": "0"})
    page.click("#submit-sign-off")
    shows(page, "#error-passed_quantity", "Lulus 5 + ditolak 0 = 5, tetapi batch ini berisi 6.")
    shown(page, "qc-sign-off-refused", output_dir)

    rejected = completed["serials"][-2:]
    fill(page, {"passed_quantity": "4", "rejected_quantity": "2", "quantity-FTW-01": "2"})
    fill(page, {"serials-FTW-01": " ".join(rejected)})
    page.click("#submit-sign-off")

    shows(page, "#signed-off", "Sudah ditandatangani oleh QC-CLG-07: 4 lulus, 2 ditolak.")
    page.click("#correct summary")  # the correction form, filled in with this sign-off
    shown(page, "qc-signed-off", output_dir)
    page.click("#new-hold")
    shows(page, "h1", f"Tahan lot ini: {completed['lot_code']}")
    shown(page, "qc-hold", output_dir)
    page.click("main p a")  # back to the inspection, then the queue
    page.click("main p a")
    shows(page, "h1", "Pemeriksaan yang menunggu")
    assert completed["lot_code"] not in page.text("#inspections")
