"""Every page of the console for every role, in a real browser over real processes: signed in
as each role (the workshop tablet enrolled by an administrator, the QC officer, the UPT's and
the Kanwil's administrators, the gallery's staff), every GET page of the console app is
opened. A page of another role answers 403 (an anonymous visitor is sent to the sign-in); a
page the role may see answers, shows no code of another workshop, UPT or channel (the small
day seeded here has data in two UPTs, two workshops of one UPT and two channels), passes
axe-core with no serious or critical violation, fits the screen, and is saved as
test-output/screenshots/console-<role>-<page>-<phone|desktop>.png.

The pages come from the app's routes and the roles each lets in from the route's own
`role(...)` dependency (tests/console/routes.py): a page added later is toured without a
change here, unless its path has parameters - then SAMPLES needs a value for it, and the
test says so, naming the route.
"""

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from jejak.demo import Jejak, produce, sell, sign_off, wait_for, wait_for_stock
from jejak.launcher import ServiceSet
from jejak.tokens import KANWIL, Who
from services.console.app import make_app
from shared.identity import ROLES, Role
from tests.browser import Browser, Page, chromium
from tests.console.routes import ConsoleRoute, console_routes
from tests.e2e.test_console_day import enrolled_tablet, password_of, shown, signed_in_as

pytestmark = [pytest.mark.e2e, pytest.mark.with_console]

SHOES, TABLE, EGGS = "FTW-SPT-OLR", "KYU-MJT-HPL", "AGR-TLR-30"
GALLERY, EXPO = "KANWIL-GALERI", "EXPO-KP3B"
OWN_BUYER, OTHER_BUYER = "BUYER-TOUR-GALERI", "BUYER-TOUR-EXPO"
WORKERS = ["WB-TR1A", "WB-TR2B"]
PUBLIC_PAGES = {"/sign-in"}  # pages anyone may open
NOT_PAGES = {"/health", "/health/live", "/health/ready", "/metrics", "/asyncapi"}  # the service's
REFUSED = 403


@dataclass(frozen=True)
class Seeded:
    """A small day in two UPTs: ours (Cilegon's shoe workshop, the gallery) and theirs."""

    shoes_lot: str  # signed off, partly at the gallery, one pair sold there, on hold
    pending: Any  # a batch of shoes waiting for Cilegon's QC
    transfer_id: str  # shoes on the way to the gallery
    order_id: str  # the gallery's sale
    hold_id: str
    other_workshop: Any  # Cilegon's furniture workshop's batch
    other_upt: Any  # Serang's eggs, pending at Serang's QC
    other_lot: str  # Serang's eggs, signed off, at the expo stand
    other_transfer_id: str  # Serang's eggs on the way to the expo stand
    other_order_id: str  # the expo stand's sale
    api: Jejak  # for samples read only when a page needs them (first_of, import_job)
    console: str
    kanwil: tuple[str, str]  # the Kanwil's administrator's username and password
    memo: dict[str, dict[str, str]] = field(default_factory=dict)

    def first_of(self, service: str, path: str, name: str) -> str:
        """`name` of the first item a service lists to the Kanwil (a principal, a permit)."""
        return str(self.api.call(service, "GET", path, as_=KANWIL)["items"][0][name])


