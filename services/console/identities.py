"""The Kanwil administrator's identities: every principal (identity's list, a page at a time),
adding a workshop's terminal, a person (QC officer, UPT or Kanwil administrator, a channel's
staff) or a channel's client, and revoking one after a second, confirming step.

Identity decides everything (the binding a role needs, a taken name, the last Kanwil
administrator, who may not be revoked: its 409); its refusals are placed next to the inputs
they name. A new principal's secret or password is in identity's answer only: the page that
answers the form shows it once (no redirect, so it is never kept to be shown again; pages are
`no-store`, headers.py), and the console neither stores nor logs it.
"""

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict

from services.console.fields import Fields, Problem
from services.console.i18n import Translate, language_of, translator
from services.console.paging import Offset, Pager
from services.console.sessions import Console, ConsoleDep, Person, access_token, role
from services.console.views import render

router = APIRouter()
Kanwil = Annotated[Person, role("kanwil_admin")]
PAGE_SIZE = 50
Kind = Literal["terminal", "person", "channel"]
FIELDS: dict[Kind, tuple[str, ...]] = {
    "terminal": ("workshop", "name"),
    "person": ("role", "name", "upt", "channel", "officer_code"),
    "channel": ("channel", "name"),
}
PERSON_ROLES = ("qc_officer", "upt_admin", "kanwil_admin", "channel")


class Principal(BaseModel):
    """What the pages show of identity's principal view (never a secret)."""

    model_config = ConfigDict(extra="ignore")
    id: UUID
    kind: Literal["client", "user"]
    role: str
    client_id: str | None = None
    username: str | None = None
    workshop: str | None = None
    upt: str | None = None
    channel: str | None = None
    officer_code: str | None = None
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def name(self) -> str:
        return self.username or self.client_id or str(self.id)

    @property
    def role_label(self) -> str:
        """The words key of its role: a channel's staff (a person) is not its system."""
        staff = self.role == "channel" and self.kind == "user"
        return "identities.staff" if staff else f"role.{self.role}"

    @property
    def binding(self) -> str:
        return self.workshop or self.channel or self.upt or "Kanwil"


class Created(Principal):
    """Identity's answer to a new principal: its secret or password, this once."""

    client_secret: str | None = None
    password: str | None = None


@router.get("/kanwil/identities")
async def principals(
    request: Request,
    person: Kanwil,
    console: ConsoleDep,
    offset: Offset = 0,
) -> Response:
    """Every principal, revoked ones too, oldest first (identity's order), a page at a time."""
    token = await access_token(console, person)
    page = await console.upstream.get(
        "identity", "/principals", token, limit=PAGE_SIZE, offset=offset
    )
    listed = [Principal.model_validate(item) for item in page["items"]]
    pager = Pager.of(page, offset, PAGE_SIZE)
    return render(request, "identities.html", principals=listed, total=pager.total, pager=pager)


@router.get("/kanwil/identities/new/{kind}")
async def new_form(request: Request, kind: Kind, _person: Kanwil) -> Response:
    return render(request, "identity_new.html", kind=kind, form=Fields(), roles=PERSON_ROLES)


@router.post("/kanwil/identities/new/{kind}")
async def add(request: Request, kind: Kind, person: Kanwil, console: ConsoleDep) -> Response:
    """The new principal with its secret shown once, or identity's refusal at its input."""
    token = await access_token(console, person)
    t = translator(language_of(request))
    form = Fields.read(await request.form(), FIELDS[kind])
    body = new_principal(kind, form, t)
    answer = await form.send(console.upstream, "identity", "/principals", token, body, t)
    if answer is None:
        context = {"kind": kind, "form": form, "roles": PERSON_ROLES}
        return render(request, "identity_new.html", status_code=form.status, **context)
    created = Created.model_validate(answer.json())
    return render(request, "identity_created.html", status_code=201, created=created)


def new_principal(kind: Kind, form: Fields, t: Translate) -> dict[str, Any]:
    """Identity's body for the form: a terminal of a workshop, a person of a role with their
    binding, or a channel's machine client; blank inputs are left out."""
    if kind == "terminal":
        body = {"role": "terminal", "workshop": form.text("workshop", t)}
    elif kind == "channel":
        body = {"role": "channel", "kind": "client", "channel": form.text("channel", t)}
    else:
        body = {"role": form.text("role", t), "kind": "user", "name": form.text("name", t)}
        if body["role"] is not None and body["role"] not in PERSON_ROLES:
            form.errors["role"] = Problem(t("identities.error.role"))
        for name in ("upt", "channel", "officer_code"):
            body[name] = form.text(name, t, required=False)
    body.setdefault("name", form.text("name", t, required=False))
    return {name: value for name, value in body.items() if value is not None}


@router.get("/kanwil/identities/{principal_id}/revoke")
async def revoke_form(
    request: Request, principal_id: UUID, person: Kanwil, console: ConsoleDep
) -> Response:
    """Who would be revoked, and the button that does it (or that they already are)."""
    found = await _principal(console, await access_token(console, person), principal_id)
    return render(request, "identity_revoke.html", principal=found, form=Fields())


@router.post("/kanwil/identities/{principal_id}/revoke")
async def revoke(
    request: Request, principal_id: UUID, person: Kanwil, console: ConsoleDep
) -> Response:
    token, t = await access_token(console, person), translator(language_of(request))
    form, path = Fields(), f"/principals/{principal_id}/revoke"
    sent = await form.send(console.upstream, "identity", path, token, {}, t, passed_on=(404, 409))
    if sent is not None:
        return RedirectResponse(f"/kanwil/identities/{principal_id}/revoke", status_code=303)
    if form.status == 409:  # the last active Kanwil administrator: said in the person's words
        form.errors["form"] = Problem(t("identities.error.last_admin"), form.errors["form"].detail)
    found = await _principal(console, token, principal_id)
    context = {"principal": found, "form": form}
    return render(request, "identity_revoke.html", status_code=form.status, **context)


async def _principal(console: Console, token: str, principal_id: UUID) -> Principal:
    answer = await console.upstream.get("identity", f"/principals/{principal_id}", token)
    return Principal.model_validate(answer)
