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

from typing import Annotated
from uuid import UUID, uuid4

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict

from services.console.fields import Fields
from services.console.i18n import language_of, translator
from services.console.qc import Problem
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

router = APIRouter()
Administrator = Annotated[Person, role("kanwil_admin", "upt_admin")]
Tablet = Annotated[Person, role("terminal")]
LISTED = 50  # open batches on the page; a workshop has a handful a day
RECENTLY_COMPLETED = 10  # completed batches listed for their labels


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
    t = translator(language_of(request))
    form = Fields.read(await request.form(), ("client_id", "client_secret"))
    client = form.values["client_id"], form.values["client_secret"]
    if not all(client):
        form.errors["client_id"] = Problem(t("enrol.error.missing"))
        return _enrolment_refused(request, form)
    try:
        tokens = await console.upstream.client_credentials(*client)
    except SignInRefused:
        form.errors["client_id"] = Problem(t("enrol.error.refused"))
        return _enrolment_refused(request, form)
    claims = await request.app.state.verifier.claims(tokens.access_token)
    if claims.role != "terminal" or claims.workshop is None:
        form.errors["client_id"] = Problem(t("enrol.error.not_terminal"))
        return _enrolment_refused(request, form)
    if admin.claims.role == "upt_admin":
        token = await access_token(console, admin)
        workshop = await console.upstream.get(
            "production", f"/catalogue/workshops/{claims.workshop}", token
        )
        if workshop["upt_code"] != admin.claims.upt:
            form.errors["client_id"] = Problem(t("enrol.error.other_upt"))
            return _enrolment_refused(request, form)
    await end_session(console, admin.row)
    session_id, row = await start_session(console, claims, tokens, client)
    response = RedirectResponse("/tablet", status_code=303)
    set_cookie(request, response, session_id, row)
    return response


def _enrolment_refused(request: Request, form: Fields) -> Response:
    form.values["client_secret"] = ""  # never shown back
    return render(request, "tablet_enrol.html", status_code=422, form=form)


# ------------------------------------------------------------------ the day's batches


@router.get("/tablet")
async def batches_page(request: Request, tablet: Tablet, console: ConsoleDep) -> Response:
    return await _batches(request, tablet, console, Fields(), 200)


@router.post("/tablet/batches")
async def open_batch(request: Request, tablet: Tablet, console: ConsoleDep) -> Response:
    """Open a batch under the id the page made; then its page."""
    t = translator(language_of(request))
    form = Fields.read(await request.form(), ("batch_id", "sku"))
    batch_id = _uuid(form.values["batch_id"])
    if batch_id is None:
        form.errors["form"] = Problem(t("tablet.error.form"), "batch_id is not a UUID")
    elif not form.values["sku"]:
        form.errors["sku"] = Problem(t("tablet.error.sku"))
    else:
        token = await access_token(console, tablet)
        body = {
            "batch_id": str(batch_id),
            "workshop_code": tablet.claims.workshop,
            "sku": form.values["sku"],
        }
        answer = await console.upstream.post("production", "/batches", token, body)
        if answer.is_success:
            return RedirectResponse(f"/tablet/batches/{batch_id}", status_code=303)
        form.refused(answer, t, places={"batch_id": "form"})
    return await _batches(request, tablet, console, form, 422)


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
    submission_id = _uuid(form.values["submission_id"])
    quantity = form.values["quantity"]
    codes = [code.upper() for code in form.codes("worker_codes")]
    if submission_id is None:
        form.errors["form"] = Problem(t("tablet.error.form"), "submission_id is not a UUID")
    if not (quantity.isdigit() and len(quantity) <= 9):
        form.errors["quantity"] = Problem(t("tablet.error.number"))
    if not codes:
        form.errors["worker_codes"] = Problem(t("tablet.error.worker_codes"))
    if not form.errors:
        token = await access_token(console, tablet)
        body = {
            "submission_id": str(submission_id),
            "quantity": int(quantity),
            "worker_codes": codes,
        }
        path = f"/batches/{batch_id}/output"
        answer = await console.upstream.post("production", path, token, body)
        if answer.is_success:
            return RedirectResponse(f"/tablet/batches/{batch_id}", status_code=303)
        form.refused(answer, t, places={"submission_id": "form"})
    return await _batch(request, batch_id, tablet, console, form, 422)


@router.post("/tablet/batches/{batch_id}/complete")
async def complete_batch(
    request: Request, batch_id: UUID, tablet: Tablet, console: ConsoleDep
) -> Response:
    """Complete the batch (with the food dates typed, if any: production fills the others)."""
    t = translator(language_of(request))
    form = Fields.read(await request.form(), ("production_date", "best_before"))
    dates = {name: value for name, value in form.values.items() if value}
    token = await access_token(console, tablet)
    answer = await console.upstream.post(
        "production", f"/batches/{batch_id}/complete", token, dates or None
    )
    if answer.is_success:
        return RedirectResponse(f"/tablet/batches/{batch_id}", status_code=303)
    form.refused(answer, t)
    return await _batch(request, batch_id, tablet, console, form, 422)


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


def _uuid(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None