# A value for each path parameter of each page, from the seeded day: a page with parameters
# and no entry here fails the tour, naming its route. Some are of pages other branches add
# (master data, identities, permits, imports, the UPT's): read only when the page exists.
SAMPLES: dict[str, Callable[[Seeded], dict[str, str]]] = {
    "/gallery/orders/{order_id}": lambda day: {"order_id": day.order_id},
    "/kanwil/holds/{hold_id}": lambda day: {"hold_id": day.hold_id},
    "/kanwil/identities/new/{kind}": lambda day: {"kind": "terminal"},
    "/kanwil/identities/{principal_id}/revoke": lambda day: {
        "principal_id": day.first_of("identity", "/principals", "id")
    },
    "/kanwil/imports/{job_id}": lambda day: {"job_id": import_job(day)},
    "/kanwil/lots/{lot_code}/recall-report": lambda day: {"lot_code": day.shoes_lot},
    "/kanwil/lots/{lot_code}/recall-report/download": lambda day: {"lot_code": day.shoes_lot},
    "/kanwil/master/{name}": lambda day: {"name": "upts"},
    "/kanwil/master/{name}/import": lambda day: {"name": "upts"},
    "/kanwil/master/{name}/new": lambda day: {"name": "upts"},
    "/kanwil/master/{name}/{key}": lambda day: {"name": "upts", "key": "CLG"},
    "/kanwil/permits/{permit_id}": lambda day: {
        "permit_id": day.first_of("quality", "/permits", "permit_id")
    },
    "/qc/inspections/{batch_id}": lambda day: {"batch_id": day.pending["batch_id"]},
    "/qc/inspections/{batch_id}/hold": lambda day: {"batch_id": day.pending["batch_id"]},
    "/tablet/batches/{batch_id}": lambda day: {"batch_id": day.pending["batch_id"]},
    "/tablet/batches/{batch_id}/labels.pdf": lambda day: {"batch_id": day.pending["batch_id"]},
    "/transfers/{transfer_id}": lambda day: {"transfer_id": day.transfer_id},
    "/upt/batches/{batch_id}": lambda day: {"batch_id": day.pending["batch_id"]},
    "/upt/lots/{lot_code}/recall-report": lambda day: {"lot_code": day.shoes_lot},
    "/upt/lots/{lot_code}/recall-report/download": lambda day: {"lot_code": day.shoes_lot},
}
# The same pages with another workshop's, UPT's or channel's value: refused or not found for a
# person bound to ours (the Kanwil's administrator is bound to none: they see them all).
ANOTHERS: dict[str, Callable[[Seeded], dict[str, str]]] = {
    "/gallery/orders/{order_id}": lambda day: {"order_id": day.other_order_id},
    "/qc/inspections/{batch_id}": lambda day: {"batch_id": day.other_upt["batch_id"]},
    "/qc/inspections/{batch_id}/hold": lambda day: {"batch_id": day.other_upt["batch_id"]},
    "/tablet/batches/{batch_id}": lambda day: {"batch_id": day.other_workshop["batch_id"]},
    "/tablet/batches/{batch_id}/labels.pdf": lambda day: {
        "batch_id": day.other_workshop["batch_id"]
    },
    "/transfers/{transfer_id}": lambda day: {"transfer_id": day.other_transfer_id},
    "/upt/batches/{batch_id}": lambda day: {"batch_id": day.other_upt["batch_id"]},
    "/upt/lots/{lot_code}/recall-report": lambda day: {"lot_code": day.other_lot},
    "/upt/lots/{lot_code}/recall-report/download": lambda day: {"lot_code": day.other_lot},
}


def import_job(day: Seeded) -> str:
    """An import of one UPT as it is, started by the Kanwil's administrator (a job is its
    starter's only): the id of the job's page."""
    with httpx.Client(base_url=day.console) as http:
        token = csrf_of(http.get("/sign-in").text)
        username, password = day.kanwil
        form = {"csrf_token": token, "username": username, "password": password}
        assert http.post("/sign-in", data=form).status_code == 303
        token = csrf_of(http.get("/kanwil/master/upts/import").text)
        table = b"code,name,kind,class\nCLG,Lapas Kelas IIA Cilegon,lapas,IIA\n"
        answer = http.post(
            "/kanwil/master/upts/import",
            data={"csrf_token": token},
            files={"file": ("upts.csv", table)},
        )
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"]).rsplit("/", 1)[1]


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None, "a form with its CSRF token"
    return found[1]


def foreign(day: Seeded, role: Role) -> list[str]:
    """Codes of another workshop, UPT or channel that no page of `role` may show."""
    serang = [day.other_upt["lot_code"], day.other_upt["batch_id"], day.other_lot]
    return {
        "terminal": [day.other_workshop["lot_code"], day.other_workshop["batch_id"], *serang],
        "qc_officer": serang,
        "upt_admin": [*serang, day.other_transfer_id],
        "channel": [day.other_order_id, OTHER_BUYER, EXPO, day.other_lot],
        "kanwil_admin": [],
    }[role]


def seen(day: Seeded, role: Role) -> list[str]:
    """Codes of the role's own workshop, UPT or channel that its pages do show, of the same kinds
    as `foreign`'s: without them, finding no foreign code would prove nothing."""
    return {
        "terminal": [day.pending["lot_code"]],
        "qc_officer": [day.pending["lot_code"], day.other_workshop["lot_code"]],
        "upt_admin": [day.transfer_id],
        "channel": [day.order_id, OWN_BUYER, GALLERY],
        "kanwil_admin": [day.other_transfer_id, day.transfer_id, day.shoes_lot],
    }[role]


@dataclass(frozen=True)
class Person:
    role: Role
    binding: dict[str, str]


# Who tours the console: a person of every role, bound to our UPT, workshop and channel. The
# tablet comes last: its service worker keeps /tablet pages for this browser.
PEOPLE = (
    Person("qc_officer", {"upt": "CLG"}),
    Person("upt_admin", {"upt": "CLG"}),
    Person("kanwil_admin", {}),
    Person("channel", {"channel": "GALERI-SERANG"}),
    Person("terminal", {"workshop": "CLG-SPT"}),
)


