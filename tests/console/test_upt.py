"""The UPT administrator's pages against the real services: the store's stock (the live
fragment) and ledger, the UPT's batches with their inspections, and the holds and recalls of
its lots with the recall report; an administrator of one UPT never sees another UPT's stock,
batches or recalls, and long lists come a page at a time."""

from collections.abc import AsyncIterator
from uuid import uuid4

import pytest

from services.console.i18n import MESSAGES
from services.console.upt import LEDGER_REASONS
from tests.builders import COBEK, SHOES, batch_completed
from tests.console.harness import Browser, ConsoleSystem, made_and_signed_off
from tests.console.test_kanwil import LIVE_CONTRACT, available, hold, level_row
from tests.waiting import eventually

HX = {"HX-Request": "true"}
TERMINAL = {"role": "terminal", "workshop": "CLG-SPT"}


@pytest.fixture
async def cilegon(system: ConsoleSystem) -> AsyncIterator[Browser]:
    async with system.browser() as browser:
        await system.signed_in(browser, "upt_admin", upt="CLG")
        yield browser


@pytest.fixture
async def rangkas(system: ConsoleSystem) -> AsyncIterator[Browser]:
    async with system.browser() as browser:
        await system.signed_in(browser, "upt_admin", upt="RKB")
        yield browser


async def test_each_upt_sees_its_own_stores_stock_and_never_anothers(
    system: ConsoleSystem, cilegon: Browser, rangkas: Browser
) -> None:
    await made_and_signed_off(system, quantity=4)
    await made_and_signed_off(system, quantity=3, sku=COBEK)

    own = (await cilegon.http.get("/upt/stock")).text
    other = (await rangkas.http.get("/upt/stock")).text

    assert available(level_row(own, SHOES, "CLG-STORE")) == 4
    assert COBEK not in own
    assert "RKB-STORE" not in own
    assert level_row(other, COBEK, "RKB-STORE")
    assert SHOES not in other
    assert f'href="/upt/ledger?sku={SHOES}"' in own


async def test_the_stock_list_is_the_live_fragment_to_htmx(
    system: ConsoleSystem, cilegon: Browser
) -> None:
    await made_and_signed_off(system, quantity=2)

    fragment = await cilegon.http.get("/upt/stock", headers=HX)

    assert fragment.text.lstrip().startswith('<section id="stock-levels"')
    section = fragment.text.split(">", 1)[0]
    assert all(attribute in section for attribute in LIVE_CONTRACT)
    assert 'hx-get="/upt/stock?offset=0"' in section
    assert level_row(fragment.text, SHOES, "CLG-STORE")


def test_every_reason_stock_moves_for_has_words() -> None:
    assert {f"ledger.reason.{reason}" for reason in LEDGER_REASONS} <= set(MESSAGES["id"])


async def test_the_ledger_shows_the_stores_movements_of_a_sku_and_none_of_another_upts(
    system: ConsoleSystem, cilegon: Browser, rangkas: Browser
) -> None:
    batch = await made_and_signed_off(system, quantity=3)

    own = (await cilegon.http.get(f"/upt/ledger?sku={SHOES}")).text
    other = (await rangkas.http.get(f"/upt/ledger?sku={SHOES}")).text
    asked = (await cilegon.http.get("/upt/ledger")).text

    movements = own.split('<table id="ledger"', 1)[1]
    assert movements.count('<tr class="movement">') == 1
    assert batch.lot_code in movements
    assert '<td class="number">+3</td>' in movements
    assert "<td>diterima</td>" in movements
    assert "Belum ada pergerakan SKU ini di gudang." in other
    assert batch.lot_code not in other
    assert '<input id="sku" name="sku" value=""' in asked


async def test_the_upts_batches_wait_for_qc_then_show_their_sign_off_and_not_another_upts(
    system: ConsoleSystem, cilegon: Browser, rangkas: Browser
) -> None:
    waiting = batch_completed(quantity=5)
    await system.completed(waiting)
    signed = await made_and_signed_off(system, quantity=2)

    async def pending() -> str:
        page = (await cilegon.http.get("/upt/inspections?status=pending")).text
        return page if waiting.lot_code in page else ""

    queue = await eventually("the batch waiting for QC", pending)
    done = (await cilegon.http.get("/upt/inspections?status=signed_off")).text
    elsewhere = (await rangkas.http.get("/upt/inspections?status=pending")).text
    elsewhere_done = (await rangkas.http.get("/upt/inspections?status=signed_off")).text

    assert signed.lot_code not in queue
    assert signed.lot_code in done
    assert "2 lolos, 0 ditolak" in done
    assert "QC-CLG-" in done, "the officer's code, never a name"
    assert waiting.lot_code not in elsewhere + elsewhere_done
    assert signed.lot_code not in elsewhere + elsewhere_done


async def opened(system: ConsoleSystem) -> str:
    body = {"batch_id": str(uuid4()), "workshop_code": "CLG-SPT", "sku": SHOES}
    answer = await system.call("production", "POST", "/batches", body, **TERMINAL)
    assert answer.is_success, answer.text
    return str(body["batch_id"])


