"""The Kanwil's master data against the real services: every list and entity page, a change
through the owning service's PUT (its refusal next to the input, nothing changed), and the
import of a CSV or XLSX file as a console job whose progress the page follows: thousands of
rows checked a part at a time then applied at once; a bad file lists every bad row with its
column and reason and changes nothing."""

import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import Workbook

from services.console.db import ImportJob
from services.console.i18n import MESSAGES
from services.console.master import KINDS
from services.console.views import NAVIGATION
from tests.console.harness import Browser, ConsoleSystem, form_fields, post_form
from tests.console.test_sign_off import error_of
from tests.waiting import eventually

PAGES = (
    "/kanwil/master",
    *(f"/kanwil/master/{kind}" for kind in KINDS),
    *(f"/kanwil/master/{kind}/import" for kind in KINDS),
    *(f"/kanwil/master/{kind}/new" for kind in KINDS),
    "/kanwil/master/upts/CLG",
    "/kanwil/master/workshops/CLG-MBL",
    "/kanwil/master/products/PAN-ROT-001",
    "/kanwil/master/locations/KANWIL-GALERI",
    "/kanwil/master/channels/GALERI-SERANG",
)
UPT_HEADER = "code,name,kind,class\n"
STATUS = re.compile(r'data-status="(\w+)"')
CHECKED = re.compile(r'<progress id="import-checked" max="(\d+)" value="(\d+)"')


@pytest.fixture
async def officer(system: ConsoleSystem) -> AsyncIterator[Browser]:
    async with system.browser() as browser:
        await system.signed_in(browser, "qc_officer")
        yield browser


@pytest.fixture
async def upt_admin(system: ConsoleSystem) -> AsyncIterator[Browser]:
    async with system.browser() as browser:
        await system.signed_in(browser, "upt_admin")
        yield browser


async def test_every_master_data_page_renders_for_the_kanwil(kanwil: Browser) -> None:
    for path in PAGES:
        page = await kanwil.http.get(path)
        assert page.status_code == 200, (path, page.text)
        assert "<h1>" in page.text, path
    products = (await kanwil.http.get("/kanwil/master/products")).text
    assert 'href="/kanwil/master/products/PAN-ROT-001"' in products
    assert "Roti manis" in products


async def test_master_data_is_the_kanwils_only(
    officer: Browser, upt_admin: Browser, staff: Browser
) -> None:
    for browser in (officer, upt_admin, staff):
        for path in ("/kanwil/master", "/kanwil/master/products", "/kanwil/master/upts/import"):
            assert (await browser.http.get(path)).status_code == 403, path
        token = form_fields((await browser.http.get("/home")).text).get("csrf_token", "")
        posted = await browser.http.post("/kanwil/master/upts/new", data={"csrf_token": token})
        assert posted.status_code == 403


def test_every_word_the_master_pages_build_exists() -> None:
    """Keys made of a kind's or column's name (the word test finds only whole ones)."""
    keys = {f"master.kind.{kind}" for kind in KINDS} | {f"master.new.{kind}" for kind in KINDS}
    keys |= {f"import.title.{kind}" for kind in KINDS}
    keys |= {f"master.column.{c.name}" for kind in KINDS.values() for c in kind.columns}
    keys |= {f"master.column.{name}" for kind in KINDS.values() for name in kind.shown}
    statuses = ("reading", "checking", "applying", "done", "checked", "refused", "failed")
    keys |= {f"import.status.{status}" for status in (*statuses, "interrupted")}
    assert keys - set(MESSAGES["id"]) == set()
    menu = [item.path for item in NAVIGATION["kanwil_admin"]]
    assert "/kanwil/master" in menu
    assert "/kanwil/permits" in menu


async def test_a_product_is_changed_through_its_page(
    system: ConsoleSystem, kanwil: Browser
) -> None:
    page = await kanwil.http.get("/kanwil/master/products/PAN-ROT-001")
    fields = form_fields(page.text)
    fields["name"] = "Roti manis isi cokelat"
    fields.pop("active", None)  # unticked: no longer made
    answer = await kanwil.http.post("/kanwil/master/products/PAN-ROT-001", data=fields)

    assert answer.status_code == 303
    product = (await system.call("production", "GET", "/catalogue/products/PAN-ROT-001")).json()
    assert product["name"] == "Roti manis isi cokelat"
    assert product["active"] is False
    assert product["price_idr"] == 5_000, "what was not changed stays"


