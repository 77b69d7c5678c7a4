"""The Kanwil administrator's recall path: holds and recalls, placing a hold on a lot (with a
defect code of its family, or only a reason), escalating it to a recall, and the lot's recall
report with the buyers to reach, downloaded as CSV or XLSX.

Quality decides whether a hold may be placed (the lot exists, the code is of its family, the
serials are of the lot); trace writes the report. The download is trace's answer handed on as
it is, fetched with the person's own token: the console never writes a report of its own.
"""

from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote
from uuid import UUID, uuid4

import httpx
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict

from services.console.fields import Fields
from services.console.i18n import Translate, language_of, translator
from services.console.sessions import Console, ConsoleDep, Person, access_token, role
from services.console.views import render

router = APIRouter()
Kanwil = Annotated[Person, role("kanwil_admin")]
LIST_LIMIT = 100
HOLD_FIELDS = ("hold_id", "lot_code", "defect_code", "serials", "reason")
PASSED_ON = ("content-type", "content-disposition")  # of trace's file, to the browser
# Where the report page's links lead: its downloads (under `base`) and back to the holds.
KANWIL_REPORT: dict[str, Any] = {
    "base": "/kanwil/lots",
    "back": "/kanwil/holds",
    "back_word": "holds.back",
}


class Hold(BaseModel):
    """What the pages show of quality's hold view."""

    model_config = ConfigDict(extra="ignore")
    hold_id: UUID
    lot_code: str
    sku: str
    upt_code: str
    serials: list[str] = []
    defect_code: str | None = None
    reason: str
    status: Literal["held", "recalled", "released", "destroyed"]
    held_at: datetime
    recall_reason: str | None = None


class ReportLine(BaseModel):
    model_config = ConfigDict(extra="ignore")
    where: str
    quantity: int
    serial: str | None = None
    location_code: str | None = None
    channel_code: str | None = None
    sold_at: str | None = None
    buyer_ref: str | None = None
    order_id: str | None = None


class Report(BaseModel):
    """Trace's recall report: where every unit or quantity of the lot is now."""

    model_config = ConfigDict(extra="ignore")
    lot_code: str
    sku: str | None = None
    product_name: str | None = None
    made: int | None = None
    counts: dict[str, int]
    lines: list[ReportLine]

    @property
    def buyers(self) -> list[ReportLine]:
        """The lines with a buyer to reach: sold (or returned) goods."""
        return [line for line in self.lines if line.buyer_ref]


@router.get("/kanwil/holds")
async def holds(request: Request, person: Kanwil, console: ConsoleDep) -> Response:
    """Every UPT's holds and recalls, oldest first (quality's order)."""
    token = await access_token(console, person)
    page = await console.upstream.get("quality", "/holds", token, limit=LIST_LIMIT)
    listed = [Hold.model_validate(item) for item in page["items"]]
    return render(request, "holds.html", holds=listed, total=page["total"])


