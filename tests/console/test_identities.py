"""The Kanwil's identities pages against the real identity service: the list a page at a time,
a terminal, a person and a channel's client added (each secret shown once and working),
identity's refusal next to the input it names, and revoking after a confirming step (the last
Kanwil administrator refused in words)."""

import logging
import re
from html import unescape

import pytest

from tests.console.harness import Browser, ConsoleSystem, form_fields
from tests.console.test_sign_off import error_of

SECRET = re.compile(r'<code id="created-secret" class="secret">([^<]+)</code>')


async def added(browser: Browser, kind: str, **fields: str) -> tuple[int, str]:
    """Post the form of `kind` with `fields`: the answer's status and page."""
    page = await browser.http.get(f"/kanwil/identities/new/{kind}")
    assert page.status_code == 200, page.text
    form = {"csrf_token": form_fields(page.text)["csrf_token"], **fields}
    answer = await browser.http.post(f"/kanwil/identities/new/{kind}", data=form)
    return answer.status_code, unescape(answer.text)


def secret_of(page: str) -> str:
    found = SECRET.search(page)
    assert found is not None, page
    return found[1]


async def principal_id(system: ConsoleSystem, name: str) -> str:
    listed = (await system.call("identity", "GET", "/principals?limit=500")).json()["items"]
    [found] = [p["id"] for p in listed if name in (p["username"], p["client_id"])]
    return str(found)


async def test_the_list_shows_every_principal_a_page_at_a_time_and_no_secret(
    system: ConsoleSystem, kanwil: Browser
) -> None:
    first = await kanwil.http.get("/kanwil/identities")
    later = await kanwil.http.get("/kanwil/identities?offset=30")

    assert first.status_code == 200
    assert "1 sampai 37 dari 37 identitas" in first.text
    assert "kanwil-admin" in first.text
    assert 'rel="prev"' not in first.text  # all 37 on one page
    assert 'rel="next"' not in first.text
    assert 'rel="prev"' in later.text  # from 31: the page before it
    assert 'rel="next"' not in later.text  # the last page
    assert "31 sampai 37 dari 37 identitas" in later.text
    assert 'href="/kanwil/identities?offset=0"' in later.text
    for entry in system.identity.credentials.principals:
        assert (entry.client_secret or entry.password or "-") not in first.text