async def test_the_open_batches_are_the_upts_own_workshops_a_page_at_a_time(
    system: ConsoleSystem, cilegon: Browser, rangkas: Browser
) -> None:
    batch_ids = [await opened(system) for _ in range(21)]

    first = (await cilegon.http.get("/upt/inspections")).text
    second = (await cilegon.http.get("/upt/inspections?status=open&offset=20")).text
    elsewhere = (await rangkas.http.get("/upt/inspections?status=open")).text
    listed = await system.call("production", "GET", "/batches", role="upt_admin", upt="RKB")

    shown = [batch_id for batch_id in batch_ids if f'id="batch-{batch_id}"' in first + second]
    assert first.count('<li class="card inspection"') == 20
    assert second.count('<li class="card inspection"') == 1
    assert sorted(shown) == sorted(batch_ids), "each once, the latest opened first"
    assert f'id="batch-{batch_ids[-1]}"' in first
    assert 'rel="next" href="/upt/inspections?status=open&amp;offset=20"' in first
    assert 'rel="next"' not in second
    assert "CLG-SPT" not in elsewhere
    assert listed.status_code == 200
    assert {batch["workshop_code"] for batch in listed.json()} <= {"RKB-KYU"}


async def test_a_batch_made_at_the_tablet_is_shown_with_its_inspection_to_its_upt_alone(
    system: ConsoleSystem, cilegon: Browser, rangkas: Browser
) -> None:
    batch_id = str(uuid4())
    opened = {"batch_id": batch_id, "workshop_code": "CLG-SPT", "sku": SHOES}
    assert (await system.call("production", "POST", "/batches", opened, **TERMINAL)).is_success
    path = f"/upt/batches/{batch_id}"

    before = (await cilegon.http.get(path)).text
    output = {"submission_id": str(uuid4()), "quantity": 2, "worker_codes": ["WB-7F3K"]}
    recorded = await system.call(
        "production", "POST", f"/batches/{batch_id}/output", output, **TERMINAL
    )
    assert recorded.is_success, recorded.text
    completed = await system.call(
        "production", "POST", f"/batches/{batch_id}/complete", {}, **TERMINAL
    )
    assert completed.is_success, completed.text

    async def inspected() -> str:
        page = (await cilegon.http.get(path)).text
        return page if 'id="inspection"' in page else ""

    page = await eventually("the batch in quality's queue", inspected)
    refused = await rangkas.http.get(path)

    assert "terbuka" in before
    assert "QC belum menerima batch ini." in before
    assert "selesai" in page
    assert "Menunggu QC" in page
    assert str(completed.json()["lot_code"]) in page
    assert refused.status_code == 403


async def test_the_recalls_are_the_upts_own_with_the_report_of_its_own_lots(
    system: ConsoleSystem, cilegon: Browser
) -> None:
    own = await made_and_signed_off(system, quantity=2)
    other = await made_and_signed_off(system, quantity=2, sku=COBEK)
    await hold(system, own.lot_code, [])
    await hold(system, other.lot_code, [])

    page = (await cilegon.http.get("/upt/recalls")).text
    report = await cilegon.http.get(f"/upt/lots/{own.lot_code}/recall-report")
    csv = await cilegon.http.get(f"/upt/lots/{own.lot_code}/recall-report/download?format=csv")
    refused = await cilegon.http.get(f"/upt/lots/{other.lot_code}/recall-report")

    assert own.lot_code in page
    assert other.lot_code not in page
    assert f'href="/upt/lots/{own.lot_code}/recall-report"' in page
    assert report.status_code == 200
    assert 'href="/upt/recalls"' in report.text
    assert f'href="/upt/lots/{own.lot_code}/recall-report/download?format=csv"' in report.text
    assert csv.headers["content-disposition"] == f'attachment; filename="recall-{own.lot_code}.csv"'
    assert refused.status_code == 403


async def test_a_long_list_of_holds_comes_a_page_at_a_time(
    system: ConsoleSystem, cilegon: Browser
) -> None:
    batch = await made_and_signed_off(system, quantity=21)
    for serial in batch.serials:
        await hold(system, batch.lot_code, [serial])

    first = (await cilegon.http.get("/upt/recalls")).text
    second = (await cilegon.http.get("/upt/recalls?offset=20")).text

    assert first.count('<li class="card" id="hold-') == 20
    assert "1-20 dari 21" in first
    assert 'rel="next" href="/upt/recalls?offset=20"' in first
    assert second.count('<li class="card" id="hold-') == 1
    assert 'rel="prev" href="/upt/recalls?offset=0"' in second
    assert 'rel="next"' not in second


@pytest.mark.parametrize(
    "path", ["/upt/stock", "/upt/ledger?sku=X", "/upt/inspections", "/upt/recalls"]
)
async def test_the_upt_pages_are_refused_to_the_kanwil(kanwil: Browser, path: str) -> None:
    assert (await kanwil.http.get(path)).status_code == 403


async def test_the_upt_administrator_lands_on_the_stores_stock(cilegon: Browser) -> None:
    landed = await cilegon.http.get("/")
    page = await cilegon.http.get("/upt/stock")

    assert landed.headers["location"] == "/upt/stock"
    for item in ("/upt/stock", "/upt/inspections", "/upt/recalls", "/transfers"):
        assert f'<li><a href="{item}"' in page.text