async def test_a_refused_change_is_said_at_its_input_and_changes_nothing(
    system: ConsoleSystem, kanwil: Browser
) -> None:
    page = "/kanwil/master/products/PAN-ROT-001"
    fields = form_fields((await kanwil.http.get(page)).text)
    typed = await post_form(kanwil, page, page, **{**fields, "price_idr": "lima ribu"})
    assert error_of(typed, "price_idr") == "Isi bilangan bulat, 0 atau lebih."
    refused = await post_form(kanwil, page, page, **{**fields, "upt_code": "ZZZ", "name": "x"})
    assert error_of(refused, "upt_code").startswith("Isian ini ditolak."), refused
    assert form_fields(refused)["upt_code"] == "ZZZ", "what was typed stays"

    product = (await system.call("production", "GET", "/catalogue/products/PAN-ROT-001")).json()
    assert (product["upt_code"], product["name"]) == ("CLG", "Roti manis")


async def test_a_new_location_is_added_through_the_new_form(
    system: ConsoleSystem, kanwil: Browser
) -> None:
    fields = {
        "code": "EXPO-PIK2", "name": "Stan pameran PIK 2", "kind": "expo_stand",
        "address": "Kabupaten Tangerang, Banten", "owner": "Pemprov Banten", "active": "on",
    }  # fmt: skip
    page = await post_form(
        kanwil, "/kanwil/master/locations/new", "/kanwil/master/locations/new", **fields
    )

    assert "EXPO-PIK2" in page
    location = (await system.call("inventory", "GET", "/locations/EXPO-PIK2")).json()
    assert location["name"] == "Stan pameran PIK 2"


async def test_a_new_entity_with_a_code_that_exists_changes_nothing(
    system: ConsoleSystem, kanwil: Browser
) -> None:
    new = "/kanwil/master/upts/new"
    page = await post_form(
        kanwil, new, new, code="CLG", name="Lapas baru", kind="lapas", **{"class": "I"}
    )

    assert error_of(page, "code") == "Kode ini sudah ada: ubah lewat halamannya."
    upt = (await system.call("production", "GET", "/catalogue/upts/CLG")).json()
    assert upt["name"] == "Lapas Kelas IIA Cilegon"


# ------------------------------------------------------------------ imports


async def uploaded(browser: Browser, kind: str, name: str, data: bytes, **options: str) -> str:
    """Post the file to the kind's import form: the job's page it leads to."""
    token = form_fields((await browser.http.get(f"/kanwil/master/{kind}/import")).text)[
        "csrf_token"
    ]
    answer = await browser.http.post(
        f"/kanwil/master/{kind}/import",
        data={"csrf_token": token, **options},
        files={"file": (name, data)},
    )
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"])


async def followed(browser: Browser, job: str) -> tuple[str, list[tuple[int, int]]]:
    """Poll the job's progress fragment, as htmx does, until it ends: its last fragment and
    every (checked, rows) it showed on the way."""
    seen: list[tuple[int, int]] = []
    last = ""

    async def ended() -> bool:
        nonlocal last
        last = (await browser.http.get(job, headers={"HX-Request": "true"})).text
        if counts := CHECKED.search(last):
            seen.append((int(counts[2]), int(counts[1])))
        status = STATUS.search(last)
        return status is not None and status[1] not in ("reading", "checking", "applying")

    await eventually("the import ended", ended, timeout_s=120)
    return last, seen


async def upt_count(system: ConsoleSystem) -> int:
    return len((await system.call("production", "GET", "/catalogue/upts")).json())


