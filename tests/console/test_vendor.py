"""The front-end files committed in the repository are the ones package-lock.json pins: htmx,
which the console serves, and axe-core, which the browser tests inject. `make vendor` (npm ci,
then a copy) writes them; neither `make run` nor CI runs npm."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCK = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
HTMX = ROOT / "services/console/static/vendor/htmx.min.js"
AXE = ROOT / "tests/vendor/axe.min.js"


def locked(package: str) -> str:
    version: str = LOCK["packages"][f"node_modules/{package}"]["version"]
    return version


def test_the_lock_pins_what_package_json_asks_for() -> None:
    manifest = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    asked = {**manifest["dependencies"], **manifest["devDependencies"]}
    assert LOCK["packages"][""]["dependencies"] == manifest["dependencies"]
    assert {name: locked(name) for name in asked} == asked, "run `make vendor` (npm install)"


def test_the_served_htmx_is_the_locked_version() -> None:
    found = re.search(rb'version:"([0-9.]+)"', HTMX.read_bytes())
    assert found is not None, f"{HTMX} names no version"
    assert found.group(1).decode() == locked("htmx.org"), "run `make vendor` and commit"


def test_the_injected_axe_core_is_the_locked_version() -> None:
    found = re.match(rb"/\*! axe v([0-9.]+)", AXE.read_bytes())
    assert found is not None, f"{AXE} names no version"
    assert found.group(1).decode() == locked("axe-core"), "run `make vendor` and commit"


@pytest.mark.parametrize(
    ("copy", "source"),
    [(HTMX, "node_modules/htmx.org/dist/htmx.min.js"), (AXE, "node_modules/axe-core/axe.min.js")],
)
def test_the_committed_copies_are_the_installed_files_where_npm_installed_them(
    copy: Path, source: str
) -> None:
    installed = ROOT / source
    if not installed.exists():
        pytest.skip("no node_modules here (`make vendor` makes it); the versions are checked")
    assert copy.read_bytes() == installed.read_bytes(), "run `make vendor` and commit"
