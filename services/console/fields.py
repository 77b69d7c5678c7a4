"""A form of plain inputs (the gallery's, the receipt's, the Kanwil's hold and recall): what the
person typed, what the console must check to send a request at all (filled in, a whole
number, codes split into a list), and a service's refusal placed next to the input it names.

The rules themselves are the services': their problem answers name each field
(`errors: [{field, reason}]`); an input is named as the API field it fills, so the refusal
finds its place without a table of names. The service's reason (English) is shown after the
console's sentence, as the QC sign-off does (qc.Problem, _field_error.html).
"""

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from services.console.qc import Problem
from services.console.upstream import Upstream

CODE_SEPARATORS = re.compile(r"[\s,;]+")
MAX_COUNT_DIGITS = 9


@dataclass
class Fields:
    """The inputs as posted (trimmed), by name, and what is wrong with them (`form`: the whole
    form, shown at its top)."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, Problem] = field(default_factory=dict)
    status: int = 422  # what the page answers when it shows the form again with its errors

    @classmethod
    def read(cls, posted: Mapping[str, Any], names: Iterable[str]) -> "Fields":
        form = cls()
        for name in names:
            value = posted.get(name)
            form.values[name] = value.strip() if isinstance(value, str) else ""
        return form

    def text(self, name: str, t: Callable[..., str], required: bool = True) -> str | None:
        """The input's text; missing when required: said next to it."""
        value = self.values.get(name, "")
        if required and not value:
            self.errors[name] = Problem(t("form.error.required"))
            return None
        return value or None

    def count(self, name: str, t: Callable[..., str], required: bool = False) -> int | None:
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
        """Serials typed one after another, separated by spaces, commas or new lines."""
        return [code for code in CODE_SEPARATORS.split(self.values.get(name, "")) if code]

    def refused(
        self, answer: httpx.Response, t: Callable[..., str], places: Mapping[str, str] | None = None
    ) -> None:
        """A service's 4xx next to the inputs it names (`serials.3` is the serials input);
        `places` puts a field with no input of its own at the input it follows from, else it
        goes to the top of the form."""
        problem: Mapping[str, Any] = answer.json()
        if answer.status_code == 409:
            self.errors["form"] = Problem(t("form.error.conflict"), str(problem.get("detail", "")))
            return
        listed = problem.get("errors") or [{"field": "", "reason": problem.get("detail", "")}]
        for error in listed:
            name = str(error.get("field", "")).split(".", 1)[0]
            name = (places or {}).get(name, name)
            if name not in self.values:
                name = "form"
            self.errors.setdefault(name, Problem(t("form.error.refused"), str(error["reason"])))

    async def send(
        self,
        upstream: Upstream,
        service: str,
        path: str,
        token: str,
        body: Any,
        t: Callable[..., str],
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
