"""A form of plain inputs (the gallery's, the receipt's, the Kanwil's hold and recall): what the
person typed, what the console must check to send a request at all (filled in, a whole
number, codes split into a list), and a service's refusal placed next to the input it names.

The rules themselves are the services': their problem answers name each field
(`errors: [{field, reason}]`); an input is named as the API field it fills, so the refusal
finds its place without a table of names. The service's reason (English) is shown after the
console's sentence (Problem, _field_error.html).

A list of codes (serials) may be typed or picked: checkboxes named `pick-<input>` beside the
text input add their values to what `codes` reads, so a form works without a script and the
typing stays possible for a scanner.
"""

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
from starlette.datastructures import FormData

from services.console.i18n import Translate
from services.console.upstream import Upstream

CODE_SEPARATORS = re.compile(r"[\s,;]+")
MAX_COUNT_DIGITS = 9
PICKED = "pick-"  # the checkboxes of a list input `x` are named `pick-x`


@dataclass(frozen=True)
class Problem:
    """What to say next to a field: the console's sentence, and the service's own reason when
    it adds something (a serial it does not know, say; the services speak English)."""

    text: str
    detail: str | None = None


@dataclass
class Fields:
    """The inputs as posted (trimmed), by name, the codes picked for a list input, and what
    is wrong with them (`form`: the whole form, shown at its top)."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, Problem] = field(default_factory=dict)
    status: int = 422  # what the page answers when it shows the form again with its errors
    picked: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def read(cls, posted: FormData, names: Iterable[str]) -> "Fields":
        form = cls()
        form.fill(posted, names)
        return form

    def fill(self, posted: FormData, names: Iterable[str]) -> None:
        for name in names:
            value = posted.get(name)
            self.values[name] = value.strip() if isinstance(value, str) else ""
            picks = [v.strip() for v in posted.getlist(PICKED + name) if isinstance(v, str)]
            if picks:
                self.picked[name] = [pick for pick in picks if pick]

    def text(self, name: str, t: Translate, required: bool = True) -> str | None:
        """The input's text; missing when required: said next to it."""
        value = self.values.get(name, "")
        if required and not value:
            self.errors[name] = Problem(t("form.error.required"))
            return None
        return value or None

    def count(self, name: str, t: Translate, required: bool = False) -> int | None:
        """A whole number, 0 or more; blank is None unless required."""
        value = self.values.get(name, "")
        if not value:
            if required:
                self.errors[name] = Problem(t("form.error.required"))
            return None
        if value.isdigit() and len(value) <= MAX_COUNT_DIGITS:
            return int(value)
        self.errors[name] = Problem(t("form.error.number"))
        return None

    def codes(self, name: str) -> list[str]:
        """The codes picked, then those typed one after another (separated by spaces, commas
        or new lines) that were not picked as well."""
        picked = self.picked.get(name, [])
        typed = [code for code in CODE_SEPARATORS.split(self.values.get(name, "")) if code]
        return picked + [code for code in typed if code not in picked]

    def refused(
        self, answer: httpx.Response, t: Translate, places: Mapping[str, str] | None = None
    ) -> None:
        """A service's 4xx next to the inputs it names (`serials.3` is the serials input);
        `places` puts a field with no input of its own at the input it follows from, else it
        goes to the top of the form."""
        problem: Mapping[str, Any] = answer.json()
        if answer.status_code == 409:
            self.errors["form"] = self.conflict(problem, t)
            return
        listed = problem.get("errors") or [{"field": "", "reason": problem.get("detail", "")}]
        for error in listed:
            api_field, reason = str(error.get("field", "")), str(error.get("reason", ""))
            name = self.input_of(api_field, places or {})
            self.errors.setdefault(name, self.said(name, api_field, reason, problem, t))

    def input_of(self, api_field: str, places: Mapping[str, str]) -> str:
        """The input an API field is said at: its own (`serials.3`: the serials input), the
        one `places` names, else the top of the form. A form of its own may place otherwise."""
        name = api_field.split(".", 1)[0]
        name = places.get(name, name)
        return name if name in self.values else "form"

    def said(
        self, name: str, api_field: str, reason: str, problem: Mapping[str, Any], t: Translate
    ) -> Problem:
        """What the page says at the input (a form of its own may say more than this)."""
        return Problem(t("form.error.refused"), reason)

    def conflict(self, problem: Mapping[str, Any], t: Translate) -> Problem:
        """A 409: what was acted on changed meanwhile."""
        return Problem(t("form.error.conflict"), str(problem.get("detail", "")))

    async def send(
        self,
        upstream: Upstream,
        service: str,
        path: str,
        token: str,
        body: Any,
        t: Translate,
        *,
        places: Mapping[str, str] | None = None,
        passed_on: Collection[int] = (409,),
        method: Literal["POST", "PUT"] = "POST",
    ) -> httpx.Response | None:
        """POST (or PUT) the form's body to a service unless the form already holds an error: the
        service's 2xx answer, or None with its refusal placed next to the inputs and `status`
        set to what the page answers (a status of `passed_on` as the service gave it, else
        422)."""
        if self.errors:
            return None
        send = upstream.put if method == "PUT" else upstream.post
        answer = await send(service, path, token, body)
        if answer.is_success:
            return answer
        self.status = answer.status_code if answer.status_code in passed_on else 422
        self.refused(answer, t, places)
        return None
