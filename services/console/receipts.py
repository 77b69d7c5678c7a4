"""Receiving a consignment transfer: what is in transit to the administrator's places, and the
receipt counting what arrived short and what arrived damaged.

Inventory lets only administrators record a receipt (the destination's: a UPT's administrator
for its store, the Kanwil's for places no UPT runs, such as the gallery and the expo stand), so
the gallery's consignments are received here by the Kanwil, not by the gallery's staff.
"""

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict

from services.console.fields import Fields
from services.console.i18n import Translate, language_of, translator
from services.console.sessions import Console, ConsoleDep, Person, access_token, role
from services.console.views import render

router = APIRouter()
Admin = Annotated[Person, role("upt_admin", "kanwil_admin")]
LIST_LIMIT = 100
COUNTS = ("short", "damaged")
# Per lot, inventory names what arrived whole (the rest, not an input here) when the counts do
# not add up: said at the short count, the first one typed.
LOT_PLACES = {"received_quantity": "short_quantity"}
RECEIPT_FIELDS = tuple(f"{kind}_{part}" for kind in COUNTS for part in ("quantity", "serials"))


class Transfer(BaseModel):
    """What the pages show of inventory's transfer view."""

    model_config = ConfigDict(extra="ignore")
    transfer_id: UUID
    sku: str
    lot_code: str
    from_location: str
    to_location: str
    quantity: int
    serials: list[str] = []
    status: Literal["shipped", "received"]
    shipped_at: datetime
    received_quantity: int | None = None
    short_quantity: int | None = None
    short_serials: list[str] = []
    damaged_quantity: int | None = None
    damaged_serials: list[str] = []


@router.get("/transfers")
async def in_transit(request: Request, person: Admin, console: ConsoleDep) -> Response:
    """Transfers shipped and not yet received that the administrator may read, oldest first."""
    token = await access_token(console, person)
    page = await console.upstream.get(
        "inventory", "/transfers", token, transfer_status="shipped", limit=LIST_LIMIT
    )
    transfers = [Transfer.model_validate(item) for item in page["items"]]
    return render(request, "transfers.html", transfers=transfers, total=page["total"])


@router.get("/transfers/{transfer_id}")
async def receipt_form(
    request: Request, transfer_id: UUID, person: Admin, console: ConsoleDep
) -> Response:
    transfer = await _transfer(console, await access_token(console, person), transfer_id)
    return render(request, "receipt.html", transfer=transfer, form=Fields())


@router.post("/transfers/{transfer_id}/receipt")
async def receive(
    request: Request, transfer_id: UUID, person: Admin, console: ConsoleDep
) -> Response:
    """Short and damaged as counted; everything else shipped arrived whole (inventory's
    default). Unit-tracked goods are counted by serial, lot-tracked by quantity."""
    token = await access_token(console, person)
    transfer = await _transfer(console, token, transfer_id)
    t = translator(language_of(request))
    form = Fields.read(await request.form(), RECEIPT_FIELDS)
    body = _receipt(form, transfer, t)
    path = f"/transfers/{transfer_id}/receipt"
    answer = await form.send(console.upstream, "inventory", path, token, body, t, places=LOT_PLACES)
    if answer is not None:
        return RedirectResponse(f"/transfers/{transfer_id}", status_code=303)
    return render(request, "receipt.html", status_code=form.status, transfer=transfer, form=form)


def _receipt(form: Fields, transfer: Transfer, t: Translate) -> dict[str, Any]:
    """The receipt inventory takes, from the form: units by serial (their count follows),
    lot-tracked goods by quantity (blank: none)."""
    body: dict[str, Any] = {}
    for kind in COUNTS:
        if transfer.serials:
            body[f"{kind}_serials"] = form.codes(f"{kind}_serials")
            body[f"{kind}_quantity"] = len(body[f"{kind}_serials"])
        else:
            body[f"{kind}_quantity"] = form.count(f"{kind}_quantity", t) or 0
    return body


async def _transfer(console: Console, token: str, transfer_id: UUID) -> Transfer:
    answer = await console.upstream.get("inventory", f"/transfers/{transfer_id}", token)
    return Transfer.model_validate(answer)
