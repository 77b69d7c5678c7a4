"""Who may do what: every operation of every service x every role, over HTTP, real processes.

The policy below is the team's (issue 7's roles table). Each service publishes its rules in its
OpenAPI document (`x-jejak-roles`); the tests check that every published operation is in the
policy with the same roles (a new route without a rule fails here), that the services enforce
it (401 without a token, 403 outside the role, never 401/403 inside it), and the object-level
cases: another workshop, another UPT, another channel.
"""

import json
import uuid
from typing import Any

import httpx
import pytest

from jejak.demo import Jejak, produce, sell, sign_off, wait_for, wait_for_stock
from jejak.launcher import ServiceSet
from jejak.tokens import KANWIL, Who
from shared.auth import PUBLIC, ROLES_EXTENSION

pytestmark = pytest.mark.with_console  # the policy covers every service, the console's too

SIGNED_IN = {"terminal", "qc_officer", "channel", "upt_admin", "kanwil_admin"}
READERS_OF_QC = {"qc_officer", "upt_admin", "kanwil_admin"}
ADMINS = {"upt_admin", "kanwil_admin"}
OPERATIONS = {
    "GET /health": {PUBLIC},
    "GET /health/live": {PUBLIC},
    "GET /health/ready": {PUBLIC},
    "GET /metrics": {PUBLIC},
    "GET /asyncapi": {PUBLIC},
}
# A consuming service's consumer groups and dead letters (shared/ops.py).
CONSUMING = OPERATIONS | {
    "GET /ops/consumers": {"kanwil_admin"},
    "GET /ops/dead-letters": {"kanwil_admin"},
    "POST /ops/dead-letters/{letter_id}/replay": {"kanwil_admin"},
}

