"""Sessions, CSRF and sign-in of the console, over HTTP against the real identity and quality
apps (tests/console/harness.py): what a browser sees, and what the session table holds."""

import asyncio
import ipaddress
import secrets
from datetime import timedelta

import pytest

from services.console.sessions import COOKIE, UNSAFE_METHODS
from tests.builders import batch_completed
from tests.console.harness import ConsoleSystem, form_fields, now
from tests.console.routes import console_routes
from tests.waiting import eventually

HX = {"HX-Request": "true"}


async def test_a_qc_officer_signs_in_and_lands_on_the_pending_inspections_of_the_upt(
    system: ConsoleSystem,
) -> None:
    async with system.browser() as browser:
        form = await browser.http.get("/sign-in")
        anonymous = browser.session_id
        answer = await browser.sign_in(system.principal("qc_officer", upt="CLG"))

        assert answer.status_code == 303
        assert answer.headers["location"] == "/qc/inspections"
        assert browser.session_id not in (None, anonymous), "a new id once signed in"
        assert await system.session_row(str(anonymous)) is None
        page = await browser.http.get("/qc/inspections")

    assert form.status_code == 200
    assert page.status_code == 200
    assert "Pemeriksaan yang menunggu" in page.text
    assert "Tidak ada pemeriksaan yang menunggu." in page.text
    assert 'href="/qc/inspections" aria-current="page"' in page.text
    assert "qc-clg" in page.text


async def test_the_cookie_is_httponly_samesite_and_holds_only_a_random_id(
    system: ConsoleSystem,
) -> None:
    async with system.browser() as browser:
        await system.signed_in(browser)
        page = await browser.http.get("/qc/inspections")
        session_id = str(browser.session_id)
        row = await system.session_row(session_id)
        cookie = browser.http.cookies.jar

    assert row is not None
    assert row.access_token
    assert row.refresh_token
    [set_cookie] = [c for c in cookie if c.name == COOKIE]
    assert set_cookie.has_nonstandard_attr("HttpOnly")
    assert str(set_cookie.get_nonstandard_attr("SameSite")).lower() == "lax"
    assert not set_cookie.secure, "plain http here; Secure over https"
    assert row.access_token not in session_id
    assert row.refresh_token not in session_id
    assert row.access_token not in page.text
    assert row.refresh_token not in page.text
    assert row.id_hash != session_id, "the table keeps only a hash of the id"


async def test_a_wrong_password_is_said_in_the_form_and_signs_nobody_in(
    system: ConsoleSystem,
) -> None:
    async with system.browser() as browser:
        csrf = await browser.csrf_token()
        answer = await browser.http.post(
            "/sign-in", data={"csrf_token": csrf, "username": "qc-clg", "password": "wrong"}
        )
        row = await system.session_row(str(browser.session_id))
        page = await browser.http.get("/qc/inspections")

    assert answer.status_code == 400
    assert "Nama pengguna atau kata sandi salah." in answer.text
    assert form_fields(answer.text)["username"] == "qc-clg"
    assert row is not None
    assert row.claims is None
    assert page.status_code == 303


@pytest.mark.parametrize("token", ["missing", "wrong", "another session's"])
async def test_an_unsafe_request_without_its_sessions_csrf_token_is_refused_and_changes_nothing(
    system: ConsoleSystem, token: str
) -> None:
    async with system.browser() as browser, system.browser() as other:
        await system.signed_in(browser)
        await system.signed_in(other, "qc_officer", upt="CLG")
        sent = {
            "missing": {},
            "wrong": {"csrf_token": secrets.token_urlsafe(32)},
            "another session's": {"csrf_token": await other.csrf_token()},
        }[token]
        sessions = await system.session_count()

        answer = await browser.http.post("/sign-out", data=sent)
        by_htmx = await browser.http.post(
            "/sign-out", headers={**HX, "X-CSRF-Token": sent.get("csrf_token", "")}
        )
        still = await browser.http.get("/qc/inspections")

        assert answer.status_code == 403
        assert by_htmx.status_code == 403
        assert "Formulir ini kedaluwarsa" in answer.text
        assert await system.session_count() == sessions
        assert still.status_code == 200, "still signed in"


async def test_a_sign_in_form_posted_without_its_token_is_refused(system: ConsoleSystem) -> None:
    principal = system.principal("qc_officer", upt="CLG")
    async with system.browser() as browser:
        await browser.http.get("/sign-in")
        answer = await browser.http.post(
            "/sign-in", data={"username": principal.username, "password": principal.password}
        )
        page = await browser.http.get("/qc/inspections")

    assert answer.status_code == 403
    assert page.status_code == 303, "not signed in"


async def test_every_unsafe_route_of_the_console_checks_the_csrf_token(
    system: ConsoleSystem,
) -> None:
    unsafe = [
        (route.method, route.path)
        for route in console_routes(system.console)
        if route.method in UNSAFE_METHODS
    ]
    async with system.browser() as browser:
        await system.signed_in(browser)
        answers = {
            (method, path): (await browser.http.request(method, path)).status_code
            for method, path in unsafe
        }

    assert ("POST", "/sign-out") in answers
    assert set(answers.values()) == {403}, answers


