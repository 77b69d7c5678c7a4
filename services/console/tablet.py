"""The workshop tablet's pages: its enrolment by an administrator, then the day's batches of
its workshop, opening a batch, recording output with worker codes, completing, the labels.

Enrolment happens on the tablet itself: an administrator signs in to the console there and
types the terminal's client id and secret into /tablet/enrol. The console checks them with
identity (the client credentials grant), and the administrator's session is replaced by the
tablet's: a new session id, the terminal's claims, and the client credentials stored with the
session on the server (db.py), so the access token is renewed by the grant when it runs out.
Nothing is carried between devices, the secret is typed once and never comes back to a page,
and no administrator stays signed in on the shop floor.

Every form carries the id the API needs to make a resend harmless (`batch_id`, the output's
`submission_id`), made in the page by static/tablet.js per submission, which also queues the
submission in IndexedDB while the network is away (the page works without it too: the id
the server put in the form is then used once). Production's rules are production's: the
console shows its 4xx next to the field it names.
"""

from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict

from services.console.db import Tokens
from services.console.fields import Fields, Problem
from services.console.i18n import Translate, language_of, translator
from services.console.sessions import (
    Console,
    ConsoleDep,
    Person,
    access_token,
    end_session,
    role,
    set_cookie,
    start_session,
)
from services.console.upstream import SignInRefused
from services.console.views import render
from shared.identity import Claims

router = APIRouter()
Administrator = Annotated[Person, role("kanwil_admin", "upt_admin")]
Tablet = Annotated[Person, role("terminal")]
LISTED = 50  # open batches on the page; a workshop has a handful a day
RECENTLY_COMPLETED = 10  # completed batches listed for their labels
# The client-made ids are hidden inputs: production's refusal of one is said at the form's top.
CLIENT_ID = {"batch_id": "form", "submission_id": "form"}


class Batch(BaseModel):
    """What the pages show of production's batch view."""

    model_config = ConfigDict(extra="ignore")
    batch_id: UUID
    workshop_code: str
    sku: str
    status: str
    quantity: int
    lot_code: str | None
    serials: list[str] = []


class Product(BaseModel):
    model_config = ConfigDict(extra="ignore")
    sku: str
    name: str
    upt_code: str
    family: str
    tracking: str
    unit_of_measure: str
    shelf_life_days: int | None = None
    active: bool = True

    @property
    def dated(self) -> bool:
        """Food and produce carry a production date and a best-before date."""
        return self.shelf_life_days is not None


# ------------------------------------------------------------------ enrolment


@router.get("/tablet/enrol")
async def enrolment_form(request: Request, _admin: Administrator) -> Response:
    return render(request, "tablet_enrol.html", form=Fields())


@router.post("/tablet/enrol")
async def enrol(request: Request, admin: Administrator, console: ConsoleDep) -> Response:
    """This browser becomes the terminal's tablet, if identity takes the credentials, they are
    a terminal's and (for a UPT administrator) of a workshop of their UPT."""
    form = Fields.read(await request.form(), ("client_id", "client_secret"))
    client = form.values["client_id"], form.values["client_secret"]
    terminal = await _terminal(request, console, admin, client)
    if isinstance(terminal, str):
        form.errors["client_id"] = Problem(translator(language_of(request))(terminal))
        form.values["client_secret"] = ""  # never shown back
        return render(request, "tablet_enrol.html", status_code=422, form=form)
    await end_session(console, admin.row)
    session_id, row = await start_session(console, *terminal, client)
    response = RedirectResponse("/tablet", status_code=303)
    set_cookie(request, response, session_id, row)
    return response


async def _terminal(
    request: Request, console: Console, admin: Person, client: tuple[str, str]
) -> tuple[Claims, Tokens] | str:
    """The terminal's claims and tokens, or the key of the words saying why not."""
    if not all(client):
        return "enrol.error.missing"
    try:
        tokens = await console.upstream.client_credentials(*client)
    except SignInRefused:
        return "enrol.error.refused"
    claims: Claims = await request.app.state.verifier.claims(tokens.access_token)
    if claims.role != "terminal" or claims.workshop is None:
        return "enrol.error.not_terminal"
    if not await _of_admins_upt(console, admin, claims.workshop):
        return "enrol.error.other_upt"
    return claims, tokens


async def _of_admins_upt(console: Console, admin: Person, workshop_code: str) -> bool:
    """A UPT administrator enrols only their own UPT's workshops (the Kanwil's: any)."""
    if admin.claims.role != "upt_admin":
        return True
    token = await access_token(console, admin)
    workshop = await console.upstream.get(
        "production", f"/catalogue/workshops/{workshop_code}", token
    )
    return bool(workshop["upt_code"] == admin.claims.upt)


# ------------------------------------------------------------------ the day's batches


@router.get("/tablet")
async def batches_page(request: Request, tablet: Tablet, console: ConsoleDep) -> Response:
    return await _batches(request, tablet, console, Fields(), 200)


@router.post("/tablet/batches")
async def open_batch(request: Request, tablet: Tablet, console: ConsoleDep) -> Response:
    """Open a batch under the id the page made; then its page."""
    t = translator(language_of(request))
    form = Fields.read(await request.form(), ("batch_id", "sku"))
    body = _opening(form, tablet, t)
    token = await access_token(console, tablet)
    answer = await form.send(
        console.upstream, "production", "/batches", token, body, t, places=CLIENT_ID
    )
    if answer is not None:
        return RedirectResponse(f"/tablet/batches/{body['batch_id']}", status_code=303)
    return await _batches(request, tablet, console, form, form.status)