POLICY: dict[str, dict[str, set[str]]] = {
    # The console's pages are for browsers, not in its OpenAPI document: their sessions and
    # roles are tested in tests/console/ and tests/e2e/test_console.py.
    "console": OPERATIONS,
    "production": OPERATIONS
    | {
        "GET /catalogue": SIGNED_IN,
        "GET /catalogue/upts": SIGNED_IN,
        "GET /catalogue/upts/{code}": SIGNED_IN,
        "PUT /catalogue/upts/{code}": {"kanwil_admin"},
        "POST /catalogue/upts/import": {"kanwil_admin"},
        "GET /catalogue/workshops": SIGNED_IN,
        "GET /catalogue/workshops/{code}": SIGNED_IN,
        "PUT /catalogue/workshops/{code}": {"kanwil_admin"},
        "POST /catalogue/workshops/import": {"kanwil_admin"},
        "GET /catalogue/products": SIGNED_IN,
        "GET /catalogue/products/{sku}": SIGNED_IN,
        "PUT /catalogue/products/{sku}": {"kanwil_admin"},
        "POST /catalogue/products/import": {"kanwil_admin"},
        "POST /batches": {"terminal"},
        "POST /batches/{batch_id}/output": {"terminal"},
        "POST /batches/{batch_id}/complete": {"terminal"},
        "GET /batches": {"terminal", *ADMINS},
        "GET /batches/{batch_id}": {"terminal", *ADMINS},
        "GET /batches/{batch_id}/labels.pdf": {"terminal", *ADMINS},
    },
    "quality": CONSUMING
    | {
        "GET /defect-codes": SIGNED_IN,
        "GET /inspections": READERS_OF_QC,
        "GET /inspections/{batch_id}": READERS_OF_QC,
        "POST /inspections/{batch_id}/sign-off": {"qc_officer"},
        "POST /holds": {"qc_officer", "kanwil_admin"},
        "POST /holds/{hold_id}/recall": {"qc_officer", "kanwil_admin"},
        "POST /holds/{hold_id}/close": {"qc_officer", "kanwil_admin"},
        "POST /inspections/{batch_id}/corrections": {"qc_officer"},
        "GET /holds": READERS_OF_QC,
        "GET /holds/{hold_id}": READERS_OF_QC,
        "POST /permits": ADMINS,
        "GET /permits": READERS_OF_QC,
        "GET /permits/{permit_id}": READERS_OF_QC,
        "POST /permits/{permit_id}/revocation": ADMINS,
    },
    "inventory": CONSUMING
    | {
        "GET /stock": ADMINS,
        "GET /ledger": ADMINS,
        "GET /reservations/{order_id}": {"kanwil_admin"},
        "GET /locations": SIGNED_IN,
        "GET /locations/{code}": SIGNED_IN,
        "PUT /locations/{code}": {"kanwil_admin"},
        "POST /locations/import": {"kanwil_admin"},
        "POST /transfers": ADMINS,
        "GET /transfers": ADMINS,
        "GET /transfers/{transfer_id}": ADMINS,
        "POST /transfers/{transfer_id}/receipt": ADMINS,
    },
    "sales": CONSUMING
    | {
        "GET /channels": SIGNED_IN,
        "GET /channels/{code}": SIGNED_IN,
        "PUT /channels/{code}": {"kanwil_admin"},
        "POST /channels/import": {"kanwil_admin"},
        "GET /feed/stock": {"channel", "kanwil_admin"},
        "PUT /channels/{code}/webhook": {"channel", "kanwil_admin"},
        "GET /channels/{code}/webhook": {"channel", "kanwil_admin"},
        "DELETE /channels/{code}/webhook": {"channel", "kanwil_admin"},
        "GET /channels/{code}/webhook/deliveries": {"channel", "kanwil_admin"},
        "POST /channels/{code}/webhook/deliveries/{delivery_id}/retry": {"channel", "kanwil_admin"},
        "GET /catalogue": {"channel", *ADMINS},
        "POST /orders": {"channel"},
        "GET /orders/{order_id}": {"channel", "kanwil_admin"},
        "POST /orders/{order_id}/complete": {"channel"},
        "POST /orders/{order_id}/cancel": {"channel"},
        "POST /orders/{order_id}/returns": {"channel", "kanwil_admin"},
    },
    "trace": CONSUMING
    | {
        "GET /trace/{code}": {PUBLIC},
        "GET /01/{gtin}/10/{lot}/21/{serial}": {PUBLIC},
        "GET /01/{gtin}/10/{lot}": {PUBLIC},
        "GET /01/{gtin}/21/{serial}": {PUBLIC},
        "GET /epcis/events": {PUBLIC},
        "GET /lots/{lot_code}/recall-report": {"channel", *ADMINS},
    },
    "identity": OPERATIONS
    | {
        "POST /oauth/token": {PUBLIC},
        "POST /oauth/revoke": {PUBLIC},
        "GET /.well-known/openid-configuration": {PUBLIC},
        "GET /.well-known/jwks.json": {PUBLIC},
        "POST /principals": {"kanwil_admin"},
        "GET /principals": {"kanwil_admin"},
        "GET /principals/{principal_id}": {"kanwil_admin"},
        "POST /principals/{principal_id}/revoke": {"kanwil_admin"},
        "POST /keys/rotate": {"kanwil_admin"},
    },
}

CALLERS: dict[str, Who] = {
    "terminal": Who.terminal("CLG-SPT"),
    "qc_officer": Who.officer("CLG"),
    "channel": Who.sales_channel("MARKETPLACE"),
    "upt_admin": Who.upt_admin("CLG"),
    "kanwil_admin": KANWIL,
}
# Trying these as an allowed caller would change the system under test for the other tests.
# The stock feed, allowed, streams until the client leaves: tests/e2e/test_feeds.py reads it.
NOT_TRIED_AS_ALLOWED = {("identity", "POST /keys/rotate"), ("sales", "GET /feed/stock")}


def published(api: Jejak, service: str) -> dict[str, set[str]]:
    """The service's operations and the roles its OpenAPI document gives each."""
    document = api.http.get(api.urls[service] + "/openapi.json").json()
    return {
        f"{method.upper()} {path}": set(operation.get(ROLES_EXTENSION, ["<no rule>"]))
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }


@pytest.mark.parametrize("service", sorted(POLICY))
def test_every_operation_has_the_rule_of_the_policy(api: Jejak, service: str) -> None:
    assert published(api, service) == POLICY[service]


