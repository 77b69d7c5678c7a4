"""The Kanwil administrator's food permits (quality's registry): the permits of every UPT,
registering one (an SPP-IRT, a BPOM MD registration or a halal certificate of a product at a
UPT; a renewal is a new permit), and revoking one. Passed food needs them on the sign-off day
(domain.md, "Permits that gate a release").

The rules of a permit (the number's format for its kind, an SPP-IRT's issuer and five years at
most) are quality's: its refusal is shown next to the input it names.
"""

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict

from services.console.fields import Fields
from services.console.i18n import language_of, translator
from services.console.master import Kanwil
from services.console.sessions import Console, ConsoleDep, access_token
from services.console.views import render

router = APIRouter()
LIST_LIMIT = 200
PERMIT_FIELDS = (
    "permit_id",
    "sku",
    "upt_code",
    "kind",
    "number",
    "issuer",
    "issued_on",
    "expires_on",
)
Filter = Annotated[str, Query(max_length=40)]
KINDS = ("spp-irt", "bpom-md", "halal")  # offered in the form; quality refuses any other


class PermitView(BaseModel):
    """What the pages show of quality's permit view."""

    model_config = ConfigDict(extra="ignore")
    permit_id: UUID
    sku: str
    upt_code: str
    kind: str
    number: str
    issuer: str | None = None
    issued_on: date
    expires_on: date
    revoked_at: datetime | None = None
    revoke_reason: str | None = None


@router.get("/kanwil/permits")
async def permits(
    request: Request, person: Kanwil, console: ConsoleDep, sku: Filter = "", upt_code: Filter = ""
) -> Response:
    """Every UPT's permits, by product, UPT and kind (quality's order); filtered by either."""
    token = await access_token(console, person)
    asked = {name: value for name, value in (("sku", sku), ("upt_code", upt_code)) if value}
    page = await console.upstream.get("quality", "/permits", token, limit=LIST_LIMIT, **asked)
    listed = [PermitView.model_validate(item) for item in page["items"]]
    context = {"permits": listed, "total": page["total"], "sku": sku, "upt_code": upt_code}
    return render(request, "permits.html", **context)


@router.get("/kanwil/permits/new")
async def permit_form(request: Request, _person: Kanwil) -> Response:
    """A new permit; its id is made here, so sending the form twice registers one."""
    return render(
        request, "permit_new.html", kinds=KINDS, form=Fields(values={"permit_id": str(uuid4())})
    )


@router.post("/kanwil/permits")
async def register(request: Request, person: Kanwil, console: ConsoleDep) -> Response:
    token = await access_token(console, person)
    t = translator(language_of(request))
    form = Fields.read(await request.form(), PERMIT_FIELDS)
    body = {name: form.text(name, t, required=name != "issuer") for name in PERMIT_FIELDS}
    answer = await form.send(console.upstream, "quality", "/permits", token, body, t)
    if answer is not None:
        return RedirectResponse(f"/kanwil/permits/{answer.json()['permit_id']}", status_code=303)
    return render(request, "permit_new.html", status_code=form.status, kinds=KINDS, form=form)


@router.get("/kanwil/permits/{permit_id}")
async def permit_page(
    request: Request, permit_id: UUID, person: Kanwil, console: ConsoleDep
) -> Response:
    """A permit, and the form that revokes it."""
    permit = await _permit(console, await access_token(console, person), permit_id)
    return render(request, "permit.html", permit=permit, form=Fields())


@router.post("/kanwil/permits/{permit_id}/revocation")
async def revoke(
    request: Request, permit_id: UUID, person: Kanwil, console: ConsoleDep
) -> Response:
    """From today (WIB) on, no food passes QC under it."""
    token = await access_token(console, person)
    t = translator(language_of(request))
    form = Fields.read(await request.form(), ("reason",))
    body: dict[str, Any] = {"reason": form.text("reason", t)}
    path = f"/permits/{permit_id}/revocation"
    if await form.send(console.upstream, "quality", path, token, body, t) is not None:
        return RedirectResponse(f"/kanwil/permits/{permit_id}", status_code=303)
    permit = await _permit(console, token, permit_id)
    return render(request, "permit.html", status_code=form.status, permit=permit, form=form)


async def _permit(console: Console, token: str, permit_id: UUID) -> PermitView:
    answer = await console.upstream.get("quality", f"/permits/{permit_id}", token)
    return PermitView.model_validate(answer)