async def test_an_import_of_thousands_of_rows_shows_its_progress_and_completes(
    system: ConsoleSystem, kanwil: Browser
) -> None:
    before = await upt_count(system)
    rows = "".join(f"U{n:04d},Lapas Uji {n},lapas,IIA\n" for n in range(3000))
    job = await uploaded(kanwil, "upts", "upts.csv", (UPT_HEADER + rows).encode())

    page = await kanwil.http.get(job)
    assert page.status_code == 200
    assert 'hx-trigger="every 1s"' in page.text, "the page polls"
    last, seen = await followed(kanwil, job)

    assert STATUS.search(last)[1] == "done", last  # type: ignore[index]
    assert "3000 ditambahkan, 0 diubah, 0 tetap." in last
    assert "every 1s" not in last, "an ended import is not polled again"
    assert any(0 < checked < rows for checked, rows in seen), f"no progress seen: {seen}"
    assert await upt_count(system) == before + 3000
    listed = (await kanwil.http.get("/kanwil/master/upts?offset=200")).text
    assert f"{before + 3000} seluruhnya; ini nomor 201 sampai 400" in listed, "it pages"
    assert 'href="/kanwil/master/upts?offset=400"' in listed
    assert 'href="/kanwil/master/upts?offset=0"' in listed


async def test_a_file_with_bad_rows_lists_each_and_changes_nothing(
    system: ConsoleSystem, kanwil: Browser
) -> None:
    before = await upt_count(system)
    rows = "".join(f"U{n:04d},Lapas Uji {n},lapas,IIA\n" for n in range(600))
    rows += "U0700,Lapas Uji,lapas,IV\nCLG,Lapas Kelas IIA Cilegon,lapas,IIA\nu-bad,Lapas,lapas,I\n"
    rows += "U0001,Lapas lagi,lapas,I\n"  # the same code as row 3
    job = await uploaded(kanwil, "upts", "upts.csv", (UPT_HEADER + rows).encode())
    last, _seen = await followed(kanwil, job)

    assert STATUS.search(last)[1] == "refused", last  # type: ignore[index]
    problems = re.findall(r'<tr><td class="number">(\d+)</td><td><code>(\w*)</code></td>', last)
    assert ("602", "class") in problems, problems
    assert ("604", "code") in problems, "a code of another kind's pattern"
    assert problems.count(("605", "code")) == 1, "a key twice, in two parts of the check"
    assert "Ditolak: tidak ada yang diubah." in last
    assert await upt_count(system) == before, "nothing imported, not even the good rows"
    page = (await kanwil.http.get(job)).text
    assert 'id="import-form"' in page, "the upload is offered again beside the problems"


async def test_a_bad_cell_is_reported_before_anything_is_sent(
    system: ConsoleSystem, kanwil: Browser
) -> None:
    table = (
        "sku,name,upt_code,family,tracking,unit_of_measure,price_idr\n"
        "PAN-ROT-001,Roti manis,CLG,PAN,lot,piece,lima ribu\n"
    )
    last, _seen = await followed(
        kanwil, await uploaded(kanwil, "products", "p.csv", table.encode())
    )

    assert STATUS.search(last)[1] == "refused"  # type: ignore[index]
    assert '<td class="number">2</td><td><code>price_idr</code></td>' in last, last
    product = (await system.call("production", "GET", "/catalogue/products/PAN-ROT-001")).json()
    assert product["price_idr"] == 5_000


async def test_a_dry_run_counts_and_writes_nothing_and_xlsx_is_read(
    system: ConsoleSystem, kanwil: Browser
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["code", "name", "kind", "class"])
    sheet.append(["CLG", "Lapas Kelas IIA Cilegon", "lapas", "IIA"])
    sheet.append(["XLS1", "Lapas dari XLSX", "lapas", "III"])
    data = io.BytesIO()
    book.save(data)
    before = await upt_count(system)

    job = await uploaded(kanwil, "upts", "upts.xlsx", data.getvalue(), dry_run="on")
    last, _seen = await followed(kanwil, job)

    assert STATUS.search(last)[1] == "checked", last  # type: ignore[index]
    assert "Akan ditambahkan 1, diubah 0, tetap 1." in last
    assert await upt_count(system) == before


