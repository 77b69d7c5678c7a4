"""The QC officer's pages: the UPT's queue of pending inspections, the sign-off form, the
correction of a sign-off, and a hold on a lot of the UPT.

The rules of a sign-off (counts that add up, the family's defect codes, a serial per rejected
unit, the food permits passed goods need) are quality's: the console sends what the officer
typed or picked and shows quality's 422 next to the field it names, in the officer's language;
a refusal by the permit check says which permit and why, from the facts quality adds to its
answer (`permit_check`). The console checks only what it must to send a request at all: that
counts are whole numbers.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID, uuid4

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict
from starlette.datastructures import FormData

from services.console.fields import Fields, Problem
from services.console.i18n import Translate, language_of, translator
from services.console.recall import HOLD_FIELDS, Hold, place
from services.console.sessions import Console, ConsoleDep, Person, access_token, is_htmx, role
from services.console.views import render

router = APIRouter()
QUEUE_LIMIT = 100  # the page shows the first hundred and says how many wait in all
HOLDS_LISTED = 20  # a lot's holds on its page; a lot has one or two
PICKER_LIMIT = 200  # serials offered as checkboxes per code; a larger lot's are typed
QcOfficer = Annotated[Person, role("qc_officer")]
COUNTS = ("passed_quantity", "rejected_quantity")
REJECTION_FIELD = re.compile(r"rejections\.(\d+)(?:\.(\w+))?")
PERMIT_KINDS = ("spp-irt", "bpom-md", "halal")
PERMIT_STATES = ("expired", "revoked", "not_yet")
HIDDEN = {"supersedes": "form"}  # the correction's hidden id: its refusal goes to the top


class SignOffSeen(BaseModel):
    """A sign-off of the inspection: the first one or a correction of it."""

    model_config = ConfigDict(extra="ignore")
    inspection_id: UUID
    officer_code: str
    passed_quantity: int
    rejected_quantity: int
    supersedes: UUID | None = None
    reason: str | None = None
    signed_off_at: datetime


class Inspection(BaseModel):
    """What the pages show of quality's inspection view (other fields are ignored)."""

    model_config = ConfigDict(extra="ignore")
    inspection_id: UUID  # the current sign-off's, once signed off: what a correction replaces
    batch_id: UUID
    lot_code: str
    sku: str
    product_name: str
    family: str
    tracking: Literal["unit", "lot"]
    quantity: int
    status: Literal["pending", "signed_off"]
    serials: list[str] = []
    production_date: date | None = None
    officer_code: str | None = None
    passed_quantity: int | None = None
    rejected_quantity: int | None = None
    defects: list[dict[str, Any]] | None = None
    sign_offs: list[SignOffSeen] = []

    @property
    def pickable(self) -> list[str]:
        """The serials offered as checkboxes: a unit-tracked lot's, unless it has too many."""
        return self.serials if len(self.serials) <= PICKER_LIMIT else []


@router.get("/qc/inspections")
async def pending_inspections(request: Request, person: QcOfficer, console: ConsoleDep) -> Response:
    """The officer's UPT's inspections waiting for QC, oldest first (quality's order)."""
    token = await access_token(console, person)
    page = await console.upstream.get(
        "quality", "/inspections", token, status="pending", limit=QUEUE_LIMIT
    )
    inspections = [Inspection.model_validate(item) for item in page["items"]]
    template = "inspections_list.html" if is_htmx(request) else "inspections.html"
    return render(request, template, inspections=inspections, total=page["total"])


@router.get("/qc/inspections/{batch_id}")
async def inspection_page(
    request: Request, batch_id: UUID, person: QcOfficer, console: ConsoleDep
) -> Response:
    """A pending inspection's sign-off form, or the sign-off it got with its correction form
    filled in with it; the lot's holds."""
    token = await access_token(console, person)
    inspection = await _inspection(console, token, batch_id)
    codes = await _defect_codes(console, token, inspection.family)
    form = SignOffForm.current(inspection) if inspection.sign_offs else SignOffForm()
    return await _page(request, console, token, inspection, codes, form, 200)


