"""The workshop tablet against the real identity and production apps: its enrolment by an
administrator (the secret kept on the server, the token renewed with the client credentials),
and its pages: the day's batches, opening one, recording output under the page's submission
id (a resend counts once), completing it, its label sheet; bad input refused next to its field
and changing nothing."""

from collections.abc import AsyncIterator
from datetime import timedelta
from uuid import uuid4

import httpx
import pytest

from services.console.sessions import COOKIE
from tests.console.harness import Browser, ConsoleSystem, form_fields, now
from tests.console.test_sign_off import error_of

WORKSHOP = "CLG-SPT"
SHOES = "FTW-SPT-OLR"


async def enrol(system: ConsoleSystem, browser: Browser, **creds: str) -> httpx.Response:
    page = await browser.http.get("/tablet/enrol")
    assert page.status_code == 200, page.text
    terminal = system.identity.credentials.find("terminal", workshop=WORKSHOP)
    form = {
        "csrf_token": form_fields(page.text)["csrf_token"],
        "client_id": creds.get("client_id", terminal.client_id or ""),
        "client_secret": creds.get("client_secret", terminal.client_secret or ""),
    }
    return await browser.http.post("/tablet/enrol", data=form)


@pytest.fixture
async def tablet(system: ConsoleSystem) -> AsyncIterator[Browser]:
    """A browser enrolled as Cilegon's shoe workshop's tablet by the Kanwil's administrator."""
    async with system.browser() as browser:
        answer = await browser.sign_in(system.principal("kanwil_admin"))
        assert answer.status_code == 303, answer.text
        enrolled = await enrol(system, browser)
        assert enrolled.status_code == 303, enrolled.text
        assert enrolled.headers["location"] == "/tablet"
        yield browser


async def post_form(browser: Browser, page_path: str, action: str, **fields: str) -> httpx.Response:
    page = await browser.http.get(page_path)
    assert page.status_code == 200, page.text
    return await browser.http.post(
        action, data={"csrf_token": form_fields(page.text)["csrf_token"], **fields}
    )


async def production_batch(system: ConsoleSystem, batch_id: str) -> dict[str, object]:
    """The batch as production itself answers it, to the terminal."""
    answer = await system.call(
        "production", "GET", f"/batches/{batch_id}", role="terminal", workshop=WORKSHOP
    )
    assert answer.status_code == 200, answer.text
    found: dict[str, object] = answer.json()
    return found


async def test_an_administrator_enrols_the_tablet_which_then_is_the_workshops_terminal(
    system: ConsoleSystem, tablet: Browser
) -> None:
    assert tablet.session_id is not None
    row = await system.session_row(tablet.session_id)
    assert row is not None
    assert row.person is not None
    assert (row.person.role, row.person.workshop) == ("terminal", WORKSHOP)
    terminal = system.identity.credentials.find("terminal", workshop=WORKSHOP)
    assert row.client() == (terminal.client_id, terminal.client_secret)
    assert row.expires_at - now() > timedelta(days=300)  # enrolled once, not every day

    page = await tablet.http.get("/tablet")
    assert page.status_code == 200, page.text
    assert "Batch hari ini" in page.text
    assert f"Bengkel {WORKSHOP}." in page.text
    assert f'<option value="{SHOES}"' in page.text  # a product of the workshop
    assert "KYU-MJT-HPL" not in page.text  # the furniture workshop's products are not offered
    assert str(terminal.client_secret) not in page.text
    assert (await tablet.http.get("/qc/inspections")).status_code == 403


async def test_a_wrong_secret_another_role_or_another_upt_is_refused_and_changes_nothing(
    system: ConsoleSystem,
) -> None:
    async with system.browser() as browser:
        await system.signed_in(browser, "upt_admin", upt="CLG")
        before = browser.session_id
        wrong = await enrol(system, browser, client_secret="not-the-secret")
        assert wrong.status_code == 422
        assert "menolak client id atau secret" in error_of(wrong.text, "client_id")
        assert "not-the-secret" not in wrong.text

        channel = next(p for p in system.identity.credentials.principals
                       if p.role == "channel" and p.client_id is not None)  # fmt: skip
        not_terminal = await enrol(
            system,
            browser,
            client_id=channel.client_id or "",
            client_secret=channel.client_secret or "",
        )
        assert "bukan milik terminal" in error_of(not_terminal.text, "client_id")

        other = next(p for p in system.identity.credentials.principals
                     if p.role == "terminal" and p.upt != "CLG")  # fmt: skip
        elsewhere = await enrol(
            system,
            browser,
            client_id=other.client_id or "",
            client_secret=other.client_secret or "",
        )
        assert "UPT lain" in error_of(elsewhere.text, "client_id")
        assert browser.session_id == before
        row = await system.session_row(before or "")
        assert row is not None
        assert row.person is not None
        assert row.person.role == "upt_admin"
        assert row.client() is None

    async with system.browser() as officer:
        await system.signed_in(officer)
        assert (await officer.http.get("/tablet/enrol")).status_code == 403
        assert (await officer.http.get("/tablet")).status_code == 403