async def test_moving_a_product_needs_allow_moves(system: ConsoleSystem, kanwil: Browser) -> None:
    table = (
        b"sku,name,upt_code,family,tracking,unit_of_measure,price_idr,shelf_life_days,food_permit\n"
        b"PAN-ROT-001,Roti manis,SRG,PAN,lot,piece,5000,5,spp-irt\n"
    )
    refused, _seen = await followed(kanwil, await uploaded(kanwil, "products", "p.csv", table))
    assert STATUS.search(refused)[1] == "refused", refused  # type: ignore[index]
    assert "allow_moves" in refused

    job = await uploaded(kanwil, "products", "p.csv", table, allow_moves="on")
    moved, _seen = await followed(kanwil, job)
    assert STATUS.search(moved)[1] == "done", moved  # type: ignore[index]
    product = (await system.call("production", "GET", "/catalogue/products/PAN-ROT-001")).json()
    assert product["upt_code"] == "SRG"


async def test_a_file_that_is_not_csv_or_xlsx_is_refused_at_the_upload(kanwil: Browser) -> None:
    token = form_fields((await kanwil.http.get("/kanwil/master/upts/import")).text)["csrf_token"]
    answer = await kanwil.http.post(
        "/kanwil/master/upts/import",
        data={"csrf_token": token},
        files={"file": ("upts.txt", b"code\n")},
    )
    assert answer.status_code == 422
    assert error_of(answer.text, "file") == "Berkas harus berakhiran .csv atau .xlsx."


async def test_another_persons_import_is_not_found(system: ConsoleSystem, kanwil: Browser) -> None:
    job = await uploaded(kanwil, "upts", "u.csv", (UPT_HEADER + "CLG,x,lapas,IIA\n").encode())
    await followed(kanwil, job)
    async with system.console.state.console.db.transaction() as session:
        row = await session.get(ImportJob, job.rsplit("/", 1)[1])
        assert row is not None
        row.subject = "another-kanwil-admin"

    assert (await kanwil.http.get(job)).status_code == 404


async def test_a_key_twice_in_one_part_is_listed_once(kanwil: Browser) -> None:
    """The service finds it too (the same rows in one dry run): one problem, not two."""
    table = UPT_HEADER + "U0001,Lapas Uji,lapas,IIA\nU0001,Lapas Uji lagi,lapas,IIA\n"
    last, _seen = await followed(kanwil, await uploaded(kanwil, "upts", "u.csv", table.encode()))

    assert last.count('<td class="number">3</td><td><code>code</code></td>') == 1, last
    assert "U0001 is also row 2 of this file" in last


async def test_an_import_not_heard_of_for_long_shows_as_interrupted(
    system: ConsoleSystem, kanwil: Browser
) -> None:
    """The console stopped while it ran (its task is gone, its row says checking)."""
    job = await uploaded(kanwil, "upts", "u.csv", (UPT_HEADER + "CLG,x,lapas,IIA\n").encode())
    await followed(kanwil, job)
    async with system.console.state.console.db.transaction() as session:
        row = await session.get(ImportJob, job.rsplit("/", 1)[1])
        assert row is not None
        row.status, row.updated_at = "checking", datetime.now(UTC) - timedelta(minutes=3)

    page = (await kanwil.http.get(job, headers={"HX-Request": "true"})).text

    assert STATUS.search(page)[1] == "interrupted", page  # type: ignore[index]
    assert "every 1s" not in page


async def test_a_refusal_of_the_pages_own_code_is_shown_on_the_page(
    system: ConsoleSystem, kanwil: Browser
) -> None:
    """The code is no input of a change's form; inventory's refusal of it still shows."""
    page = "/kanwil/master/locations/KANWIL-GALERI"
    fields = form_fields((await kanwil.http.get(page)).text)
    refused = await post_form(
        kanwil, page, page, **{**fields, "kind": "upt_store", "upt_code": "CLG"}
    )

    assert "CLG-STORE" in error_of(refused, "code"), refused
    location = (await system.call("inventory", "GET", "/locations/KANWIL-GALERI")).json()
    assert location["kind"] == "gallery"