def call(api: Jejak, service: str, operation: str, who: Who | None) -> httpx.Response:
    method, path = operation.split(" ", 1)
    code = "MARKETPLACE" if service == "sales" else "CLG-FTW-2601-0001"  # the channel's own
    filled = (
        path.replace("{code}", code)
        .replace("{lot_code}", "CLG-FTW-2601-0001")
        .replace("{gtin}", "00200000000097")
    )
    filled = filled.replace("{lot}", "CLG-FTW-2601-0001").replace("{serial}", "X")
    filled = filled.replace("{delivery_id}", "1").replace("{letter_id}", "0-1")
    for name in ("batch_id", "order_id", "principal_id", "hold_id", "permit_id"):
        filled = filled.replace("{" + name + "}", str(uuid.uuid4()))
    body: dict[str, Any] | None = {} if method == "POST" else None
    return api.http.request(
        method, api.urls[service] + filled, json=body, headers=api.tokens.header(who)
    )


@pytest.mark.parametrize("service", sorted(POLICY))
def test_every_role_gets_what_the_policy_says_on_every_operation(api: Jejak, service: str) -> None:
    wrong: list[str] = []
    for operation, roles in POLICY[service].items():
        anonymous = call(api, service, operation, None)
        if PUBLIC in roles:
            if anonymous.status_code in (401, 403):
                wrong.append(f"public {operation}: {anonymous.status_code}")
            continue
        if anonymous.status_code != 401 or "Bearer" not in anonymous.headers["WWW-Authenticate"]:
            wrong.append(f"no token, {operation}: {anonymous.status_code}")
        for role, who in CALLERS.items():
            if role in roles and (service, operation) in NOT_TRIED_AS_ALLOWED:
                continue
            status = call(api, service, operation, who).status_code
            expected = "allowed" if role in roles else 403
            if (status == 403) != (expected == 403) or status == 401:
                wrong.append(f"{role} {operation}: {status}, expected {expected}")
    assert wrong == []


def test_a_bad_token_is_refused_with_the_reason(api: Jejak) -> None:
    response = api.http.get(
        api.urls["quality"] + "/defect-codes", headers={"Authorization": "Bearer not-a-token"}
    )

    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


@pytest.fixture(scope="module")
def sold_shoes(api: Jejak) -> dict[str, Any]:
    """A lot of Cilegon shoes, signed off, a pair sold by the marketplace."""
    shoes = produce(api, "CLG-SPT", "FTW-SPT-OLR", [(4, ["WB-A1C3"])])
    sign_off(api, shoes, [])
    wait_for_stock(api, "FTW-SPT-OLR", 4)
    order = sell(api, "MARKETPLACE", "FTW-SPT-OLR", 1, "BUYER-ACL-1", shoes["serials"][:1])
    return {"batch": shoes, "order": order}


def status_of(api: Jejak, service: str, method: str, path: str, who: Who, body: Any = None) -> int:
    headers = api.tokens.header(who)
    url = api.urls[service] + path
    return api.http.request(method, url, json=body, headers=headers).status_code


def test_a_terminal_touches_only_its_own_workshops_batches(
    api: Jejak, sold_shoes: dict[str, Any]
) -> None:
    batch, guitars = sold_shoes["batch"], Who.terminal("RKB-KYU")
    opening = {"batch_id": str(uuid.uuid4()), "workshop_code": "CLG-SPT", "sku": "FTW-SPT-OLR"}

    assert status_of(api, "production", "POST", "/batches", guitars, opening) == 403
    assert status_of(api, "production", "GET", f"/batches/{batch['batch_id']}", guitars) == 403
    path = f"/batches/{batch['batch_id']}/complete"
    assert status_of(api, "production", "POST", path, guitars) == 403
    assert status_of(api, "production", "POST", path, Who.terminal("CLG-SPT")) == 200