async def test_a_forged_or_missing_session_goes_to_the_sign_in_page(
    system: ConsoleSystem,
) -> None:
    async with system.browser() as browser:
        browser.http.cookies.set(COOKIE, secrets.token_urlsafe(32))
        page = await browser.http.get("/qc/inspections")
        fragment = await browser.http.get(
            "/qc/inspections",
            headers={**HX, "HX-Current-URL": "http://console.test/qc/inspections"},
        )
    async with system.browser() as browser:
        none = await browser.http.get("/qc/inspections?lang=en")

    assert page.status_code == 303
    assert page.headers["location"] == "/sign-in?next=%2Fqc%2Finspections"
    assert fragment.status_code == 401
    assert fragment.headers["HX-Redirect"] == "/sign-in?next=%2Fqc%2Finspections"
    assert fragment.text == "", "no sign-in form inside a fragment"
    assert none.status_code == 303
    for answer in (page, fragment, none):
        assert "HX-Request" in answer.headers["Vary"]


async def test_an_htmx_request_gets_the_fragment_and_every_answer_varies_on_hx_request(
    system: ConsoleSystem,
) -> None:
    async with system.browser() as browser:
        await system.signed_in(browser)
        page = await browser.http.get("/qc/inspections")
        fragment = await browser.http.get("/qc/inspections", headers=HX)
        sign_in = await browser.http.get("/sign-in")

    assert page.text.startswith("<!doctype html>")
    assert fragment.text.lstrip().startswith('<section id="inspections"')
    assert "<html" not in fragment.text
    for answer in (page, fragment, sign_in):
        assert "HX-Request" in answer.headers["Vary"]
        assert answer.headers["Cache-Control"] == "no-store"


async def test_an_expired_access_token_is_refreshed_with_the_refresh_token(
    system: ConsoleSystem,
) -> None:
    async with system.browser() as browser:
        await system.signed_in(browser)
        session_id = str(browser.session_id)
        before = await system.session_row(session_id)
        assert before is not None
        await system.change_session(session_id, access_expires_at=now() - timedelta(seconds=1))

        page = await browser.http.get("/qc/inspections")
        after = await system.session_row(session_id)

    assert page.status_code == 200
    assert after is not None
    assert after.access_expires_at is not None
    assert after.access_token != before.access_token
    assert after.refresh_token != before.refresh_token, "each refresh token is good once"
    assert after.access_expires_at > now() + timedelta(minutes=5)


async def test_a_refused_refresh_ends_the_session(system: ConsoleSystem) -> None:
    async with system.browser() as browser:
        await system.signed_in(browser)
        session_id = str(browser.session_id)
        await system.change_session(
            session_id, access_expires_at=now() - timedelta(seconds=1), refresh_token="used-up"
        )

        page = await browser.http.get("/qc/inspections", headers=HX)

        assert page.status_code == 401
        assert page.headers["HX-Redirect"].startswith("/sign-in")
        assert await system.session_row(session_id) is None


async def test_sign_out_ends_the_session_and_its_cookie_is_worth_nothing_after(
    system: ConsoleSystem,
) -> None:
    async with system.browser() as browser:
        await system.signed_in(browser)
        session_id = str(browser.session_id)
        page = await browser.http.get("/qc/inspections")
        csrf = form_fields(page.text)["csrf_token"]

        row = await system.session_row(session_id)
        refresh_token = row.refresh_token if row is not None else None

        answer = await browser.http.post("/sign-out", data={"csrf_token": csrf})
        gone = await system.session_row(session_id)
    async with system.browser() as replay:
        replay.http.cookies.set(COOKIE, session_id)
        again = await replay.http.get("/qc/inspections")
    assert refresh_token is not None
    refreshed = await system.identity.token(
        {"grant_type": "refresh_token", "refresh_token": refresh_token}
    )

    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in"
    assert gone is None
    assert again.status_code == 303
    assert refreshed.json()["error"] == "invalid_grant", "identity revoked the refresh token"


async def test_a_person_sees_only_the_pages_of_their_role(system: ConsoleSystem) -> None:
    async with system.browser() as browser:
        answer = await browser.sign_in(system.principal("upt_admin", upt="CLG"))
        home = await browser.http.get(answer.headers["location"])
        queue = await browser.http.get("/qc/inspections")

    assert answer.headers["location"] == "/upt/stock"  # the first page of their menu
    assert "/qc/inspections" not in home.text
    assert "Admin UPT" in home.text
    assert queue.status_code == 403
    assert "Halaman ini bukan untuk peran Anda." in queue.text