@router.get("/kanwil/holds/new")
async def hold_form(
    request: Request,
    person: Kanwil,
    console: ConsoleDep,
    lot: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """A new hold; its id is made here, so sending the form twice places one hold."""
    codes = await _defect_codes(console, await access_token(console, person))
    form = Fields(values={"hold_id": str(uuid4()), "lot_code": lot})
    return render(request, "hold_new.html", form=form, codes=codes)


@router.post("/kanwil/holds")
async def place_hold(request: Request, person: Kanwil, console: ConsoleDep) -> Response:
    token = await access_token(console, person)
    t = translator(language_of(request))
    form = Fields.read(await request.form(), HOLD_FIELDS)
    answer = await place(console, token, form, t)
    if answer is not None:
        return RedirectResponse(f"/kanwil/holds/{answer.json()['hold_id']}", status_code=303)
    codes = await _defect_codes(console, token)
    return render(request, "hold_new.html", status_code=form.status, form=form, codes=codes)


def hold_body(form: Fields, t: Translate) -> dict[str, Any]:
    """The hold quality takes, from the form (the Kanwil's, and the QC officer's: qc.py)."""
    return {
        "hold_id": form.text("hold_id", t),
        "lot_code": form.text("lot_code", t),
        "serials": form.codes("serials"),
        "defect_code": form.text("defect_code", t, required=False),
        "reason": form.text("reason", t),
    }


async def place(console: Console, token: str, form: Fields, t: Translate) -> httpx.Response | None:
    """Place the form's hold: quality's answer, or None with its refusal at the inputs (an
    unknown lot is quality's 404, said at the lot)."""
    body = hold_body(form, t)
    return await form.send(
        console.upstream, "quality", "/holds", token, body, t, passed_on=(404, 409)
    )


@router.get("/kanwil/holds/{hold_id}")
async def hold_page(
    request: Request, hold_id: UUID, person: Kanwil, console: ConsoleDep
) -> Response:
    """A hold, the recall it may become, and the way to its lot's recall report."""
    hold = await _hold(console, await access_token(console, person), hold_id)
    return render(request, "hold.html", hold=hold, form=Fields())


@router.post("/kanwil/holds/{hold_id}/recall")
async def recall(request: Request, hold_id: UUID, person: Kanwil, console: ConsoleDep) -> Response:
    """Escalate the hold to a recall: what was sold must come back."""
    token = await access_token(console, person)
    t = translator(language_of(request))
    form = Fields.read(await request.form(), ("reason",))
    body = {"reason": form.text("reason", t)}
    path = f"/holds/{hold_id}/recall"
    if await form.send(console.upstream, "quality", path, token, body, t) is not None:
        return RedirectResponse(f"/kanwil/holds/{hold_id}", status_code=303)
    hold = await _hold(console, token, hold_id)
    return render(request, "hold.html", status_code=form.status, hold=hold, form=form)


@router.get("/kanwil/lots/{lot_code}/recall-report")
async def recall_report(
    request: Request, lot_code: str, person: Kanwil, console: ConsoleDep
) -> Response:
    """Where every unit of the lot is now, the buyers to reach first."""
    report = await report_of(console, await access_token(console, person), lot_code)
    return render(request, "recall_report.html", report=report, **KANWIL_REPORT)


@router.get("/kanwil/lots/{lot_code}/recall-report/download")
async def recall_report_file(
    lot_code: str, person: Kanwil, console: ConsoleDep, format: Literal["csv", "xlsx"] = "csv"
) -> Response:
    """Trace's CSV or XLSX of the report, as trace wrote and named it."""
    return await report_file(console, await access_token(console, person), lot_code, format)


async def report_of(console: Console, token: str, lot_code: str) -> Report:
    """Trace's report of the lot (trace decides who reads which: a UPT administrator its
    own lots')."""
    return Report.model_validate(await console.upstream.get("trace", _report_path(lot_code), token))


async def report_file(console: Console, token: str, lot_code: str, format: str) -> Response:
    """Trace's CSV or XLSX of the report, handed on as it came."""
    answer = await console.upstream.download("trace", _report_path(lot_code), token, format=format)
    headers = {name: answer.headers[name] for name in PASSED_ON if name in answer.headers}
    return Response(answer.content, status_code=answer.status_code, headers=headers)


def _report_path(lot_code: str) -> str:
    """Trace's report of the lot; the code quoted whole (a `?` in it stays part of it)."""
    return f"/lots/{quote(lot_code, safe='')}/recall-report"


async def _hold(console: Console, token: str, hold_id: UUID) -> Hold:
    return Hold.model_validate(await console.upstream.get("quality", f"/holds/{hold_id}", token))


async def _defect_codes(console: Console, token: str) -> dict[str, dict[str, str]]:
    """Every family's defect codes (the lot's family decides which quality accepts)."""
    codes: dict[str, dict[str, str]] = await console.upstream.get("quality", "/defect-codes", token)
    return codes
