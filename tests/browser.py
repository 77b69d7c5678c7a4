"""A real browser for the pages people read: Debian's Chromium driven by Selenium, at a phone's
size. `.ci/run` installs chromium and chromium-driver when they are missing; elsewhere a test
that needs them is skipped with the reason (in CI it fails instead)."""

import base64
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

# A mid-range Android phone, the kind a buyer at an outlet scans with.
PHONE = {"width": 393, "height": 851, "pixelRatio": 2.0}
# A 10-inch tablet held upright (a workshop's, a QC officer's) and an office desktop.
TABLET = {"width": 800, "height": 1280, "pixelRatio": 1.5}
DESKTOP = {"width": 1366, "height": 900, "pixelRatio": 1.0}
# axe-core as package-lock.json pins it, committed by `make vendor` (CI needs no npm).
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SERIOUS = ("serious", "critical")
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


@dataclass
class Page:
    driver: webdriver.Chrome

    def text(self, selector: str) -> str:
        return str(self.driver.find_element(By.CSS_SELECTOR, selector).text)

    def text_now(self, selector: str) -> str | None:
        """The text of `selector` as the page holds it at this instant, None when absent: read in
        one script, so an element htmx swaps meanwhile cannot go stale between find and read."""
        script = "const e = document.querySelector(arguments[0]); return e && e.innerText;"
        text = self.driver.execute_script(script, selector)
        return None if text is None else str(text).strip()

    def source(self) -> str:
        return str(self.driver.page_source)

    def click(self, selector: str) -> None:
        self.driver.find_element(By.CSS_SELECTOR, selector).click()

    def fits_the_screen(self) -> bool:
        """Nothing wider than the phone: no sideways scrolling."""
        return bool(
            self.driver.execute_script(
                "return document.documentElement.scrollWidth <= window.innerWidth"
            )
        )

    def accessibility_violations(self) -> list[str]:
        """axe-core's serious and critical violations of the page as it is now, one line each
        (rule, impact, the first elements it names)."""
        if not self.driver.execute_script("return typeof window.axe === 'object'"):
            self.driver.execute_script(AXE.read_text(encoding="utf-8"))
        self.driver.set_script_timeout(30)
        results = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document).then(done, (error) => done({error: String(error)}));"
        )
        assert "error" not in results, results
        return [
            f"{v['id']} ({v['impact']}): {v['help']} - "
            + ", ".join(str(node["target"]) for node in v["nodes"][:3])
            for v in results["violations"]
            if v["impact"] in SERIOUS
        ]

    def screenshot(self, path: Path) -> None:
        """The whole page, not only what fits on the screen."""
        shot = self.driver.execute_cdp_cmd(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        print(f"screenshot: {path}")


@dataclass
class Browser:
    driver: webdriver.Chrome

    def open(self, url: str, *, accept_language: str) -> Page:
        """The page as a browser set to `accept_language` asks for it."""
        self.driver.execute_cdp_cmd(
            "Network.setUserAgentOverride",
            {"userAgent": self.driver.execute_script("return navigator.userAgent"),
             "acceptLanguage": accept_language},
        )  # fmt: skip
        self.driver.get(url)
        return Page(self.driver)

    def resize(self, metrics: dict[str, float]) -> None:
        """Show pages at another screen's size (PHONE, TABLET, DESKTOP): a phone's is mobile."""
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {
                "width": int(metrics["width"]),
                "height": int(metrics["height"]),
                "deviceScaleFactor": metrics["pixelRatio"],
                "mobile": metrics is PHONE,
            },
        )

    def page(self) -> Page:
        return Page(self.driver)


@contextmanager
def chromium() -> Iterator[Browser]:
    binary = next(filter(None, map(shutil.which, CHROMIUM_NAMES)), None)
    chromedriver = shutil.which("chromedriver")
    if binary is None or chromedriver is None:
        reason = (
            "needs Chromium and chromedriver (Debian: apt-get install chromium chromium-driver)"
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    options.add_experimental_option("mobileEmulation", {"deviceMetrics": PHONE})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
    driver.execute_cdp_cmd("Network.enable", {})
    try:
        yield Browser(driver)
    finally:
        driver.quit()