@router.post("/qc/inspections/{batch_id}/sign-off")
async def sign_off(
    request: Request, batch_id: UUID, person: QcOfficer, console: ConsoleDep
) -> Response:
    """Send the officer's decision to quality; its refusal comes back next to the fields."""
    return await _decided(request, batch_id, person, console, correction=False)


@router.post("/qc/inspections/{batch_id}/corrections")
async def correct(
    request: Request, batch_id: UUID, person: QcOfficer, console: ConsoleDep
) -> Response:
    """Replace the current sign-off with the whole new decision and why: quality keeps the
    earlier one on record, and refuses one that changes nothing or comes after another
    officer's correction (409)."""
    return await _decided(request, batch_id, person, console, correction=True)


async def _decided(
    request: Request, batch_id: UUID, person: Person, console: Console, *, correction: bool
) -> Response:
    """A sign-off or its correction sent to quality: back to the inspection's page, or the
    form again with quality's refusal at its fields."""
    token = await access_token(console, person)
    inspection = await _inspection(console, token, batch_id)
    codes = await _defect_codes(console, token, inspection.family)
    t = translator(language_of(request))
    form = SignOffForm.posted(await request.form(), inspection, codes, t, correction=correction)
    path = f"/inspections/{batch_id}/{'corrections' if correction else 'sign-off'}"
    answer = await form.send(
        console.upstream, "quality", path, token, form.body(), t, places=HIDDEN
    )
    if answer is not None:
        return RedirectResponse(f"/qc/inspections/{batch_id}", status_code=303)
    return await _page(request, console, token, inspection, codes, form, form.status)


@router.get("/qc/inspections/{batch_id}/hold")
async def hold_form(
    request: Request, batch_id: UUID, person: QcOfficer, console: ConsoleDep
) -> Response:
    """A hold on the inspection's lot; its id is made here, so sending twice holds once."""
    token = await access_token(console, person)
    inspection = await _inspection(console, token, batch_id)
    form = Fields(values={"hold_id": str(uuid4()), "lot_code": inspection.lot_code})
    return await _hold_page(request, console, token, inspection, form)


@router.post("/qc/inspections/{batch_id}/hold")
async def hold(
    request: Request, batch_id: UUID, person: QcOfficer, console: ConsoleDep
) -> Response:
    """Hold the lot, or some of its units: nothing of it may be sold any more (quality lets
    a QC officer hold their UPT's lots, as the Kanwil may any)."""
    token = await access_token(console, person)
    inspection = await _inspection(console, token, batch_id)
    form = Fields.read(await request.form(), HOLD_FIELDS)
    form.values["lot_code"] = inspection.lot_code  # the page's lot, whatever was posted
    if await place(console, token, form, translator(language_of(request))) is not None:
        return RedirectResponse(f"/qc/inspections/{batch_id}#holds", status_code=303)
    return await _hold_page(request, console, token, inspection, form, form.status)


async def _page(
    request: Request,
    console: Console,
    token: str,
    inspection: Inspection,
    codes: dict[str, str],
    form: "SignOffForm",
    status: int,
) -> Response:
    """The inspection's page: the sign-off form or, signed off, the correction form."""
    holds = await console.upstream.get(
        "quality", "/holds", token, lot=inspection.lot_code, limit=HOLDS_LISTED
    )
    context = {
        "inspection": inspection,
        "codes": codes,
        "form": form,
        "holds": [Hold.model_validate(item) for item in holds["items"]],
    }
    return render(request, "sign_off.html", status_code=status, **context)


async def _hold_page(
    request: Request,
    console: Console,
    token: str,
    inspection: Inspection,
    form: Fields,
    status: int = 200,
) -> Response:
    codes = await _defect_codes(console, token, inspection.family)
    context = {"inspection": inspection, "codes": codes, "form": form}
    return render(request, "qc_hold.html", status_code=status, **context)


