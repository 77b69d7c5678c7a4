"""The QC officer's other pages against the real quality app: correcting a sign-off (the whole
new decision, the earlier one kept; one that changes nothing, or comes after another's, is
said in words), placing a hold on a lot of the UPT, and the permit check's refusal of food
said in words: which permit, and why."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx

from services.quality.permits import wib_day
from shared.contracts import BatchCompleted
from tests.builders import GINGER, batch_completed, food
from tests.console.harness import Browser, ConsoleSystem, form_fields, made_and_signed_off
from tests.console.test_sign_off import error_of
from tests.waiting import eventually

FOOD_UPT = "CGR"  # the demo seeds no permits here: each test registers what it needs
TODAY = wib_day(datetime.now(UTC))


async def posted(
    browser: Browser, page_path: str, action: str, **fields: str | Sequence[str]
) -> httpx.Response:
    """Post the form at `page_path` with its hidden inputs (CSRF token, ids) and `fields`."""
    page = await browser.http.get(page_path)
    assert page.status_code == 200, page.text
    hidden = {
        name: value
        for name, value in form_fields(page.text).items()
        if name in ("csrf_token", "supersedes", "hold_id")
    }
    return await browser.http.post(action, data={**hidden, **fields})


@asynccontextmanager
async def officer(system: ConsoleSystem, upt: str = "CLG") -> AsyncIterator[Browser]:
    async with system.browser() as browser:
        await system.signed_in(browser, "qc_officer", upt=upt)
        yield browser


async def inspection(system: ConsoleSystem, batch: BatchCompleted, upt: str) -> dict[str, Any]:
    path = f"/inspections/{batch.batch_id}"
    answer = await system.call("quality", "GET", path, role="qc_officer", upt=upt)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def test_a_sign_off_is_corrected_with_a_picked_serial_and_the_earlier_one_stays(
    system: ConsoleSystem,
) -> None:
    batch = await made_and_signed_off(system, quantity=4)
    async with officer(system) as browser:
        page_path = f"/qc/inspections/{batch.batch_id}"
        action = f"{page_path}/corrections"
        form = form_fields((await browser.http.get(page_path)).text)
        assert (form["passed_quantity"], form["rejected_quantity"]) == ("4", "0"), "filled in"

        unchanged = await posted(
            browser, page_path, action, passed_quantity="4", rejected_quantity="0", reason="recount"
        )
        assert unchanged.status_code == 422
        assert error_of(unchanged.text, "form").startswith("Koreksi ini sama dengan keputusan")
        no_reason = await posted(
            browser, page_path, action, passed_quantity="3", rejected_quantity="1"
        )
        assert error_of(no_reason.text, "reason") == "Wajib diisi."
        stale = form_fields((await browser.http.get(page_path)).text)["supersedes"]

        corrected = await posted(
            browser, page_path, action, passed_quantity="3", rejected_quantity="1",
            **{"pick-serials-FTW-01": [batch.serials[0]], "reason": "sole comes loose"},
        )  # fmt: skip
        assert corrected.status_code == 303, corrected.text
        page = (await browser.http.get(page_path)).text
        assert "3 lulus, 1 ditolak" in page
        assert "koreksi oleh QC-CLG-07, 3 lulus, 1 ditolak. Alasan: sole comes loose" in page
        assert f'value="{batch.serials[0]}" checked' in page, "the correction form shows it now"
        sign_offs = (await inspection(system, batch, "CLG"))["sign_offs"]
        assert [s["rejected_quantity"] for s in sign_offs] == [0, 1]

        late = await browser.http.post(
            action,
            data={
                "csrf_token": form_fields(page)["csrf_token"],
                "supersedes": stale,
                "passed_quantity": "2",
                "rejected_quantity": "2",
                "quantity-FTW-02": "2",
                "serials-FTW-02": " ".join(batch.serials[1:3]),
                "reason": "more found",
            },
        )
        assert late.status_code == 409
        assert error_of(late.text, "form").startswith(
            "Tanda tangan ini sudah dikoreksi petugas lain"
        )
        assert len((await inspection(system, batch, "CLG"))["sign_offs"]) == 2


async def test_the_officer_holds_units_of_a_lot_of_their_upt_picked_from_its_serials(
    system: ConsoleSystem,
) -> None:
    batch = await made_and_signed_off(system, quantity=4)
    async with officer(system) as browser:
        page_path = f"/qc/inspections/{batch.batch_id}"
        hold_path = f"{page_path}/hold"
        assert 'href="' + hold_path + '"' in (await browser.http.get(page_path)).text

        no_reason = await posted(browser, hold_path, hold_path, defect_code="FTW-01")
        assert no_reason.status_code == 422
        assert error_of(no_reason.text, "reason") == "Wajib diisi."
        held = await posted(
            browser, hold_path, hold_path, defect_code="FTW-01", reason="sole comes loose",
            **{"pick-serials": batch.serials[:2]},
        )  # fmt: skip
        assert held.status_code == 303, held.text
        assert held.headers["location"] == f"{page_path}#holds"
        page = (await browser.http.get(page_path)).text
        assert "Ditahan: tidak boleh dijual." in page.split('id="holds"', 1)[1]
        assert "2 unit" in page.split('id="holds"', 1)[1]

        holds = await system.call("quality", "GET", f"/holds?lot={batch.lot_code}")
        [hold] = holds.json()["items"]
        assert (hold["held_by"], hold["defect_code"]) == ("qc_officer", "FTW-01")
        assert sorted(hold["serials"]) == sorted(batch.serials[:2])

    async with officer(system, "SRG") as elsewhere:
        assert (await elsewhere.http.get(hold_path)).status_code == 403


def ginger() -> BatchCompleted:
    """Ginger drink made in Ciangir, where no permit is registered."""
    made = batch_completed(sku=GINGER, quantity=20)
    return food(
        made, upt_code=FOOD_UPT, production_date=TODAY, best_before=TODAY + timedelta(days=180)
    )


async def test_food_without_a_valid_permit_is_refused_saying_which_permit_and_why(
    system: ConsoleSystem,
) -> None:
    batch = ginger()
    await system.completed(batch)
    async with officer(system, FOOD_UPT) as browser:
        page_path = f"/qc/inspections/{batch.batch_id}"
        action = f"{page_path}/sign-off"

        async def arrived() -> bool:
            return (await browser.http.get(page_path)).status_code == 200

        await eventually("the ginger's inspection", arrived)
        none = await posted(browser, page_path, action, passed_quantity="20", rejected_quantity="0")
        assert none.status_code == 422
        assert error_of(none.text, "passed_quantity") == (
            f"Pangan ini tidak bisa diluluskan: belum ada SPP-IRT yang terdaftar untuk {GINGER} di "
            f"UPT {FOOD_UPT}. Minta admin UPT mendaftarkan izin yang berlaku lalu tanda tangani "
            "lagi, atau tolak seluruh barang dengan kode PAN-08."
        )

        admin = {"role": "upt_admin", "upt": FOOD_UPT}
        permit_id, number = str(uuid4()), "2360401012500101-30"
        permit = {
            "permit_id": permit_id,
            "sku": GINGER,
            "upt_code": FOOD_UPT,
            "kind": "spp-irt",
            "number": number,
            "issuer": "Pemerintah Kabupaten Tangerang (DPMPTSP)",
            "issued_on": (TODAY - timedelta(days=365)).isoformat(),
            "expires_on": (TODAY + timedelta(days=365)).isoformat(),
        }
        registered = await system.call("quality", "POST", "/permits", permit, **admin)
        assert registered.status_code == 201, registered.text
        revocation = {"reason": "dicabut oleh Dinas Kesehatan"}
        revoked = await system.call(
            "quality", "POST", f"/permits/{permit_id}/revocation", revocation, **admin
        )
        assert revoked.status_code == 200, revoked.text

        english = await browser.http.get(page_path, params={"lang": "en"})
        assert english.status_code == 200
        refused = await posted(
            browser, page_path, action, passed_quantity="20", rejected_quantity="0"
        )
        assert error_of(refused.text, "passed_quantity").startswith(
            f"This food cannot pass: SPP-IRT {number} for {GINGER} at UPT {FOOD_UPT} was revoked "
            f"on {TODAY.isoformat()}."
        )
        assert (await inspection(system, batch, FOOD_UPT))["status"] == "pending"
        rejected = await posted(
            browser, page_path, action, passed_quantity="0", rejected_quantity="20",
            **{"quantity-PAN-08": "20"},
        )  # fmt: skip
        assert rejected.status_code == 303, "a full rejection needs no permit"
