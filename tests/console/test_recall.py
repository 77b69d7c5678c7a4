"""The Kanwil's recall path against the real services: a hold on a lot (quality's refusals next
to the lot, the defect code and the reason, nothing held), its recall, and the lot's recall
report with the buyer to reach, downloaded as trace wrote it (CSV, XLSX)."""

from uuid import uuid4

import pytest

from tests.console.harness import (
    Browser,
    ConsoleSystem,
    form_fields,
    made_and_signed_off,
    post_form,
)
from tests.console.test_sign_off import error_of
from tests.waiting import eventually


@pytest.fixture
async def lot(system: ConsoleSystem) -> str:
    batch = await made_and_signed_off(system, quantity=4)
    return batch.lot_code


async def holds_of(system: ConsoleSystem, lot_code: str) -> int:
    answer = await system.call("quality", "GET", f"/holds?lot={lot_code}")
    return int(answer.json()["total"])


async def test_the_hold_form_offers_every_familys_defect_codes(kanwil: Browser) -> None:
    page = await kanwil.http.get("/kanwil/holds/new?lot=CLG-FTW-2611-0001")

    assert page.status_code == 200
    assert '<optgroup label="FTW">' in page.text
    assert 'value="FTW-01"' in page.text
    assert form_fields(page.text)["lot_code"] == "CLG-FTW-2611-0001"


async def test_a_hold_without_a_reason_is_refused_at_the_reason_and_holds_nothing(
    system: ConsoleSystem, kanwil: Browser, lot: str
) -> None:
    page = await post_form(kanwil, "/kanwil/holds/new", "/kanwil/holds", lot_code=lot)

    assert error_of(page, "reason") == "Wajib diisi."
    assert form_fields(page)["lot_code"] == lot, "what was typed stays"
    assert await holds_of(system, lot) == 0


async def test_a_defect_code_of_another_family_is_refused_with_qualitys_reason(
    system: ConsoleSystem, kanwil: Browser, lot: str
) -> None:
    page = await post_form(
        kanwil, "/kanwil/holds/new", "/kanwil/holds", lot_code=lot, defect_code="PAN-01",
        reason="mould found",
    )  # fmt: skip

    said = error_of(page, "defect_code")
    assert said.startswith("Isian ini ditolak."), page
    assert "PAN-01" in said
    assert await holds_of(system, lot) == 0


async def test_an_unknown_lot_is_said_at_the_lot(kanwil: Browser) -> None:
    page = await post_form(
        kanwil, "/kanwil/holds/new", "/kanwil/holds", lot_code="CLG-FTW-2611-9999", reason="x-ray"
    )

    assert error_of(page, "lot_code").startswith("Isian ini ditolak.")


async def test_the_kanwil_holds_a_lot_recalls_it_and_downloads_its_report(
    system: ConsoleSystem, kanwil: Browser, lot: str
) -> None:
    held = await post_form(
        kanwil, "/kanwil/holds/new", "/kanwil/holds", lot_code=lot, defect_code="FTW-01",
        reason="sole comes loose",
    )  # fmt: skip
    assert "Ditahan: tidak boleh dijual." in held
    recall_form = held.split('<form id="recall"', 1)[1]
    hold_path = recall_form.split('action="', 1)[1].split('/recall"', 1)[0]
    listed = await kanwil.http.get("/kanwil/holds")
    assert lot in listed.text

    no_reason = await post_form(kanwil, hold_path, f"{hold_path}/recall")
    assert error_of(no_reason, "reason") == "Wajib diisi."
    recalled = await post_form(kanwil, hold_path, f"{hold_path}/recall", reason="confirmed")
    assert "Ditarik kembali." in recalled

    async def held_in_trace() -> str:
        page = await kanwil.http.get(f"/kanwil/lots/{lot}/recall-report")
        return page.text if "<strong>4</strong> ditahan" in page.text else ""

    report = await eventually("the lot held in trace's report", held_in_trace)
    assert "Belum ada yang terjual dari lot ini." in report
    assert report.count('data-preparing="Menyiapkan laporan 4 barang…"') == 2, "CSV and XLSX"
    assert '<script src="/static/download.js" defer></script>' in report
    csv = await kanwil.http.get(f"/kanwil/lots/{lot}/recall-report/download?format=csv")
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.headers["content-disposition"] == f'attachment; filename="recall-{lot}.csv"'
    assert csv.text.splitlines()[0].startswith("where,quantity,serial")
    xlsx = await kanwil.http.get(f"/kanwil/lots/{lot}/recall-report/download?format=xlsx")
    assert xlsx.content[:2] == b"PK", "a zip: an XLSX workbook"
    for answer in (csv, xlsx):  # the page's progress bar counts against it
        assert answer.headers["content-length"] == str(len(answer.content))


async def test_the_report_of_an_unknown_lot_is_a_404_page(kanwil: Browser) -> None:
    answer = await kanwil.http.get(f"/kanwil/lots/CLG-FTW-2611-{uuid4().hex[:4]}/recall-report")

    assert answer.status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/kanwil/holds", "/kanwil/holds/new", "/kanwil/lots/CLG-FTW-2611-0001/recall-report"],
)
async def test_the_recall_pages_are_the_kanwils_alone(system: ConsoleSystem, path: str) -> None:
    async with system.browser() as browser:
        await system.signed_in(browser, "upt_admin", upt="CLG")
        answer = await browser.http.get(path)

    assert answer.status_code == 403