def get_routes() -> list[ConsoleRoute]:
    return [route for route in console_routes(make_app()) if route.method == "GET"]


def path_of(route: ConsoleRoute, day: Seeded, table: dict[str, Any] = SAMPLES) -> str:
    """The route's path with the sample's values (read once); a value of no path parameter
    goes into the query (a page that needs `?lot=` has it in SAMPLES too)."""
    key = f"{id(table)} {route.path}"
    if key not in day.memo:
        day.memo[key] = table[route.path](day) if route.path in table else {}
    values = day.memo[key]
    missing = [name for name in route.parameters if name not in values]
    assert not missing, f"{route.path}: no sample value for {missing} in SAMPLES"
    query = {name: value for name, value in values.items() if name not in route.parameters}
    path = route.path.format(**values)
    return f"{path}?{urlencode(query)}" if query else path


def page_name(path: str) -> str:
    """/kanwil/holds/{hold_id} -> kanwil-holds-hold_id, for the screenshot's file name."""
    return path.strip("/").replace("/", "-").replace("{", "").replace("}", "") or "root"


def test_every_get_route_is_a_page_of_some_role_public_or_the_services_own() -> None:
    """No page without a sign-in by mistake, and a sample for every path parameter."""
    routes = get_routes()
    public = {route.path for route in routes if route.roles is None}
    assert public <= PUBLIC_PAGES | NOT_PAGES, (
        f"open to anyone, no sign-in: {public - PUBLIC_PAGES}"
    )
    with_parameters = {route.path for route in routes if route.parameters}
    missing = with_parameters - set(SAMPLES)
    assert not missing, f"pages with parameters and no sample value in SAMPLES: {missing}"
    assert set(ANOTHERS) <= set(SAMPLES)
    assert {person.role for person in PEOPLE} == set(ROLES), "a role nobody tours"


def ship(api: Jejak, lot: Any, to: str, who: Who, **goods: Any) -> str:
    transfer_id = str(uuid.uuid4())
    body = {"transfer_id": transfer_id, "from_location": f"{lot['lot_code'][:3]}-STORE",
            "to_location": to, "sku": lot["sku"], "lot_code": lot["lot_code"], **goods}  # fmt: skip
    api.call("inventory", "POST", "/transfers", body, as_=who)
    return transfer_id


def received(api: Jejak, transfer_id: str) -> None:
    api.call("inventory", "POST", f"/transfers/{transfer_id}/receipt", {}, as_=KANWIL)


def in_store(api: Jejak, lot: Any) -> None:
    path = f"/stock?lot={lot['lot_code']}"
    wait_for(
        f"{lot['lot_code']} in its store",
        lambda: any(
            level["available"] for level in api.call("inventory", "GET", path, as_=KANWIL)["items"]
        ),
    )


def in_qc(api: Jejak, batch: Any) -> None:
    path, officer = f"/inspections/{batch['batch_id']}", Who.officer(batch["lot_code"][:3])
    wait_for(
        f"{batch['lot_code']} in its QC queue", lambda: api.try_get("quality", path, as_=officer)
    )