async def test_the_tablets_token_is_renewed_with_its_client_credentials(
    system: ConsoleSystem, tablet: Browser
) -> None:
    session_id = tablet.session_id or ""
    row = await system.session_row(session_id)
    assert row is not None
    old = row.access_token
    # A refresh token would be refused: only the client credentials can renew this one.
    await system.change_session(
        session_id, access_expires_at=now() - timedelta(minutes=1), refresh_token="spent"
    )
    page = await tablet.http.get("/tablet")
    assert page.status_code == 200, page.text
    renewed = await system.session_row(session_id)
    assert renewed is not None
    assert renewed.access_token != old
    assert renewed.access_expires_at is not None
    assert renewed.access_expires_at > now()


async def test_a_day_at_the_tablet_open_record_twice_the_same_submission_complete_labels(
    system: ConsoleSystem, tablet: Browser
) -> None:
    batch_id = str(uuid4())
    opened = await post_form(tablet, "/tablet", "/tablet/batches", batch_id=batch_id, sku=SHOES)
    assert opened.status_code == 303, opened.text
    path = f"/tablet/batches/{batch_id}"
    assert opened.headers["location"] == path
    assert f'id="batch-{batch_id}"' in (await tablet.http.get("/tablet")).text

    submission = {
        "submission_id": str(uuid4()),
        "quantity": "4",
        "worker_codes": "wb-cn7q2 WB-CN8R3",
    }
    for _ in range(2):  # the queue's resend after a lost answer
        recorded = await post_form(tablet, path, f"{path}/output", **submission)
        assert recorded.status_code == 303, recorded.text
    assert (await production_batch(system, batch_id))["quantity"] == 4
    page = (await tablet.http.get(path)).text
    assert '<dd id="batch-quantity">4 pasang</dd>' in page or 'id="batch-quantity">4 ' in page

    completed = await post_form(tablet, path, f"{path}/complete")
    assert completed.status_code == 303, completed.text
    again = await tablet.http.post(  # a queued completion sent twice is one completion
        f"{path}/complete", data={"csrf_token": form_fields(page)["csrf_token"]}
    )
    assert again.status_code == 303, again.text
    batch = await production_batch(system, batch_id)
    assert batch["status"] == "completed"
    assert batch["quantity"] == 4
    shown = (await tablet.http.get(path)).text
    assert str(batch["lot_code"]) in shown
    assert f'href="{path}/labels.pdf"' in shown

    labels = await tablet.http.get(f"{path}/labels.pdf")
    assert labels.status_code == 200
    assert labels.headers["content-type"] == "application/pdf"
    assert labels.content.startswith(b"%PDF")


async def test_bad_output_is_refused_next_to_its_field_and_records_nothing(
    system: ConsoleSystem, tablet: Browser
) -> None:
    batch_id = str(uuid4())
    await post_form(tablet, "/tablet", "/tablet/batches", batch_id=batch_id, sku=SHOES)
    path = f"/tablet/batches/{batch_id}"
    not_a_number = await post_form(
        tablet,
        path,
        f"{path}/output",
        submission_id=str(uuid4()),
        quantity="dua",
        worker_codes="WB-CN7Q2",
    )
    assert not_a_number.status_code == 422
    assert "bilangan bulat" in error_of(not_a_number.text, "quantity")
    named = await post_form(
        tablet,
        path,
        f"{path}/output",
        submission_id=str(uuid4()),
        quantity="2",
        worker_codes="Budi",
    )
    assert named.status_code == 422
    said = error_of(named.text, "worker_codes")
    assert said.startswith("Isian ini ditolak."), said
    assert "pattern" in said, said
    assert 'value="Budi"' in named.text  # the operator sees what they typed
    no_id = await post_form(
        tablet, path, f"{path}/output", submission_id="", quantity="2", worker_codes="WB-CN7Q2"
    )
    assert no_id.status_code == 422
    unknown = await post_form(
        tablet, "/tablet", "/tablet/batches", batch_id=str(uuid4()), sku="NOPE"
    )
    assert unknown.status_code == 422
    assert error_of(unknown.text, "sku")
    assert (await production_batch(system, batch_id))["quantity"] == 0
    early = await tablet.http.get(f"{path}/labels.pdf")
    assert early.status_code == 409
    assert "setelah batch selesai" in early.text