async def test_the_queue_lists_the_upts_pending_inspections_oldest_first(
    system: ConsoleSystem,
) -> None:
    first, second = batch_completed(quantity=6), batch_completed(quantity=8)
    for batch in (first, second):
        await system.completed(batch)
    async with system.browser() as browser:
        await system.signed_in(browser)

        async def listed() -> str:
            page = await browser.http.get("/qc/inspections", headers=HX)
            return page.text if second.lot_code in page.text else ""

        fragment = await eventually("both batches in the queue", listed)

    assert "2 menunggu" in fragment
    assert fragment.index(first.lot_code) < fragment.index(second.lot_code)
    assert first.product_name in fragment


async def test_the_language_switch_sets_english_and_indonesian_is_the_default(
    system: ConsoleSystem,
) -> None:
    async with system.browser() as browser:
        indonesian = await browser.http.get("/sign-in")
        english = await browser.http.get("/sign-in?lang=en")
        remembered = await browser.http.get("/sign-in")

    assert '<html lang="id">' in indonesian.text
    assert ">Masuk</h1>" in indonesian.text
    assert '<html lang="en">' in english.text
    assert ">Sign in</h1>" in english.text
    assert browser.http.cookies.get("jejak_lang") == "en"
    assert '<html lang="en">' in remembered.text


async def test_two_pages_asked_at_once_with_an_expired_token_both_load_after_one_refresh(
    system: ConsoleSystem,
) -> None:
    async with system.browser() as browser:
        await system.signed_in(browser)
        session_id = str(browser.session_id)
        before = await system.session_row(session_id)
        assert before is not None
        await system.change_session(session_id, access_expires_at=now() - timedelta(seconds=1))

        pages = await asyncio.gather(
            *(browser.http.get("/qc/inspections", headers=HX) for _ in range(3))
        )
        after = await system.session_row(session_id)

    assert [page.status_code for page in pages] == [200, 200, 200]
    assert after is not None
    assert after.refresh_token != before.refresh_token, "refreshed, and the session lives on"


@pytest.mark.parametrize("elsewhere", ["https://evil.example/", "//evil.example/x", "/\\evil"])
async def test_signing_in_leads_back_only_to_a_page_of_the_console(
    system: ConsoleSystem, elsewhere: str
) -> None:
    principal = system.principal("qc_officer", upt="CLG")
    async with system.browser() as browser:
        form = {
            "csrf_token": await browser.csrf_token(),
            "username": str(principal.username),
            "password": str(principal.password),
            "next": elsewhere,
        }
        answer = await browser.http.post("/sign-in", data=form)

    assert answer.status_code == 303
    assert answer.headers["location"] == "/qc/inspections"


async def test_signing_in_leads_back_to_the_page_asked_for(system: ConsoleSystem) -> None:
    async with system.browser() as browser:
        asked = await browser.http.get("/qc/inspections?lang=id")
        form_page = await browser.http.get(asked.headers["location"])
        principal = system.principal("qc_officer", upt="CLG")
        fields = form_fields(form_page.text)
        answer = await browser.http.post(
            "/sign-in",
            data={
                **fields,
                "username": str(principal.username),
                "password": str(principal.password),
            },
        )

    assert fields["next"] == "/qc/inspections"
    assert answer.headers["location"] == "/qc/inspections"


async def test_a_service_that_does_not_answer_is_said_on_the_page(system: ConsoleSystem) -> None:
    upstream = system.console.state.console.upstream
    async with system.browser() as browser:
        await system.signed_in(browser)
        upstream.settings = upstream.settings.model_copy(
            update={"quality_url": "http://127.0.0.1:1"}  # nothing listens there
        )
        page = await browser.http.get("/qc/inspections")

    assert page.status_code == 503
    assert "Layanan quality tidak menjawab." in page.text
    assert 'id="sign-out"' in page.text, "still in the frame, still signed in"


async def test_pages_allow_only_the_consoles_own_scripts_and_styles(system: ConsoleSystem) -> None:
    async with system.browser() as browser:
        page = await browser.http.get("/sign-in")
        docs = await browser.http.get("/docs")
        htmx = await browser.http.get("/static/vendor/htmx.min.js")

    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "Content-Security-Policy" not in docs.headers, "Swagger UI comes from its CDN"
    assert htmx.status_code == 200
    assert "no-store" not in htmx.headers.get("Cache-Control", "")


@pytest.mark.parametrize(
    ("trusted", "forwarded", "secure"),
    [(False, None, False), (False, "https", False), (True, "https", True), (True, "http", False)],
)
async def test_the_cookie_is_secure_when_the_browser_came_over_https(
    system: ConsoleSystem, trusted: bool, forwarded: str | None, secure: bool
) -> None:
    """Through a TLS proxy of JEJAK_TRUSTED_PROXIES saying so; nobody else is believed."""
    if trusted:  # the test client's address, as the proxy's
        system.console.state.console.trusted_proxies = (ipaddress.ip_network("127.0.0.1/32"),)
    headers = {"X-Forwarded-Proto": forwarded} if forwarded else {}
    async with system.browser() as browser:
        answer = await browser.http.get("/sign-in", headers=headers)

    attributes = [part.strip().lower() for part in answer.headers["set-cookie"].split(";")]
    assert ("secure" in attributes) is secure