async def test_a_terminal_is_added_and_its_secret_shown_once_works_and_is_never_logged(
    system: ConsoleSystem, kanwil: Browser, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    status, page = await added(kanwil, "terminal", workshop="CLG-SPT")

    assert status == 201
    assert '<dd id="created-name" class="lot">terminal-clg-spt-2</dd>' in page
    secret = secret_of(page)
    token = await system.identity.token(
        {"grant_type": "client_credentials"}, auth=("terminal-clg-spt-2", secret)
    )
    assert token.status_code == 200
    listed = await kanwil.http.get("/kanwil/identities")
    assert "terminal-clg-spt-2" in listed.text
    assert secret not in listed.text
    assert "terminal-clg-spt-2" in caplog.text, "identity logged the addition"
    assert secret not in caplog.text


async def test_a_qc_officer_is_added_with_the_next_officer_code_and_signs_in(
    system: ConsoleSystem, kanwil: Browser
) -> None:
    status, page = await added(kanwil, "person", role="qc_officer", name="qc-clg-9", upt="CLG")

    assert status == 201
    assert "QC-CLG-01" in page
    async with system.browser() as officer:
        form = {"csrf_token": await officer.csrf_token(), "username": "qc-clg-9"}
        signed_in = await officer.http.post("/sign-in", data=form | {"password": secret_of(page)})
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/qc/inspections"


async def test_a_channel_client_is_added_with_its_client_secret(kanwil: Browser) -> None:
    status, page = await added(kanwil, "channel", channel="MARKETPLACE", name="mp-backoffice")

    assert status == 201
    assert '<dd id="created-name" class="lot">mp-backoffice</dd>' in page
    assert "Rahasia klien" in page
    assert secret_of(page)


async def test_a_person_bound_wrongly_is_refused_at_the_binding_and_nothing_is_added(
    system: ConsoleSystem, kanwil: Browser
) -> None:
    status, page = await added(
        kanwil, "person", role="qc_officer", name="qc-x-1", channel="GALERI-SERANG"
    )

    assert status == 422
    said = error_of(page, "upt")
    assert said.startswith("Isian ini ditolak."), page
    assert "bound to a upt" in said
    assert form_fields(page)["name"] == "qc-x-1", "what was typed stays"
    assert "created-secret" not in page
    listed = (await system.call("identity", "GET", "/principals?limit=500")).json()["items"]
    assert "qc-x-1" not in {p["username"] for p in listed}


async def test_a_missing_username_and_a_role_that_is_no_persons_are_said_at_their_inputs(
    kanwil: Browser,
) -> None:
    status, page = await added(kanwil, "person", role="terminal")

    assert status == 422
    assert error_of(page, "name") == "Wajib diisi."
    assert error_of(page, "role") == "Pilih salah satu peran."


async def test_a_principal_is_revoked_after_confirming_and_can_no_longer_sign_in(
    system: ConsoleSystem, kanwil: Browser
) -> None:
    target = await principal_id(system, "staf-galeri-serang")
    confirm = await kanwil.http.get(f"/kanwil/identities/{target}/revoke")
    assert confirm.status_code == 200
    assert "staf-galeri-serang tidak akan bisa masuk lagi" in confirm.text
    fetched = await system.call("identity", "GET", f"/principals/{target}")
    assert fetched.json()["revoked_at"] is None, "opening the confirmation revokes nothing"

    form = {"csrf_token": form_fields(confirm.text)["csrf_token"]}
    answer = await kanwil.http.post(f"/kanwil/identities/{target}/revoke", data=form)

    assert answer.status_code == 303
    revoked = await kanwil.http.get(answer.headers["location"])
    assert 'id="revoked"' in revoked.text
    assert 'id="confirm-revoke"' not in revoked.text
    async with system.browser() as staff:
        refused = await staff.sign_in(system.principal("channel", channel="GALERI-SERANG"))
    assert refused.status_code == 400


async def test_the_last_kanwil_administrator_is_not_revoked_and_the_page_says_why(
    system: ConsoleSystem, kanwil: Browser
) -> None:
    target = await principal_id(system, "kanwil-admin")
    confirm = await kanwil.http.get(f"/kanwil/identities/{target}/revoke")
    form = {"csrf_token": form_fields(confirm.text)["csrf_token"]}

    answer = await kanwil.http.post(f"/kanwil/identities/{target}/revoke", data=form)

    assert answer.status_code == 409
    said = error_of(answer.text, "form")
    assert said.startswith("Ini administrator Kanwil aktif terakhir"), answer.text
    fetched = await system.call("identity", "GET", f"/principals/{target}")
    assert fetched.json()["revoked_at"] is None


async def test_a_revoke_without_the_csrf_token_revokes_nothing(
    system: ConsoleSystem, kanwil: Browser
) -> None:
    target = await principal_id(system, "staf-galeri-serang")

    answer = await kanwil.http.post(f"/kanwil/identities/{target}/revoke", data={})

    assert answer.status_code == 403
    fetched = await system.call("identity", "GET", f"/principals/{target}")
    assert fetched.json()["revoked_at"] is None


@pytest.mark.parametrize(
    "path", ["/kanwil/identities", "/kanwil/identities/new/person", "/kanwil/ops"]
)
async def test_the_identities_and_ops_pages_are_the_kanwils_alone(
    system: ConsoleSystem, path: str
) -> None:
    async with system.browser() as browser:
        await system.signed_in(browser, "upt_admin", upt="CLG")
        answer = await browser.http.get(path)

    assert answer.status_code == 403
