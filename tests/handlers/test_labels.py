"""The labels a workshop prints: every QR code, read back from the rendered PDF as a phone reads
it, is the Digital Link of its unit or lot and opens that unit's or lot's public trace; and each
label says in print what its own code says."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from uuid import UUID, uuid4

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pytest
import zxingcpp
from fastapi import Response
from PIL.Image import Image

from services.production import catalogue, labels
from services.production.api import (
    OpenBatch,
    RecordOutput,
    complete_batch,
    get_labels,
    open_batch,
    record_output,
)
from services.trace.api import Client, resolve_lot, resolve_unit
from services.trace.negotiation import JSON
from shared.auth import Forbidden
from shared.contracts import BatchCompleted
from shared.errors import Conflict, NotFound, Rejected
from shared.gs1 import digital_link
from shared.identity import Claims
from tests.handlers.harness import KANWIL, Service
from tests.handlers.test_production import NOVEMBER

DPI = 300
MM = 25.4  # per inch
SHEET = labels.L7160
SHOES, BREAD = ("CLG-SPT", "FTW-SPT-OLR"), ("CLG-ROT", "PAN-ROT-001")
APP = Client(JSON, "id")  # the resolver's answer as JSON, as an app asks for it


@dataclass(frozen=True)
class Printed:
    """One label as it came out of the printer: its QR code, read, and its text."""

    code: str
    text: str


def terminal_of(workshop: str) -> Claims:
    return Claims(role="terminal", sub=f"terminal-{workshop}", workshop=workshop)


async def opened(production: Service, made: tuple[str, str]) -> UUID:
    """A batch opened through production's route, as the workshop's terminal opens it."""
    workshop, sku = made
    body = OpenBatch(batch_id=uuid4(), workshop_code=workshop, sku=sku)
    async with production.runtime.units.begin() as uow:
        return (await open_batch(body, uow, Response(), terminal_of(workshop))).batch_id


async def completed(production: Service, made: tuple[str, str], quantity: int) -> BatchCompleted:
    """A batch made and completed through production's routes; the event its completion wrote
    to the outbox."""
    batch_id, terminal = await opened(production, made), terminal_of(made[0])
    output = RecordOutput(submission_id=uuid4(), quantity=quantity, worker_codes=["WB-0001"])
    async with production.runtime.units.begin() as uow:
        await record_output(batch_id, output, uow, Response(), terminal)
    async with production.runtime.units.begin() as uow:
        await complete_batch(batch_id, uow, terminal)
    return next(e for e in await production.outbox(BatchCompleted) if e.batch_id == batch_id)


async def labels_pdf(
    production: Service, batch_id: UUID, copies: int | None = None, caller: Claims = KANWIL
) -> Response:
    async with production.session() as session:
        return await get_labels(batch_id, session, production.runtime, caller, copies)


def pages(pdf: bytes) -> list[Image]:
    """Every page as a 300 dpi image, as a printer puts it on paper."""
    return [page.render(scale=DPI / 72).to_pil() for page in pdfium.PdfDocument(pdf)]


def printed(pdf: bytes, images: list[Image]) -> list[Printed]:
    """Label by label, page by page: the QR code an independent decoder reads inside the
    label's outline, and the text inside it (white space made single spaces: names wrap)."""
    found: list[Printed] = []
    for page, image in zip(pdfium.PdfDocument(pdf), images, strict=True):
        codes = {_label_at(code.position): code for code in zxingcpp.read_barcodes(image)}
        assert {code.format for code in codes.values()} <= {zxingcpp.BarcodeFormat.QRCode}
        textpage = page.get_textpage()
        for index in range(SHEET.per_page):
            text = " ".join(textpage.get_text_bounded(*_points(index)).split())
            code = codes.pop(index, None)
            if text or code:
                found.append(Printed(code.text if code else "", text))
        assert codes == {}, "every code is inside a label"
    return found


def _label_at(position: zxingcpp.Position) -> int:
    """The index of the label a QR code's centre is on."""
    corners = (position.top_left, position.top_right, position.bottom_left, position.bottom_right)
    x = sum(corner.x for corner in corners) / 4 * MM / DPI
    y = sum(corner.y for corner in corners) / 4 * MM / DPI
    for index in range(SHEET.per_page):
        left, top = SHEET.origin_of(index)
        if left < x < left + SHEET.label_width and top < y < top + SHEET.label_height:
            return index
    raise AssertionError(f"a QR code outside every label, at {x:.1f}, {y:.1f} mm")


def _points(index: int) -> tuple[float, float, float, float]:
    """A label's outline as PDF coordinates (points, from the bottom left): left, bottom,
    right, top."""
    left, top = SHEET.origin_of(index)
    bottom = SHEET.page_height - top - SHEET.label_height
    point = 72 / MM
    return (
        left * point,
        bottom * point,
        (left + SHEET.label_width) * point,
        (bottom + SHEET.label_height) * point,
    )


def link(production: Service, event: BatchCompleted, serial: str | None = None) -> str:
    base_url = production.runtime.settings.public_base_url
    return digital_link(base_url, event.gtin, event.lot_code, serial)


def body(response: Response) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(bytes(response.body))
    return answer