def _opening(form: Fields, tablet: Person, t: Translate) -> dict[str, Any]:
    """The batch production opens, from the form."""
    batch_id = _client_id(form, "batch_id", t)
    if not form.values["sku"]:
        form.errors["sku"] = Problem(t("tablet.error.sku"))
    sku = form.values["sku"]
    return {"batch_id": batch_id, "workshop_code": tablet.claims.workshop, "sku": sku}


async def _batches(
    request: Request, tablet: Tablet, console: Console, form: Fields, status: int
) -> Response:
    token = await access_token(console, tablet)
    open_ = await console.upstream.get("production", "/batches", token, status="open", limit=LISTED)
    completed = await console.upstream.get(
        "production", "/batches", token, status="completed", limit=RECENTLY_COMPLETED
    )
    products = await _products(console, token, tablet.claims.workshop or "")
    context = {
        "open_batches": [Batch.model_validate(item) for item in open_],
        "completed_batches": [Batch.model_validate(item) for item in completed],
        "products": products,
        "form": form,
        "new_id": uuid4(),
    }
    return render(request, "tablet.html", status_code=status, **context)


async def _products(console: Console, token: str, workshop_code: str) -> dict[str, Product]:
    """The products the workshop makes: of its UPT, of its families, still made."""
    workshop = await console.upstream.get(
        "production", f"/catalogue/workshops/{workshop_code}", token
    )
    every = await console.upstream.get("production", "/catalogue/products", token)
    products = [Product.model_validate(item) for item in every]
    return {
        product.sku: product
        for product in products
        if product.upt_code == workshop["upt_code"]
        and product.family in workshop["families"]
        and product.active
    }


# ------------------------------------------------------------------ one batch


@router.get("/tablet/batches/{batch_id}")
async def batch_page(
    request: Request, batch_id: UUID, tablet: Tablet, console: ConsoleDep
) -> Response:
    return await _batch(request, batch_id, tablet, console, Fields(), 200)


@router.post("/tablet/batches/{batch_id}/output")
async def record_output(
    request: Request, batch_id: UUID, tablet: Tablet, console: ConsoleDep
) -> Response:
    """Record pieces made and the codes of who made them, under the page's submission id."""
    t = translator(language_of(request))
    form = Fields.read(await request.form(), ("submission_id", "quantity", "worker_codes"))
    body = _output(form, t)
    path = f"/batches/{batch_id}/output"
    return await _sent(request, batch_id, tablet, console, form, path, body)


def _output(form: Fields, t: Translate) -> dict[str, Any]:
    """The output production takes, from the form: worker codes in capitals, as issued."""
    codes = [code.upper() for code in form.codes("worker_codes")]
    if not codes:
        form.errors["worker_codes"] = Problem(t("tablet.error.worker_codes"))
    return {
        "submission_id": _client_id(form, "submission_id", t),
        "quantity": form.count("quantity", t, required=True),
        "worker_codes": codes,
    }


@router.post("/tablet/batches/{batch_id}/complete")
async def complete_batch(
    request: Request, batch_id: UUID, tablet: Tablet, console: ConsoleDep
) -> Response:
    """Complete the batch (with the food dates typed, if any: production fills the others)."""
    form = Fields.read(await request.form(), ("production_date", "best_before"))
    dates = {name: value for name, value in form.values.items() if value}
    path = f"/batches/{batch_id}/complete"
    return await _sent(request, batch_id, tablet, console, form, path, dates or None)


async def _sent(
    request: Request,
    batch_id: UUID,
    tablet: Tablet,
    console: Console,
    form: Fields,
    path: str,
    body: Any,
) -> Response:
    """Send one of the batch's forms to production: back to the batch's page, or the form
    again with production's refusal (a 409, the batch moved on, passed on as a 409)."""
    t = translator(language_of(request))
    token = await access_token(console, tablet)
    answer = await form.send(console.upstream, "production", path, token, body, t, places=CLIENT_ID)
    if answer is not None:
        return RedirectResponse(f"/tablet/batches/{batch_id}", status_code=303)
    return await _batch(request, batch_id, tablet, console, form, form.status)


@router.get("/tablet/batches/{batch_id}/labels.pdf")
async def labels(request: Request, batch_id: UUID, tablet: Tablet, console: ConsoleDep) -> Response:
    """The label sheet, from production with the tablet's token."""
    token = await access_token(console, tablet)
    answer = await console.upstream.get_file("production", f"/batches/{batch_id}/labels.pdf", token)
    if not answer.is_success:
        return render(request, "error.html", status_code=409, message="tablet.labels.not_yet")
    disposition = answer.headers.get("content-disposition", "inline")
    return Response(
        answer.content, media_type="application/pdf", headers={"Content-Disposition": disposition}
    )


async def _batch(
    request: Request,
    batch_id: UUID,
    tablet: Tablet,
    console: Console,
    form: Fields,
    status: int,
) -> Response:
    token = await access_token(console, tablet)
    batch = Batch.model_validate(
        await console.upstream.get("production", f"/batches/{batch_id}", token)
    )
    product = Product.model_validate(
        await console.upstream.get("production", f"/catalogue/products/{batch.sku}", token)
    )
    context = {"batch": batch, "product": product, "form": form, "new_id": uuid4()}
    return render(request, "tablet_batch.html", status_code=status, **context)


def _client_id(form: Fields, name: str, t: Translate) -> str:
    """The id the page made for the submission (a resend under it changes nothing); not a
    UUID, the page is broken: said at the top of the form."""
    try:
        return str(UUID(form.values[name]))
    except ValueError:
        form.errors["form"] = Problem(t("tablet.error.form"), f"{name} is not a UUID")
        return ""
