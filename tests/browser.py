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
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


@dataclass
class Page:
    driver: webdriver.Chrome

    def text(self, selector: str) -> str:
        return str(self.driver.find_element(By.CSS_SELECTOR, selector).text)

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
