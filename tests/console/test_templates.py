"""What every template must do that a browser test sees only when a page happens to need it:
a table that may scroll sideways on a phone is a region a keyboard can reach and a screen
reader can name (axe-core's scrollable-region-focusable, which fires only once it scrolls)."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "services/console/templates"
WRAPPER = re.compile(r"<div[^>]*\bclass=\"table-wrap\"[^>]*>")


def test_every_scrolling_table_can_be_reached_by_keyboard_and_has_a_name() -> None:
    wrappers = {
        f"{page.name}: {tag}"
        for page in TEMPLATES.glob("*.html")
        for tag in WRAPPER.findall(page.read_text())
    }
    assert wrappers, "the pattern finds the tables"
    unreachable = {
        found
        for found in wrappers
        if 'tabindex="0"' not in found
        or 'role="region"' not in found
        or not re.search(r"aria-label(ledby)?=", found)
    }
    assert unreachable == set()
