"""Every word of the console in both languages: no key only one of them has, and every key a
template asks for exists."""

import re
from pathlib import Path

from services.console.i18n import MESSAGES
from services.console.views import NAVIGATION

TEMPLATES = Path(__file__).resolve().parents[2] / "services/console/templates"
ASKED = re.compile(r"""\bt\(\s*["']([a-z_.]+)["']""")


def test_indonesian_and_english_have_the_same_keys() -> None:
    assert set(MESSAGES["id"]) == set(MESSAGES["en"])


def test_every_key_a_template_or_the_menu_asks_for_exists() -> None:
    found = {key for page in TEMPLATES.glob("*.html") for key in ASKED.findall(page.read_text())}
    asked = {key for key in found if not key.endswith(".")}  # "role." + role: below
    asked |= {f"inspections.tracking.{tracking}" for tracking in ("unit", "lot")}
    asked |= {item.label for items in NAVIGATION.values() for item in items}
    asked |= {f"role.{role}" for role in NAVIGATION}
    assert asked, "the pattern finds the keys"
    assert asked - set(MESSAGES["id"]) == set()