async def _inspection(console: Console, token: str, batch_id: UUID) -> Inspection:
    answer = await console.upstream.get("quality", f"/inspections/{batch_id}", token)
    return Inspection.model_validate(answer)


async def _defect_codes(console: Console, token: str, family: str) -> dict[str, str]:
    """The family's defect codes and what each means (quality's words, in English)."""
    every: dict[str, dict[str, str]] = await console.upstream.get("quality", "/defect-codes", token)
    return every.get(family, {})


@dataclass
class SignOffForm(Fields):
    """The sign-off (or its correction) as the officer filled it in, by input name
    (`passed_quantity`, `rejected_quantity`, `quantity-<code>`, `serials-<code>` with its
    picked serials, and a correction's `supersedes` and `reason`), what is wrong with it, and
    the decision read from it."""

    counts: dict[str, int] = field(default_factory=dict)
    rejections: list[tuple[str, int, list[str]]] = field(default_factory=list)
    lot_quantity: int = 0
    correction: bool = False

    @classmethod
    def posted(
        cls,
        posted: FormData,
        inspection: Inspection,
        codes: Iterable[str],
        t: Translate,
        *,
        correction: bool,
    ) -> "SignOffForm":
        form = cls(lot_quantity=inspection.quantity, correction=correction)
        names = [*COUNTS, *(f"{kind}-{code}" for code in codes for kind in ("quantity", "serials"))]
        form.fill(posted, [*names, "supersedes", "reason"] if correction else names)
        for name in COUNTS:
            form._counted(name, t)
        form._read_rejections(codes, t)
        if correction:
            form.text("reason", t)
        return form

    @classmethod
    def current(cls, inspection: Inspection) -> "SignOffForm":
        """The correction form filled in with the current sign-off: the officer changes what
        changed (a whole new decision is sent, as quality takes it)."""
        form = cls(lot_quantity=inspection.quantity, correction=True)
        form.values["supersedes"] = str(inspection.inspection_id)
        form.values["passed_quantity"] = str(inspection.passed_quantity)
        form.values["rejected_quantity"] = str(inspection.rejected_quantity)
        rejected: dict[str, int] = {}  # a code listed in two parts is one input
        for defect in inspection.defects or ():
            code, serials = defect["code"], list(defect.get("serials") or ())
            rejected[code] = rejected.get(code, 0) + int(defect["quantity"])
            form.values[f"quantity-{code}"] = str(rejected[code])
            form.picked.setdefault(f"serials-{code}", []).extend(serials)
        if not inspection.pickable:  # too many to offer: the rejected ones are typed in
            for name, serials in form.picked.items():
                form.values[name] = " ".join(serials)
            form.picked.clear()
        return form

    def _counted(self, name: str, t: Translate) -> None:
        """A count the officer must give: a whole number (blank is not 0 here)."""
        if not self.values[name]:
            self.errors[name] = Problem(t("sign_off.error.number"))
        elif (count := self.count(name, t)) is not None:
            self.counts[name] = count

    def _read_rejections(self, codes: Iterable[str], t: Translate) -> None:
        """Each code with a count or serials, in the order of the family's codes (the order
        quality's `rejections.<i>` refers to)."""
        for code in codes:
            serials = self.codes(f"serials-{code}")
            quantity = self._rejected(code, len(serials), t)
            if quantity or serials:
                self.rejections.append((code, quantity, serials))

    def _rejected(self, code: str, serials: int, t: Translate) -> int:
        """Units rejected for a code: as typed, or as many as serials picked when left blank."""
        if not self.values[f"quantity-{code}"]:
            return serials
        return self.count(f"quantity-{code}", t) or 0

    def body(self) -> dict[str, Any]:
        """The sign-off quality's API takes (the officer code comes from the token); for a
        correction, with the sign-off it replaces and why."""
        body: dict[str, Any] = {
            "passed_quantity": self.counts.get("passed_quantity"),
            "rejected_quantity": self.counts.get("rejected_quantity"),
            "rejections": [
                {"defect_code": code, "quantity": quantity, "serials": serials}
                for code, quantity, serials in self.rejections
            ],
        }
        if self.correction:
            body |= {"supersedes": self.values["supersedes"], "reason": self.values["reason"]}
        return body

    @property
    def listed(self) -> int:
        return sum(quantity for _code, quantity, _serials in self.rejections)

    def input_of(self, api_field: str, places: Mapping[str, str]) -> str:
        """Quality names the i-th rejection sent (rejections.<i>.x): its code's inputs.
        `rejections` itself is the sum of them, said at the rejected count, unless it adds
        up: then it is a correction deciding nothing new, said at the top."""
        if api_field == "rejections":
            return "form" if self.listed == self.counts.get("rejected_quantity") else COUNTS[1]
        found = REJECTION_FIELD.fullmatch(api_field)
        if found and int(found.group(1)) < len(self.rejections):
            code = self.rejections[int(found.group(1))][0]
            return f"{'serials' if found.group(2) == 'serials' else 'quantity'}-{code}"
        return super().input_of(api_field, places)

    def said(
        self, name: str, api_field: str, reason: str, problem: Mapping[str, Any], t: Translate
    ) -> Problem:
        if name == "passed_quantity":
            return self._passed_refused(problem, t)
        if api_field == "rejections":
            if name == "form":
                return Problem(t("sign_off.error.unchanged"))
            return Problem(t("sign_off.error.rejections", listed=self.listed, rejected=self._n(1)))
        if name.startswith("serials-"):
            return Problem(t("sign_off.error.serials"), reason)
        if name.startswith("quantity-"):
            return Problem(t("sign_off.error.defect"), reason)
        if name == "reason":
            return Problem(t("form.error.refused"), reason)
        return Problem(t("sign_off.error.other"), reason)

    def conflict(self, problem: Mapping[str, Any], t: Translate) -> Problem:
        """A 409: signed off meanwhile, or (a correction) corrected by someone first."""
        return Problem(
            t("sign_off.error.corrected" if self.correction else "sign_off.error.signed_off")
        )

    def _n(self, index: int) -> int:
        return self.counts.get(COUNTS[index], 0)

    def _passed_refused(self, problem: Mapping[str, Any], t: Translate) -> Problem:
        """Passed goods refused: by the permit check (its facts), else counts that do not add
        up to the lot."""
        if isinstance(check := problem.get("permit_check"), Mapping):
            return Problem(permit_refusal(check, t))
        passed, rejected = self._n(0), self._n(1)
        return Problem(
            t(
                "sign_off.error.sum",
                passed=passed,
                rejected=rejected,
                total=passed + rejected,
                quantity=self.lot_quantity,
            )
        )


