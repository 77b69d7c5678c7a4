"""The gallery's pages and the consignment receipt against the real services: the Kanwil
receives shoes shipped to the gallery (counting one damaged), the gallery's staff find them in
their stock, sell a pair with the buyer's reference, complete the sale, record a return and
cancel another order; bad input is said next to its field and changes nothing; every page is
refused to the other roles."""

from dataclasses import dataclass
from uuid import uuid4

import pytest

from shared.contracts import BatchCompleted
from tests.console.harness import (
    Browser,
    ConsoleSystem,
    form_fields,
    made_and_signed_off,
    post_form,
)
from tests.console.test_sign_off import error_of
from tests.waiting import eventually

GALLERY = "KANWIL-GALERI"
SHIPPED = 3


@dataclass
class Consignment:
    batch: BatchCompleted
    transfer_id: str

    @property
    def serials(self) -> list[str]:
        return list(self.batch.serials[:SHIPPED])


@pytest.fixture
async def consignment(system: ConsoleSystem) -> Consignment:
    batch = await made_and_signed_off(system)
    transfer_id = str(uuid4())
    shipment = {
        "transfer_id": transfer_id,
        "from_location": "CLG-STORE",
        "to_location": GALLERY,
        "sku": batch.sku,
        "lot_code": batch.lot_code,
        "serials": list(batch.serials[:SHIPPED]),
    }
    shipped = await system.call(
        "inventory", "POST", "/transfers", shipment, role="upt_admin", upt="CLG"
    )
    assert shipped.status_code == 201, shipped.text
    return Consignment(batch, transfer_id)


def order_number(page: str) -> str:
    return page.split('<span id="order-id" class="lot">', 1)[1].split("</span>", 1)[0]


async def received(system: ConsoleSystem, kanwil: Browser, consignment: Consignment) -> str:
    page = f"/transfers/{consignment.transfer_id}"
    damaged = consignment.serials[-1]
    return await post_form(kanwil, page, f"{page}/receipt", damaged_serials=damaged)


async def test_the_kanwil_finds_the_consignment_in_transit_and_receives_it_one_damaged(
    system: ConsoleSystem, kanwil: Browser, consignment: Consignment
) -> None:
    listed = await kanwil.http.get("/transfers")
    assert f'id="transfer-{consignment.transfer_id}"' in listed.text

    page = await received(system, kanwil, consignment)

    assert "Diterima: 2 utuh, 0 kurang, 1 rusak." in page
    still = await kanwil.http.get("/transfers")
    assert f'id="transfer-{consignment.transfer_id}"' not in still.text


async def test_a_serial_not_shipped_is_refused_with_inventorys_reason_and_nothing_is_received(
    system: ConsoleSystem, kanwil: Browser, consignment: Consignment
) -> None:
    page = f"/transfers/{consignment.transfer_id}"
    answer = await post_form(kanwil, page, f"{page}/receipt", short_serials="CLG-2611-9999-0001")

    assert error_of(answer, "form").startswith("Isian ini ditolak.")
    assert "not shipped on transfer" in error_of(answer, "form")
    assert form_fields(answer)["short_serials"] == "CLG-2611-9999-0001", "what was typed stays"
    transfer = await system.call("inventory", "GET", page)
    assert transfer.json()["status"] == "shipped"


async def test_the_gallery_sells_a_received_pair_completes_it_and_records_its_return(
    system: ConsoleSystem, kanwil: Browser, staff: Browser, consignment: Consignment
) -> None:
    await received(system, kanwil, consignment)

    async def in_stock() -> str:
        page = (await staff.http.get("/gallery/stock")).text
        return page if f'<span class="lot">{GALLERY}</span> 2' in page else ""

    stock = await eventually("two pairs at the gallery", in_stock)
    assert consignment.batch.sku in stock
    sold = consignment.serials[0]

    order = await post_form(
        staff,
        f"/gallery/sell?sku={consignment.batch.sku}",
        "/gallery/sell",
        sku=consignment.batch.sku,
        quantity="1",
        serials=sold,
        buyer_ref="BUYER-GAL-7",
    )
    assert "BUYER-GAL-7" in order
    order_id = order_number(order)
    order_path = f"/gallery/orders/{order_id}"

    async def confirmed() -> str:
        page = (await staff.http.get(order_path)).text
        return page if 'id="complete"' in page else ""

    await eventually("inventory's confirmation", confirmed)
    completed = await post_form(staff, order_path, f"{order_path}/complete")
    assert "Selesai: terjual." in completed

    no_reason = await post_form(staff, order_path, f"{order_path}/returns", serials=sold)
    assert error_of(no_reason, "reason") == "Wajib diisi."
    returned = await post_form(
        staff, order_path, f"{order_path}/returns", serials=sold, reason="sole came loose"
    )
    assert '<dd id="returned">1</dd>' in returned