async def test_the_service_worker_may_control_the_tablets_pages(system: ConsoleSystem) -> None:
    async with system.browser() as browser:
        worker = await browser.http.get("/static/tablet-sw.js")
        assert worker.status_code == 200
        assert worker.headers["service-worker-allowed"] == "/tablet"
        assert "javascript" in worker.headers["content-type"]
        script = await browser.http.get("/static/tablet.js")
        assert script.status_code == 200
        assert COOKIE not in script.text
        assert "localStorage" not in script.text


async def test_the_list_holds_only_the_tablets_own_workshops_batches(
    system: ConsoleSystem, tablet: Browser
) -> None:
    furniture = {"role": "terminal", "workshop": "CLG-MBL"}
    elsewhere = str(uuid4())
    body = {"batch_id": elsewhere, "workshop_code": "CLG-MBL", "sku": "KYU-MJT-HPL"}
    opened = await system.call("production", "POST", "/batches", body, **furniture)
    assert opened.status_code == 201, opened.text
    listed = await system.call("production", "GET", "/batches?status=open", **furniture)
    assert [batch["batch_id"] for batch in listed.json()] == [elsewhere]
    own = str(uuid4())
    await post_form(tablet, "/tablet", "/tablet/batches", batch_id=own, sku=SHOES)
    page = (await tablet.http.get("/tablet")).text
    assert f'id="batch-{own}"' in page
    assert elsewhere not in page
    assert (await tablet.http.get(f"/tablet/batches/{elsewhere}")).status_code == 403


async def test_every_tablet_form_is_queued_by_the_static_script_with_an_id_of_its_own(
    tablet: Browser,
) -> None:
    batch_id = str(uuid4())
    await post_form(tablet, "/tablet", "/tablet/batches", batch_id=batch_id, sku=SHOES)
    for path in ("/tablet", f"/tablet/batches/{batch_id}"):
        page = await tablet.http.get(path)
        assert '<script src="/static/tablet.js" defer></script>' in page.text
        assert "<script>" not in page.text  # the content security policy allows no inline script
        assert "script-src 'self'" in page.headers["content-security-policy"]
        forms = page.text.count("<form id=")
        assert page.text.count(" data-queue ") == forms  # every form but sign-out's
    assert page.text.count("data-client-id") == 1  # the output's submission_id
    assert 'name="submission_id"' in page.text


async def test_a_conflict_with_production_is_passed_on_as_a_409_said_at_the_top(
    system: ConsoleSystem, tablet: Browser
) -> None:
    batch_id = str(uuid4())
    await post_form(tablet, "/tablet", "/tablet/batches", batch_id=batch_id, sku=SHOES)
    path = f"/tablet/batches/{batch_id}"
    first = {"submission_id": str(uuid4()), "quantity": "3", "worker_codes": "WB-CN7Q2"}
    assert (await post_form(tablet, path, f"{path}/output", **first)).status_code == 303

    reused = await post_form(tablet, path, f"{path}/output", **(first | {"quantity": "5"}))
    assert reused.status_code == 409
    said = error_of(reused.text, "form")
    assert said.startswith("Tidak bisa lagi: keadaannya sudah berubah."), said
    assert "differs in quantity" in said, "production's reason, in English"
    assert (await post_form(tablet, path, f"{path}/complete")).status_code == 303
    late = await post_form(
        tablet, path, f"{path}/output",
        submission_id=str(uuid4()), quantity="1", worker_codes="WB-CN7Q2",
    )  # fmt: skip
    assert late.status_code == 409
    assert "output can no longer be added" in error_of(late.text, "form")
    assert (await production_batch(system, batch_id))["quantity"] == 3
