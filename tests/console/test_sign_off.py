"""The QC officer's sign-off form against the real quality app: the family's defect codes,
quality's refusals next to the fields in the officer's language, and a sign-off that lands."""

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import pytest

from shared.contracts import BatchCompleted
from tests.builders import batch_completed
from tests.console.harness import Browser, ConsoleSystem, form_fields
from tests.waiting import eventually


@dataclass
class Pending:
    browser: Browser
    batch: BatchCompleted

    @property
    def path(self) -> str:
        return f"/qc/inspections/{self.batch.batch_id}"

    async def send(self, lang: str = "id", /, **fields: str | Sequence[str]) -> str:
        """Post the form with these inputs; the page that comes back (after a redirect)."""
        page = await self.browser.http.get(self.path, params={"lang": lang})
        form = {"csrf_token": form_fields(page.text)["csrf_token"], **fields}
        answer = await self.browser.http.post(f"{self.path}/sign-off", data=form)
        if answer.status_code == 303:
            assert answer.headers["location"] == self.path
            return (await self.browser.http.get(self.path)).text
        assert answer.status_code == 422, answer.text
        return answer.text


@pytest.fixture
async def pending(system: ConsoleSystem) -> AsyncIterator[Pending]:
    batch = batch_completed(quantity=6)
    await system.completed(batch)
    async with system.browser() as browser:
        await system.signed_in(browser)

        async def waiting() -> bool:
            return (await browser.http.get(f"/qc/inspections/{batch.batch_id}")).status_code == 200

        await eventually("the inspection in quality", waiting)
        yield Pending(browser, batch)


def error_of(page: str, name: str) -> str:
    """The text of the error shown under an input (empty when there is none)."""
    marker = f'<p class="field-error" id="error-{name}">'
    if marker not in page:
        return ""
    return page.split(marker, 1)[1].split("</p>", 1)[0]


async def test_the_form_offers_the_familys_defect_codes_and_the_lots_serials(
    pending: Pending,
) -> None:
    page = await pending.browser.http.get(pending.path)

    assert page.status_code == 200
    for code in ("FTW-01", "FTW-02", "FTW-03", "FTW-04", "FTW-05"):
        assert f'name="quantity-{code}"' in page.text
        assert f'name="serials-{code}"' in page.text
    assert "sole bonding" in page.text
    assert pending.batch.serials[0] in page.text


async def test_counts_that_do_not_add_up_are_refused_next_to_the_field_in_indonesian(
    system: ConsoleSystem, pending: Pending
) -> None:
    page = await pending.send(passed_quantity="5", rejected_quantity="0")

    assert error_of(page, "passed_quantity") == (
        "Lulus 5 + ditolak 0 = 5, tetapi batch ini berisi 6."
    )
    assert 'aria-describedby="error-passed_quantity"' in page
    assert form_fields(page)["passed_quantity"] == "5", "what was typed stays"
    still = await pending.browser.http.get(pending.path)
    assert 'id="sign-off"' in still.text, "nothing was signed off"


async def test_the_same_refusal_in_english(pending: Pending) -> None:
    page = await pending.send("en", passed_quantity="6", rejected_quantity="1")

    assert error_of(page, "passed_quantity") == "6 passed + 1 rejected = 7, but this batch has 6."


async def test_rejections_that_do_not_match_the_rejected_count_are_shown_at_the_rejected_count(
    pending: Pending,
) -> None:
    page = await pending.send(
        **{"passed_quantity": "4", "rejected_quantity": "2", "quantity-FTW-01": "1"},
        **{"serials-FTW-01": pending.batch.serials[0]},
    )

    assert error_of(page, "rejected_quantity") == (
        "Jumlah per kode cacat (1) harus sama dengan jumlah ditolak (2)."
    )


async def test_a_serial_not_of_the_lot_is_shown_at_its_defect_code_with_qualitys_reason(
    pending: Pending,
) -> None:
    page = await pending.send(
        **{"passed_quantity": "5", "rejected_quantity": "1", "quantity-FTW-02": "1"},
        **{"serials-FTW-02": "CLG-2611-9999-0001"},
    )

    said = error_of(page, "serials-FTW-02")
    assert said.startswith("Nomor seri tidak cocok")
    assert "CLG-2611-9999-0001 is not in this lot" in said, "quality's own reason, in English"
    assert 'lang="en"' in said


async def test_a_count_that_is_not_a_number_is_said_before_quality_is_asked(
    pending: Pending,
) -> None:
    page = await pending.send(passed_quantity="enam", rejected_quantity="")

    assert error_of(page, "passed_quantity") == "Isi bilangan bulat, 0 atau lebih."
    assert error_of(page, "rejected_quantity") == "Isi bilangan bulat, 0 atau lebih."


async def test_a_sign_off_with_two_rejects_lands_in_quality_and_leaves_the_queue(
    pending: Pending,
) -> None:
    rejected = pending.batch.serials[-2:]
    page = await pending.send(
        **{"passed_quantity": "4", "rejected_quantity": "2", "quantity-FTW-01": "2"},
        **{"serials-FTW-01": ", ".join(rejected)},
    )
    queue = await pending.browser.http.get("/qc/inspections")

    assert "Sudah ditandatangani oleh QC-CLG-07: 4 lulus, 2 ditolak." in page
    assert all(serial in page for serial in rejected)
    assert pending.batch.lot_code not in queue.text


async def test_a_batch_signed_off_meanwhile_is_said_at_the_top_of_the_form(
    pending: Pending,
) -> None:
    form = await pending.browser.http.get(pending.path)
    csrf = form_fields(form.text)["csrf_token"]
    await pending.send(passed_quantity="6", rejected_quantity="0")

    again = await pending.browser.http.post(
        f"{pending.path}/sign-off",
        data={"csrf_token": csrf, "passed_quantity": "6", "rejected_quantity": "0"},
    )

    assert again.status_code == 409
    assert error_of(again.text, "form") == "Batch ini sudah ditandatangani. Muat ulang halaman."


async def test_rejected_serials_are_picked_from_the_lot_typed_too_and_counted_when_left_blank(
    system: ConsoleSystem, pending: Pending
) -> None:
    form = (await pending.browser.http.get(pending.path)).text
    first, second, third = pending.batch.serials[:3]
    for serial in pending.batch.serials:
        assert f'name="pick-serials-FTW-01" value="{serial}"' in form

    refused = await pending.send(
        **{"passed_quantity": "6", "rejected_quantity": "1"},
        **{"pick-serials-FTW-01": [first, second]},
    )
    assert f'value="{first}" checked' in refused, "what was picked stays picked"
    assert f'value="{third}" checked' not in refused

    page = await pending.send(
        **{"passed_quantity": "3", "rejected_quantity": "3"},
        **{"pick-serials-FTW-01": [first, second], "serials-FTW-01": f"{second} {third}"},
    )
    assert "Sudah ditandatangani oleh QC-CLG-07: 3 lulus, 3 ditolak." in page
    answer = await system.call(
        "quality", "GET", f"/inspections/{pending.batch.batch_id}", role="qc_officer", upt="CLG"
    )
    [defect] = answer.json()["defects"]
    assert (defect["code"], defect["quantity"]) == ("FTW-01", 3)
    assert defect["serials"] == [first, second, third]