async def test_every_unit_gets_a_label_whose_qr_code_opens_its_trace(
    production: Service, trace: Service, output_dir: Path
) -> None:
    shoes = await completed(production, SHOES, 7)

    response = await labels_pdf(production, shoes.batch_id)
    pdf = bytes(response.body)
    images = pages(pdf)
    images[0].save(output_dir / "labels-units-page-1.png")  # for a person to look at
    sheet = printed(pdf, images)

    assert response.media_type == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition == f'inline; filename="labels-{shoes.lot_code}.pdf"'
    assert len(images) == 1
    assert [label.code for label in sheet] == [link(production, shoes, s) for s in shoes.serials]
    await trace.publish(shoes)
    async with trace.session() as session:
        for label in sheet:
            path = urlsplit(label.code).path
            _01, gtin, _10, lot, _21, serial = map(unquote, path.split("/")[1:])
            unit = body(await resolve_unit(gtin, lot, serial, session, trace.runtime, None, APP))
            assert (unit["kind"], unit["lot_code"], unit["serial"]) == ("unit", lot, serial)
            assert unit["digital_link"] == label.code
            assert unit["product"]["name"] == "Sepatu olahraga mesh"


async def test_a_units_label_says_in_print_what_its_code_says(production: Service) -> None:
    shoes = await completed(production, SHOES, 7)

    pdf = bytes((await labels_pdf(production, shoes.batch_id)).body)

    assert printed(pdf, pages(pdf)) == [
        Printed(
            link(production, shoes, serial),
            f"Sepatu olahraga mesh Lapas Kelas IIA Cilegon "
            f"(01) {shoes.gtin} (10) {shoes.lot_code} (21) {serial}",
        )
        for serial in shoes.serials
    ]


async def test_a_lot_gets_a_label_per_piece_all_opening_the_lots_trace(
    production: Service, trace: Service, output_dir: Path
) -> None:
    bread = await completed(production, BREAD, 30)

    pdf = bytes((await labels_pdf(production, bread.batch_id)).body)
    images = pages(pdf)
    images[-1].save(output_dir / "labels-lot-page-2.png")

    assert len(images) == 2, "21 labels fill an A4 sheet"
    label = Printed(
        link(production, bread),
        f"Roti manis Lapas Kelas IIA Cilegon (01) {bread.gtin} (10) {bread.lot_code}",
    )
    assert printed(pdf, images) == [label] * 30
    await trace.publish(bread)
    _01, gtin, _10, lot = map(unquote, urlsplit(label.code).path.split("/")[1:])
    async with trace.session() as session:
        answer = body(await resolve_lot(gtin, lot, session, trace.runtime, None, APP))
    assert (answer["kind"], answer["lot_code"]) == ("lot", bread.lot_code)
    assert (answer["digital_link"], answer["product"]["name"]) == (label.code, "Roti manis")


async def test_a_lot_gets_as_many_labels_as_asked(production: Service) -> None:
    bread = await completed(production, BREAD, 30)

    pdf = bytes((await labels_pdf(production, bread.batch_id, copies=4)).body)

    assert [label.code for label in printed(pdf, pages(pdf))] == [link(production, bread)] * 4


async def test_a_large_lot_is_printed_up_to_the_limit(production: Service) -> None:
    bread = await completed(production, BREAD, 10_000)

    pdf = bytes((await labels_pdf(production, bread.batch_id)).body)

    assert len(pdfium.PdfDocument(pdf)) == -(-labels.MAX_COPIES // SHEET.per_page)


async def test_copies_out_of_range_or_of_units_are_refused(production: Service) -> None:
    bread = await completed(production, BREAD, 30)
    shoes = await completed(production, SHOES, 2)

    for copies in (0, -1, labels.MAX_COPIES + 1):
        with pytest.raises(Rejected, match=f"1 to {labels.MAX_COPIES} labels") as refused:
            await labels_pdf(production, bread.batch_id, copies)
        assert (refused.value.status_code, refused.value.field) == (422, "copies")
    with pytest.raises(Rejected, match="each unit of this batch gets one label"):
        await labels_pdf(production, shoes.batch_id, copies=2)


async def test_a_batch_not_completed_has_no_labels_yet(production: Service) -> None:
    batch_id = await opened(production, SHOES)

    with pytest.raises(Conflict, match="the batch is open") as refused:
        await labels_pdf(production, batch_id)
    assert refused.value.status_code == 409
    with pytest.raises(NotFound):
        await labels_pdf(production, uuid4())


async def test_only_the_batchs_workshop_and_upt_get_its_labels(production: Service) -> None:
    shoes = await completed(production, SHOES, 1)
    own_upt = Claims(role="upt_admin", sub="admin-clg", upt="CLG")

    for caller in (terminal_of("CLG-SPT"), own_upt):
        assert (await labels_pdf(production, shoes.batch_id, caller=caller)).status_code == 200
    for caller in (terminal_of("RKB-KYU"), Claims(role="upt_admin", sub="admin-rkb", upt="RKB")):
        with pytest.raises(Forbidden):
            await labels_pdf(production, shoes.batch_id, caller=caller)


def test_the_same_labels_make_the_same_pdf() -> None:
    made = catalogue.origin(*SHOES)
    sheet = labels.batch_labels("https://x.test", made, "CLG-FTW-2611-0001", ["S-1"], None, 1)

    first, again = (labels.render(sheet, "lot", NOVEMBER) for _ in range(2))

    assert first == again
    assert first.startswith(b"%PDF-")
