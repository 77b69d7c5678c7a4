"""The QC officer's pages: the UPT's queue of pending inspections and the sign-off form.

The rules of a sign-off (counts that add up, the family's defect codes, a serial per rejected
unit) are quality's: the console sends what the officer typed and shows quality's 422 next to
the field it names, in the officer's language. The console checks only what it must to send
a request at all: that counts are whole numbers.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict

from services.console.i18n import language_of, translator
from services.console.sessions import Console, ConsoleDep, Person, access_token, is_htmx, role
from services.console.views import render

router = APIRouter()
QUEUE_LIMIT = 100  # the page shows the first hundred and says how many wait in all
QcOfficer = Annotated[Person, role("qc_officer")]
SERIAL_SEPARATORS = re.compile(r"[\s,;]+")
REJECTION_FIELD = re.compile(r"rejections\.(\d+)(?:\.(\w+))?")


class Inspection(BaseModel):
    """What the pages show of quality's inspection view (other fields are ignored)."""

    model_config = ConfigDict(extra="ignore")
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
    """A pending inspection's sign-off form, or the sign-off it got."""
    token = await access_token(console, person)
    inspection = await _inspection(console, token, batch_id)
    codes = await _defect_codes(console, token, inspection.family)
    return render(request, "sign_off.html", inspection=inspection, codes=codes, form=SignOffForm())


@router.post("/qc/inspections/{batch_id}/sign-off")
async def sign_off(
    request: Request, batch_id: UUID, person: QcOfficer, console: ConsoleDep
) -> Response:
    """Send the officer's decision to quality; its refusal comes back next to the fields."""
    token = await access_token(console, person)
    inspection = await _inspection(console, token, batch_id)
    codes = await _defect_codes(console, token, inspection.family)
    t = translator(language_of(request))
    form = SignOffForm.read(await request.form(), codes, t)
    status = 422
    if not form.errors:
        path = f"/inspections/{batch_id}/sign-off"
        answer = await console.upstream.post("quality", path, token, form.body())
        if answer.status_code == 200:
            return RedirectResponse(f"/qc/inspections/{batch_id}", status_code=303)
        status = 409 if answer.status_code == 409 else 422
        form.refused(answer.status_code, answer.json(), inspection, t)
    context = {"inspection": inspection, "codes": codes, "form": form}
    return render(request, "sign_off.html", status_code=status, **context)


async def _inspection(console: Console, token: str, batch_id: UUID) -> Inspection:
    answer = await console.upstream.get("quality", f"/inspections/{batch_id}", token)
    return Inspection.model_validate(answer)


async def _defect_codes(console: Console, token: str, family: str) -> dict[str, str]:
    """The family's defect codes and what each means (quality's words, in English)."""
    every: dict[str, dict[str, str]] = await console.upstream.get("quality", "/defect-codes", token)
    return every.get(family, {})


@dataclass(frozen=True)
class Problem:
    """What to say next to a field: the console's sentence, and quality's own reason when it
    adds something (a serial it does not know, say; quality speaks English)."""

    text: str
    detail: str | None = None


@dataclass
class SignOffForm:
    """The form as the officer filled it in, and what is wrong with it, by input name
    (`passed_quantity`, `rejected_quantity`, `quantity-<code>`, `serials-<code>`, `form`)."""

    values: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    rejections: list[tuple[str, int, list[str]]] = field(default_factory=list)
    errors: dict[str, Problem] = field(default_factory=dict)

    @classmethod
    def read(
        cls, posted: Mapping[str, Any], codes: Mapping[str, str], t: Callable[..., str]
    ) -> "SignOffForm":
        form = cls()
        names = ["passed_quantity", "rejected_quantity"]
        names += [f"{kind}-{code}" for code in codes for kind in ("quantity", "serials")]
        for name in names:
            value = posted.get(name)
            form.values[name] = value.strip() if isinstance(value, str) else ""
        for name in ("passed_quantity", "rejected_quantity", *(f"quantity-{c}" for c in codes)):
            blank_is_zero = name.startswith("quantity-")
            text = form.values[name] or ("0" if blank_is_zero else "")
            if text.isdigit() and len(text) <= 9:
                form.counts[name] = int(text)
            else:
                form.errors[name] = Problem(t("sign_off.error.number"))
        for code in codes:
            quantity = form.counts.get(f"quantity-{code}", 0)
            serials = [s for s in SERIAL_SEPARATORS.split(form.values[f"serials-{code}"]) if s]
            if quantity or serials:
                form.rejections.append((code, quantity, serials))
        return form

    def body(self) -> dict[str, Any]:
        """The sign-off quality's API takes (the officer code comes from the token)."""
        return {
            "passed_quantity": self.counts["passed_quantity"],
            "rejected_quantity": self.counts["rejected_quantity"],
            "rejections": [
                {"defect_code": code, "quantity": quantity, "serials": serials}
                for code, quantity, serials in self.rejections
            ],
        }

    def refused(
        self, status: int, problem: Mapping[str, Any], inspection: Inspection, t: Callable[..., str]
    ) -> None:
        """Quality's refusal next to the inputs it concerns."""
        if status == 409:
            self.errors["form"] = Problem(t("sign_off.error.signed_off"))
            return
        listed = problem.get("errors") or [
            {"field": problem.get("field", ""), "reason": problem.get("detail", "")}
        ]
        for error in listed:
            name, said = self._placed(str(error.get("field", "")), str(error.get("reason", "")))
            self.errors.setdefault(name, self._said(name, said, inspection, t))

    def _placed(self, api_field: str, reason: str) -> tuple[str, str]:
        """The input an API field belongs to: rejections.<i>.x is the i-th code sent."""
        if api_field in ("passed_quantity", "rejected_quantity"):
            return api_field, reason
        if api_field == "rejections":
            return "rejected_quantity", "rejections"
        found = REJECTION_FIELD.fullmatch(api_field)
        if found and int(found.group(1)) < len(self.rejections):
            code = self.rejections[int(found.group(1))][0]
            kind = "serials" if found.group(2) == "serials" else "quantity"
            return f"{kind}-{code}", reason
        return "form", reason

    def _said(
        self, name: str, reason: str, inspection: Inspection, t: Callable[..., str]
    ) -> Problem:
        passed = self.counts.get("passed_quantity", 0)
        rejected = self.counts.get("rejected_quantity", 0)
        if name == "passed_quantity":
            total = passed + rejected
            sentence = t(
                "sign_off.error.sum",
                passed=passed,
                rejected=rejected,
                total=total,
                quantity=inspection.quantity,
            )
            return Problem(sentence)
        if name == "rejected_quantity" and reason == "rejections":
            listed = sum(quantity for _code, quantity, _serials in self.rejections)
            return Problem(t("sign_off.error.rejections", listed=listed, rejected=rejected))
        if name.startswith("serials-"):
            return Problem(t("sign_off.error.serials"), reason)
        if name.startswith("quantity-"):
            return Problem(t("sign_off.error.defect"), reason)
        return Problem(t("sign_off.error.other"), reason)
