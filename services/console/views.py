"""Rendering a page: the frame every page shares (navigation of the person's role, the
language switch, sign-out) around a template, in the person's language."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from services.console.db import SessionRow
from services.console.i18n import LANGUAGE_COOKIE, LANGUAGES, language_of, translator
from shared.identity import Role

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
LANGUAGE_COOKIE_AGE_S = 365 * 86_400


@dataclass(frozen=True)
class NavItem:
    path: str
    label: str  # a key of i18n.MESSAGES
    landing: bool = True  # False: in the menu, but not where the person lands (an occasional task)


# The pages of each role, in menu order; the first is where a person lands after signing in.
# A role without pages yet lands on the home page, which says so.
NAVIGATION: dict[Role, tuple[NavItem, ...]] = {
    "qc_officer": (NavItem("/qc/inspections", "nav.inspections"),),
    "upt_admin": (  # upt.py
        NavItem("/upt/stock", "nav.stock"),
        NavItem("/upt/inspections", "nav.batches"),
        NavItem("/upt/recalls", "nav.recalls"),
        NavItem("/transfers", "nav.transfers"),
        NavItem("/tablet/enrol", "nav.enrol", landing=False),
    ),
    "kanwil_admin": (  # kanwil.py, recall.py
        NavItem("/kanwil", "nav.dashboard"),
        NavItem("/kanwil/lineage", "nav.lineage"),
        NavItem("/kanwil/holds", "nav.holds"),
        NavItem("/transfers", "nav.transfers"),
        NavItem("/tablet/enrol", "nav.enrol", landing=False),
        NavItem("/kanwil/identities", "nav.identities", landing=False),
        NavItem("/kanwil/ops", "nav.ops", landing=False),
        NavItem("/kanwil/master", "nav.master", landing=False),
        NavItem("/kanwil/permits", "nav.permits", landing=False),
    ),
    "terminal": (NavItem("/tablet", "nav.tablet"),),
    "channel": (  # the staff of a channel's counter (gallery.py)
        NavItem("/gallery/stock", "nav.stock"),
        NavItem("/gallery/sell", "nav.sell"),
    ),
}


def landing_page(role: Role) -> str:
    landings = [item.path for item in NAVIGATION[role] if item.landing]
    return landings[0] if landings else "/home"


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """`template` in the frame, in the person's language; `?lang=` also sets the cookie."""
    language = language_of(request)
    other = next(code for code in LANGUAGES if code != language)
    row: SessionRow | None = getattr(request.state, "session", None)
    person = row.person if row is not None else None
    navigation = NAVIGATION[person.role] if person is not None else ()
    response = templates.TemplateResponse(
        request,
        template,
        {
            "t": translator(language),
            "lang": language,
            "other_lang": other,
            "switch_url": str(request.url.include_query_params(lang=other)),
            "person": person,
            "navigation": navigation,
            "path": request.url.path,
            "csrf": row.csrf_token if row is not None else None,
            **context,
        },
        status_code=status_code,
    )
    if "lang" in request.query_params and request.query_params["lang"] in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE, language, max_age=LANGUAGE_COOKIE_AGE_S, samesite="lax"
        )
    return response