def permit_refusal(check: Mapping[str, Any], t: Translate) -> str:
    """Why the permit check refused passed food, in the officer's words: which permit (or the
    shelf life), its state on the day, and what the officer can do."""
    code = str(check.get("defect_code"))
    where = {"sku": check.get("sku"), "upt": check.get("upt_code"), "day": check.get("day")}
    if code == "PAN-03":
        said = t(
            "permit.short_shelf_life",
            best_before=check.get("best_before"),
            left=check.get("days_left"),
            needed=check.get("days_needed"),
            **where,
        )
    elif code == "PAN-09":
        said = t("permit.not_eligible", **where)
    else:
        said = _permit_state(check, t, where)
    then = "permit.then.reject" if code == "PAN-03" else "permit.then"
    return f"{said} {t(then, code=code)}"


def _permit_state(check: Mapping[str, Any], t: Translate, where: Mapping[str, Any]) -> str:
    kind = str(check.get("kind"))
    named = t(f"permit.kind.{kind}") if kind in PERMIT_KINDS else kind
    latest = check.get("latest")
    if not isinstance(latest, Mapping) or latest.get("state") not in PERMIT_STATES:
        return t("permit.none", kind=named, **where)
    facts = {name: latest.get(name) for name in ("number", "issued_on", "expires_on", "revoked_on")}
    return t(f"permit.{latest['state']}", kind=named, **facts, **where)
