"""The Kanwil's food permits against quality: the registry's pages, a permit registered from
the form, quality's refusals next to the input they name (nothing registered), a revocation."""

from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest

from tests.console.harness import Browser, ConsoleSystem, form_fields, post_form
from tests.console.test_sign_off import error_of

NEW = "/kanwil/permits/new"


@pytest.fixture
async def officer(system: ConsoleSystem) -> AsyncIterator[Browser]:
    async with system.browser() as browser:
        await system.signed_in(browser, "qc_officer")
        yield browser


async def permits_of(system: ConsoleSystem, sku: str) -> list[dict[str, object]]:
    answer = await system.call("quality", "GET", f"/permits?sku={sku}")
    items: list[dict[str, object]] = answer.json()["items"]
    return items


def halal(**changes: str) -> dict[str, str]:
    today = date.today()
    return {
        "sku": "PAN-JHM-250", "upt_code": "SRG", "kind": "halal", "number": "ID3673-2026-0042",
        "issuer": "BPJPH", "issued_on": str(today), "expires_on": str(today + timedelta(days=1460)),
        **changes,
    }  # fmt: skip


async def test_the_permit_pages_render_for_the_kanwil_only(
    system: ConsoleSystem, kanwil: Browser, officer: Browser, staff: Browser
) -> None:
    listed = await kanwil.http.get("/kanwil/permits")
    assert listed.status_code == 200
    assert "PAN-JHM-250" in listed.text, "the seeded permits"
    assert (await kanwil.http.get("/kanwil/permits?upt_code=CLG")).text.count(
        '<tr id="permit-'
    ) == 2
    assert (await kanwil.http.get(NEW)).status_code == 200
    seeded = (await permits_of(system, "PAN-ROT-001"))[0]["permit_id"]
    assert (await kanwil.http.get(f"/kanwil/permits/{seeded}")).status_code == 200
    for other in (officer, staff):
        for path in ("/kanwil/permits", NEW, f"/kanwil/permits/{seeded}"):
            assert (await other.http.get(path)).status_code == 403, path


async def test_a_permit_is_registered_from_the_form(system: ConsoleSystem, kanwil: Browser) -> None:
    before = len(await permits_of(system, "PAN-JHM-250"))
    page = await post_form(kanwil, NEW, "/kanwil/permits", **halal())

    assert "ID3673-2026-0042" in page
    assert len(await permits_of(system, "PAN-JHM-250")) == before + 1


async def test_quality_refuses_at_the_input_it_names_and_nothing_is_registered(
    system: ConsoleSystem, kanwil: Browser
) -> None:
    before = len(await permits_of(system, "PAN-JHM-250"))
    no_issuer = await post_form(
        kanwil,
        NEW,
        "/kanwil/permits",
        **halal(kind="spp-irt", number="2367301012500101-30", issuer=""),
    )
    assert error_of(no_issuer, "issuer").startswith("Isian ini ditolak."), no_issuer
    assert "names its issuer" in error_of(no_issuer, "issuer")
    assert form_fields(no_issuer)["number"] == "2367301012500101-30", "what was typed stays"

    bad_number = await post_form(
        kanwil, NEW, "/kanwil/permits", **halal(kind="bpom-md", number="MD 12")
    )
    assert "a BPOM MD number" in error_of(bad_number, "number")
    missing = await post_form(kanwil, NEW, "/kanwil/permits", **halal(expires_on=""))
    assert error_of(missing, "expires_on") == "Wajib diisi."
    assert len(await permits_of(system, "PAN-JHM-250")) == before


async def test_a_permit_is_revoked_with_its_reason(system: ConsoleSystem, kanwil: Browser) -> None:
    permit = (await permits_of(system, "PAN-ROT-001"))[0]
    path = f"/kanwil/permits/{permit['permit_id']}"
    unexplained = await post_form(kanwil, path, f"{path}/revocation", reason="")
    assert error_of(unexplained, "reason") == "Wajib diisi."

    page = await post_form(
        kanwil, path, f"{path}/revocation", reason="dicabut oleh Dinas Kesehatan"
    )

    assert '<dd id="revoke-reason">dicabut oleh Dinas Kesehatan</dd>' in page
    assert 'id="revoke"' not in page, "a revoked permit offers no revocation"
    now = (await system.call("quality", "GET", f"/permits/{permit['permit_id']}")).json()
    assert now["revoked_at"] is not None