@pytest.fixture(scope="module")
def day(api: Jejak, system: ServiceSet) -> Seeded:
    shoes = produce(api, "CLG-SPT", SHOES, [(4, WORKERS)])
    eggs = produce(api, "SRG-SAE", EGGS, [(30, WORKERS)])
    sign_off(api, shoes, [])
    sign_off(api, eggs, [])
    pending = produce(api, "CLG-SPT", SHOES, [(2, WORKERS)])
    other_workshop = produce(api, "CLG-MBL", TABLE, [(1, WORKERS)])
    other_upt = produce(api, "SRG-SAE", EGGS, [(10, WORKERS)])
    in_store(api, shoes)
    in_store(api, eggs)
    received(api, ship(api, shoes, GALLERY, Who.upt_admin("CLG"), serials=shoes["serials"][:2]))
    transfer_id = ship(api, shoes, GALLERY, Who.upt_admin("CLG"), serials=shoes["serials"][2:3])
    received(api, ship(api, eggs, EXPO, Who.upt_admin("SRG"), quantity=10))
    other_transfer_id = ship(api, eggs, EXPO, Who.upt_admin("SRG"), quantity=5)
    wait_for_stock(api, SHOES, 2)
    wait_for_stock(api, EGGS, 10)
    order = sell(api, "GALERI-SERANG", SHOES, 1, OWN_BUYER, shoes["serials"][:1])
    other_order = sell(api, "EXPO-UMKM", EGGS, 2, OTHER_BUYER)
    hold = {"hold_id": str(uuid.uuid4()), "lot_code": shoes["lot_code"], "serials": [],
            "defect_code": "FTW-01", "reason": "tur konsol"}  # fmt: skip
    api.call("quality", "POST", "/holds", hold, as_=KANWIL)
    for batch in (pending, other_workshop, other_upt):
        in_qc(api, batch)
    return Seeded(
        shoes_lot=shoes["lot_code"],
        pending=pending,
        transfer_id=transfer_id,
        order_id=order["order_id"],
        hold_id=hold["hold_id"],
        other_workshop=other_workshop,
        other_upt=other_upt,
        other_lot=eggs["lot_code"],
        other_transfer_id=other_transfer_id,
        other_order_id=other_order["order_id"],
        api=api,
        console=system.url("console"),
        kanwil=password_of(system, "kanwil_admin"),
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as opened:
        yield opened


def probe(page: Page, path: str, body: bool = False) -> dict[str, Any]:
    """What the browser gets for `path` with its cookies, without showing it: status, content
    type, the address it ended at (after redirects) and, if asked, the text. The body is not
    read otherwise, so a stream (Server-Sent Events) answers too."""
    answer: dict[str, Any] = page.driver.execute_async_script(
        "const [path, body, done] = arguments; const stop = new AbortController();"
        "fetch(path, {signal: stop.signal}).then(async (r) => {"
        "  const seen = {status: r.status, type: r.headers.get('content-type') || '', url: r.url,"
        "                text: body ? await r.text() : ''};"
        "  stop.abort(); done(seen);"
        "}, (e) => done({status: 0, type: String(e), url: '', text: ''}));",
        path,
        body,
    )
    return answer


def test_an_anonymous_visitor_is_sent_to_the_sign_in_from_every_page(
    browser: Browser, system: ServiceSet, day: Seeded, output_dir: Path
) -> None:
    console = system.url("console")
    page = browser.open(f"{console}/sign-in", accept_language="id")
    page.driver.delete_all_cookies()
    wrong = []
    for route in get_routes():
        path = path_of(route, day)
        if route.roles is None:
            continue
        answer = probe(page, path)
        expected = f"{console}/sign-in?{urlencode({'next': path.split('?')[0]})}"
        if answer["url"] != expected:
            wrong.append(f"{path}: {answer['status']} at {answer['url']}, not {expected}")
    assert not wrong, "\n".join(wrong)
    for path in PUBLIC_PAGES:
        page = browser.open(f"{console}{path}", accept_language="id")
        shown(page, f"anonymous-{page_name(path)}", output_dir)


def signed_in(browser: Browser, system: ServiceSet, person: Person) -> Page:
    if person.role == "terminal":
        return enrolled_tablet(browser, system, person.binding["workshop"])
    return signed_in_as(browser, system, "/", person.role, **person.binding)


@pytest.mark.parametrize("person", PEOPLE, ids=[person.role for person in PEOPLE])
def test_each_role_sees_its_pages_and_nobody_elses(
    browser: Browser, system: ServiceSet, day: Seeded, output_dir: Path, person: Person
) -> None:
    page = signed_in(browser, system, person)
    console, wrong, shown_text = system.url("console"), [], ""
    for route in get_routes():
        if route.roles is None:
            continue
        path = path_of(route, day)
        answer = probe(page, path)
        if person.role not in route.roles:
            if answer["status"] != REFUSED:
                wrong.append(f"{path}: {answer['status']} for {person.role}, not {REFUSED}")
            continue
        if answer["status"] != 200:
            wrong.append(f"{path}: {answer['status']} for {person.role}")
            continue
        if person.role != "kanwil_admin" and route.path in ANOTHERS:
            theirs = path_of(route, day, ANOTHERS)
            other = probe(page, theirs, body=True)
            if other["status"] not in (403, 404):
                wrong.append(f"{theirs}: {other['status']} for {person.role}, not 403 or 404")
            wrong += [
                f"{theirs} shows {code}"
                for code in foreign(day, person.role)
                if code in other["text"] and code not in theirs  # the address, in its links
            ]
        if not answer["type"].startswith("text/html") or answer["url"] != f"{console}{path}":
            continue  # a file, a stream, or a redirect to a page toured on its own
        page.driver.get(f"{console}{path}")
        source = page.source()
        shown_text += source
        wrong += [f"{path} shows {code}" for code in foreign(day, person.role) if code in source]
        try:  # every page's problems in one run, not only the first page's
            shown(page, f"{person.role}-{page_name(route.path)}", output_dir)
        except AssertionError as problem:
            wrong.append(f"{path}: {str(problem).splitlines()[0]}")
    wrong += [
        f"no page of {person.role} shows {code}"
        for code in seen(day, person.role)
        if code not in shown_text
    ]
    assert not wrong, "\n".join(wrong)