async def test_a_sale_with_missing_and_wrong_fields_is_said_next_to_them_and_places_nothing(
    system: ConsoleSystem, staff: Browser
) -> None:
    form = await staff.http.get("/gallery/sell")
    order_id = form_fields(form.text)["order_id"]
    answer = await staff.http.post(
        "/gallery/sell",
        data={
            "csrf_token": form_fields(form.text)["csrf_token"],
            "order_id": order_id,
            "sku": "FTW-SPT-OLR",
            "quantity": "dua",
            "buyer_ref": "",
        },
    )

    assert answer.status_code == 422
    assert error_of(answer.text, "quantity") == "Isi bilangan bulat, 0 atau lebih."
    assert error_of(answer.text, "buyer_ref") == "Wajib diisi."
    assert 'aria-describedby="error-buyer_ref' in answer.text
    order = await system.call("sales", "GET", f"/orders/{order_id}")
    assert order.status_code == 404, "nothing was placed"


async def test_sales_refusal_of_a_sale_is_shown_at_the_field_it_names(staff: Browser) -> None:
    form = await staff.http.get("/gallery/sell")
    answer = await staff.http.post(
        "/gallery/sell",
        data={
            "csrf_token": form_fields(form.text)["csrf_token"],
            "order_id": form_fields(form.text)["order_id"],
            "sku": "FTW-SPT-OLR",
            "quantity": "200000",
            "buyer_ref": "BUYER-GAL-8",
        },
    )

    assert answer.status_code == 422
    said = error_of(answer.text, "quantity")
    assert said.startswith("Isian ini ditolak."), answer.text
    assert "less than or equal to 100000" in said, "sales' own reason, in English"
    assert form_fields(answer.text)["buyer_ref"] == "BUYER-GAL-8", "what was typed stays"


async def test_an_open_order_is_cancelled_with_its_reason(
    system: ConsoleSystem, kanwil: Browser, staff: Browser, consignment: Consignment
) -> None:
    await received(system, kanwil, consignment)
    sku = consignment.batch.sku

    async def sold() -> str:
        page = await post_form(staff, "/gallery/sell", "/gallery/sell", sku=sku, quantity="1",
                               buyer_ref="BUYER-GAL-9")  # fmt: skip
        return page if 'id="order-id"' in page else ""  # refused until the stock is there

    page = await eventually("a sale placed", sold)
    order_id = order_number(page)
    order_path = f"/gallery/orders/{order_id}"

    no_reason = await post_form(staff, order_path, f"{order_path}/cancel")
    assert error_of(no_reason, "reason") == "Wajib diisi."
    cancelled = await post_form(
        staff, order_path, f"{order_path}/cancel", reason="the buyer changed their mind"
    )
    assert "Dibatalkan." in cancelled


@pytest.mark.parametrize(
    ("role", "binding", "path"),
    [
        ("channel", {"channel": "GALERI-SERANG"}, "/transfers"),
        ("channel", {"channel": "GALERI-SERANG"}, "/kanwil/holds"),
        ("kanwil_admin", {}, "/gallery/stock"),
        ("qc_officer", {"upt": "CLG"}, "/gallery/sell"),
        ("upt_admin", {"upt": "CLG"}, "/gallery/stock"),
        ("qc_officer", {"upt": "CLG"}, "/transfers"),
    ],
)
async def test_another_roles_page_is_refused(
    system: ConsoleSystem, role: str, binding: dict[str, str], path: str
) -> None:
    async with system.browser() as browser:
        await system.signed_in(browser, role, **binding)  # type: ignore[arg-type]
        answer = await browser.http.get(path)

    assert answer.status_code == 403
    assert "Halaman ini bukan untuk peran Anda." in answer.text


async def test_a_form_posted_by_another_role_changes_nothing(system: ConsoleSystem) -> None:
    async with system.browser() as browser:
        await system.signed_in(browser, "qc_officer", upt="CLG")
        csrf = await browser.csrf_token()
        order_id = str(uuid4())
        form = {"csrf_token": csrf, "order_id": order_id, "sku": "FTW-SPT-OLR", "quantity": "1"}
        answer = await browser.http.post("/gallery/sell", data=form | {"buyer_ref": "B-1"})

    assert answer.status_code == 403
    assert (await system.call("sales", "GET", f"/orders/{order_id}")).status_code == 404


async def test_the_same_refusal_in_english(staff: Browser) -> None:
    form = await staff.http.get("/gallery/sell", params={"lang": "en"})
    answer = await staff.http.post(
        "/gallery/sell",
        data={
            "csrf_token": form_fields(form.text)["csrf_token"],
            "order_id": form_fields(form.text)["order_id"],
            "sku": "FTW-SPT-OLR",
            "quantity": "",
            "buyer_ref": "BUYER-GAL-8",
        },
    )

    assert answer.status_code == 422
    assert error_of(answer.text, "quantity") == "Required."
    assert "<h1>New sale</h1>" in answer.text
