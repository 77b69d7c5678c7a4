"""Bad input to every form of the console: posted empty by a person whose role may send it, a
CSRF token replayed after its session ended, a forged session cookie. Each gets a 4xx page
saying what is wrong, and changes nothing. The forms are read from the app's routes
(tests/console/routes.py), so a form added later is posted empty here too."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import uuid4

import pytest

from services.console.sessions import COOKIE
from shared.identity import Role
from tests.console.harness import Browser, ConsoleSystem, form_fields
from tests.console.routes import ConsoleRoute, console_routes
from tests.console.test_tablet import enrol

# Forms that need no field: they answer with their redirect, empty or not.
NO_FIELDS = {"/sign-out"}
BINDINGS: dict[Role, dict[str, str]] = {
    "qc_officer": {"upt": "CLG"},
    "upt_admin": {"upt": "CLG"},
    "channel": {"channel": "GALERI-SERANG"},
    "kanwil_admin": {},
}
SALE = {"sku": "FTW-SPT-OLR", "quantity": "1", "buyer_ref": "BUYER-REPLAY-1"}


def forms() -> list[ConsoleRoute]:
    from services.console.app import make_app

    unsafe = [route for route in console_routes(make_app()) if route.method == "POST"]
    return [route for route in unsafe if route.path not in NO_FIELDS]


# Path parameters that name one of a few things (a kind of master data or of principal, a
# service) get a real one, so that what is missing is the form's fields, not the page; a dead
# letter's id is a stream entry's (none has this one).
NAMED = {"name": "upts", "kind": "terminal", "service": "quality", "letter_id": "1-0"}


def nowhere(route: ConsoleRoute) -> str:
    """The route's path with a value no service has for each parameter (an id, a code)."""
    values = {
        name: NAMED.get(name) or (str(uuid4()) if name.endswith("_id") else "CLG-NONE-0000")
        for name in route.parameters
    }
    return route.path.format(**values)


@asynccontextmanager
async def person_of(system: ConsoleSystem, roles: frozenset[Role] | None) -> AsyncIterator[Browser]:
    """A browser signed in as a person of one of `roles` (anonymous for None)."""
    async with system.browser() as browser:
        if roles is None:
            pass
        elif "terminal" in roles:
            await system.signed_in(browser, "kanwil_admin")
            assert (await enrol(system, browser)).status_code == 303
        else:
            chosen = sorted(roles)[0]
            await system.signed_in(browser, chosen, **BINDINGS[chosen])
        yield browser


@pytest.mark.parametrize("route", forms(), ids=lambda route: route.path)
async def test_a_form_posted_empty_by_its_own_role_gets_a_4xx_page(
    system: ConsoleSystem, route: ConsoleRoute
) -> None:
    async with person_of(system, route.roles) as browser:
        csrf = await browser.csrf_token()
        answer = await browser.http.post(nowhere(route), data={"csrf_token": csrf})

    assert 400 <= answer.status_code < 500, (route.path, answer.status_code, answer.text[:500])
    assert answer.headers["content-type"].startswith("text/html")
    assert "<h1>" in answer.text, "a page that says what is wrong"


async def sale_form(staff: Browser) -> dict[str, str]:
    """The sale form's hidden fields (its CSRF token, its order id), filled in right."""
    fields = form_fields((await staff.http.get("/gallery/sell")).text)
    return {"csrf_token": fields["csrf_token"], "order_id": fields["order_id"], **SALE}


async def test_a_csrf_token_replayed_after_its_session_ended_is_refused_and_sells_nothing(
    system: ConsoleSystem, staff: Browser
) -> None:
    form = await sale_form(staff)
    signed_out = await staff.http.post("/sign-out", data={"csrf_token": form["csrf_token"]})
    assert signed_out.status_code == 303
    await system.signed_in(staff, "channel", channel="GALERI-SERANG")

    answer = await staff.http.post("/gallery/sell", data=form)

    assert answer.status_code == 403
    assert "Formulir ini kedaluwarsa" in answer.text
    assert (await system.call("sales", "GET", f"/orders/{form['order_id']}")).status_code == 404


async def test_the_sign_in_forms_token_is_worth_nothing_once_signed_in(
    system: ConsoleSystem,
) -> None:
    async with system.browser() as browser:
        before = await browser.csrf_token()  # the anonymous session's
        await system.signed_in(browser, "channel", channel="GALERI-SERANG")
        form = await sale_form(browser)

        answer = await browser.http.post("/gallery/sell", data={**form, "csrf_token": before})

    assert answer.status_code == 403
    assert (await system.call("sales", "GET", f"/orders/{form['order_id']}")).status_code == 404


@pytest.mark.parametrize("forgery", ["random", "one character changed"])
async def test_a_form_posted_with_a_forged_session_cookie_is_refused_and_sells_nothing(
    system: ConsoleSystem, staff: Browser, forgery: str
) -> None:
    form = await sale_form(staff)
    real = str(staff.session_id)
    forged = {
        "random": uuid4().hex,
        "one character changed": real[:-1] + ("A" if real[-1] != "A" else "B"),
    }[forgery]
    async with system.browser() as thief:
        thief.http.cookies.set(COOKIE, forged)
        answer = await thief.http.post("/gallery/sell", data=form)
        page = await thief.http.get("/gallery/sell")

    assert answer.status_code == 403
    assert "Formulir ini kedaluwarsa" in answer.text
    assert page.status_code == 303, "not signed in by a forged cookie"
    assert (await system.call("sales", "GET", f"/orders/{form['order_id']}")).status_code == 404
    assert (await staff.http.get("/gallery/sell")).status_code == 200, "the real one still works"