def test_upt_administrators_read_their_own_upt_only(api: Jejak, sold_shoes: dict[str, Any]) -> None:
    batch = sold_shoes["batch"]
    path = f"/batches/{batch['batch_id']}"
    assert status_of(api, "production", "GET", path, Who.upt_admin("CLG")) == 200
    assert status_of(api, "production", "GET", path, Who.upt_admin("RKB")) == 403
    listed = api.call("production", "GET", "/batches?limit=100", as_=Who.upt_admin("RKB"))
    assert {listed_batch["workshop_code"] for listed_batch in listed} <= {"RKB-KYU"}
    own = api.call("production", "GET", "/batches?limit=100", as_=Who.upt_admin("CLG"))
    assert batch["batch_id"] in {listed_batch["batch_id"] for listed_batch in own}
    stock = api.call("inventory", "GET", "/stock?limit=500", as_=Who.upt_admin("RKB"))
    assert len(stock["items"]) == stock["total"]
    assert {level["location_code"] for level in stock["items"]} <= {"RKB-STORE"}
    # Sales' catalogue follows inventory's rule (shared/places.py): not Cilegon's store either.
    for channel in ("", "?channel_code=MARKETPLACE"):
        listed = api.call("sales", "GET", f"/catalogue{channel}", as_=Who.upt_admin("RKB"))
        assert {place for item in listed["items"] for place in item["locations"]} <= {"RKB-STORE"}


def test_a_qc_officer_signs_off_and_reads_only_its_upts_inspections(api: Jejak) -> None:
    shoes = produce(api, "CLG-SPT", "FTW-SPT-OLR", [(2, ["WB-A1C4"])])
    path, stranger = f"/inspections/{shoes['batch_id']}", Who.officer("RKB")
    wait_for("the inspection", lambda: api.try_get("quality", path, as_=KANWIL))
    verdict = {"passed_quantity": 2, "rejected_quantity": 0}

    assert status_of(api, "quality", "GET", path, stranger) == 403
    assert status_of(api, "quality", "GET", "/inspections?upt=CLG", stranger) == 403
    assert status_of(api, "quality", "POST", path + "/sign-off", stranger, verdict) == 403
    forged = verdict | {"officer_code": "QC-CLG-99"}
    officer = Who.officer("CLG")
    assert status_of(api, "quality", "POST", path + "/sign-off", officer, forged) == 403
    signed = api.call("quality", "POST", path + "/sign-off", verdict, as_=officer)
    assert signed["officer_code"] == "QC-CLG-07", "the officer code comes from the token"


def test_a_channel_sees_and_sells_only_its_own_orders(
    api: Jejak, sold_shoes: dict[str, Any]
) -> None:
    order, expo = sold_shoes["order"], Who.sales_channel("E-KATALOG")
    placed = {"order_id": str(uuid.uuid4()), "channel_code": "MARKETPLACE",
              "sku": "FTW-SPT-OLR", "quantity": 1, "buyer_ref": "BUYER-ACL-2"}  # fmt: skip

    assert status_of(api, "sales", "GET", f"/orders/{order['order_id']}", expo) == 403
    assert status_of(api, "sales", "POST", f"/orders/{order['order_id']}/complete", expo) == 403
    assert status_of(api, "sales", "POST", "/orders", expo, placed) == 403
    own = api.call("sales", "GET", f"/orders/{order['order_id']}", as_=CALLERS["channel"])
    assert own["buyer_ref"] == "BUYER-ACL-1"


def test_only_the_lots_upt_and_the_kanwil_see_its_buyers(
    api: Jejak, sold_shoes: dict[str, Any]
) -> None:
    batch = sold_shoes["batch"]
    lot_path, unit_path = f"/trace/{batch['lot_code']}", f"/trace/{batch['serials'][0]}"
    wait_for(
        "the sale in the trace",
        lambda: (api.try_get("trace", lot_path, as_=KANWIL) or {})["buyers"],
    )

    for who in (None, Who.upt_admin("RKB"), CALLERS["channel"], CALLERS["terminal"]):
        for path in (lot_path, unit_path):
            answer = api.call("trace", "GET", path, as_=who)
            text = json.dumps(answer)
            assert "buyers" not in answer, (who, path)
            assert "BUYER-ACL-1" not in text, (who, path)
            assert sold_shoes["order"]["order_id"] not in text
    for who in (Who.upt_admin("CLG"), KANWIL):
        answer = api.call("trace", "GET", lot_path, as_=who)
        assert [buyer["buyer_ref"] for buyer in answer["buyers"]] == ["BUYER-ACL-1"]


def test_the_access_test_runs_against_a_system_with_every_service(system: ServiceSet) -> None:
    assert set(system.urls) == set(POLICY)
