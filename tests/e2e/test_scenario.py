"""The mission end to end: every service its own process, driven over HTTP like its users,
on Redis database 5: a Redis shared with a database per application works as database 0 does
(each service's user selects that database and no other, jejak/redis_users.py)."""

import json
import time
import uuid
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from jejak.demo import Jejak, produce, run_demo, sell, sign_off, wait_for, wait_for_stock
from jejak.launcher import ServiceSet
from jejak.streams import dead_letters
from jejak.tokens import KANWIL, Who
from tests.backend import Backend
from tests.e2e.system import unsettled_groups

DATABASE = 5


@pytest.fixture(scope="module")
def module_env(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    env = backend.system_env(tmp_path_factory.mktemp("system"), f"e2e-{uuid.uuid4().hex[:6]}")
    url = make_url(env["REDIS_URL"]).set(database=str(DATABASE))
    env["REDIS_URL"] = url.render_as_string(hide_password=False)
    return env


def trace_of(api: Jejak, code: str, status: str) -> Any:
    return wait_for(
        f"{code} with status {status}",
        lambda: (
            (t := api.try_get("trace", f"/trace/{code}", as_=KANWIL))
            and t.get("status") == status
            and t
        ),
    )


def wait_for_lot_in_stock(api: Jejak, lot_code: str) -> None:
    """Other tests stock the same SKUs: wait for this lot, not for a quantity."""
    wait_for(
        f"lot {lot_code} in stock",
        lambda: (
            (t := api.try_get("trace", f"/trace/{lot_code}", as_=KANWIL))
            and any(step["biz_step"] == "storing" for step in t["timeline"])
        ),
    )


def test_a_pair_of_shoes_is_traced_from_its_workshop_to_its_buyer(api: Jejak) -> None:
    shoes = produce(api, "CLG-SPT", "FTW-SPT-OLR", [(24, ["WB-C7K2", "WB-D4M9"])])
    rejected = shoes["serials"][-2:]
    sign_off(api, shoes, [{"defect_code": "FTW-01", "quantity": 2, "serials": rejected}])
    wait_for_lot_in_stock(api, shoes["lot_code"])
    order = sell(api, "MARKETPLACE", "FTW-SPT-OLR", 2, "BUYER-E2E-1", shoes["serials"][:2])
    sold = order["allocations"][0]["serials"][0]

    trace = trace_of(api, sold, "sold")

    steps = [step["biz_step"] for step in trace["timeline"]]
    assert steps == ["commissioning", "inspecting", "storing", "retail_selling"]
    commissioning, inspecting, storing, selling = trace["timeline"]
    assert commissioning["upt_name"] == "Lapas Kelas IIA Cilegon"
    assert commissioning["workshop_code"] == "CLG-SPT"
    assert inspecting["disposition"] == "conformant"
    assert storing["location_code"] == "CLG-STORE"
    assert (selling["disposition"], selling["channel_code"], selling["buyer_ref"]) == (
        "retail_sold",
        "MARKETPLACE",
        "BUYER-E2E-1",
    )
    assert all(step["lot_code"] == shoes["lot_code"] for step in trace["timeline"])
    assert trace["digital_link"].endswith(f"/10/{shoes['lot_code']}/21/{sold}")
    assert "WB-" not in json.dumps(trace), "worker codes must never leave production"


def test_a_rejected_pair_is_traced_as_non_conformant_and_never_stocked(api: Jejak) -> None:
    shoes = produce(api, "CLG-SPT", "FTW-SPT-OLR", [(5, ["WB-K2L7"])])
    bad = shoes["serials"][0]
    sign_off(api, shoes, [{"defect_code": "FTW-05", "quantity": 1, "serials": [bad]}])

    trace = trace_of(api, bad, "rejected")

    assert [s["biz_step"] for s in trace["timeline"]] == ["commissioning", "inspecting"]
    assert trace["timeline"][1]["disposition"] == "non_conformant"
    assert trace["timeline"][1]["defects"][0]["code"] == "FTW-05"


def test_a_lot_trace_lists_every_unit_and_every_buyer_for_a_recall(api: Jejak) -> None:
    shoes = produce(api, "CLG-SPT", "FTW-SPT-OLR", [(6, ["WB-M3N8"])])
    sign_off(api, shoes, [])
    wait_for_lot_in_stock(api, shoes["lot_code"])
    sold = shoes["serials"][1:3]
    sell(api, "MARKETPLACE", "FTW-SPT-OLR", 1, "BUYER-RCL-1", sold[:1])
    sell(api, "E-KATALOG", "FTW-SPT-OLR", 1, "BUYER-RCL-2", sold[1:])

    def lot_with_buyers() -> Any:
        lot = api.try_get("trace", f"/trace/{shoes['lot_code']}", as_=KANWIL)
        buyers = {b["buyer_ref"] for b in lot["buyers"]} if lot else set()
        return lot if {"BUYER-RCL-1", "BUYER-RCL-2"} <= buyers else None

    lot = wait_for("the lot's buyers", lot_with_buyers)
    assert lot["kind"] == "lot"
    assert [u["serial"] for u in lot["units"]] == shoes["serials"]
    by_serial = {u["serial"]: u for u in lot["units"]}
    for serial in shoes["serials"]:
        assert by_serial[serial]["status"] == ("sold" if serial in sold else "in_stock")


def test_bread_is_produced_and_sold_by_quantity(api: Jejak) -> None:
    bread = produce(api, "CLG-ROT", "PAN-ROT-001", [(200, ["WB-R2B6", "WB-K9L1"])])
    assert bread["serials"] == []
    sign_off(api, bread, [{"defect_code": "PAN-04", "quantity": 4, "serials": []}])
    wait_for_stock(api, "PAN-ROT-001", 196)
    order = sell(api, "E-KATALOG", "PAN-ROT-001", 50, "BUYER-EXPO-9")
    assert order["status"] == "completed"
    lot = wait_for(
        "the bread sale in the lot trace",
        lambda: (
            (t := api.try_get("trace", f"/trace/{bread['lot_code']}", as_=KANWIL))
            and t["buyers"]
            and t
        ),
    )
    assert lot["buyers"][0]["quantity"] == 50
    assert [s["biz_step"] for s in lot["timeline"]] == [
        "commissioning",
        "inspecting",
        "storing",
        "retail_selling",
    ]


def test_an_order_beyond_the_stock_is_rejected_with_the_reason(api: Jejak) -> None:
    guitars = produce(api, "RKB-KYU", "KYU-GTR-AKS", [(2, ["WB-G1T2"])])
    sign_off(api, guitars, [])
    wait_for_stock(api, "KYU-GTR-AKS", 2)
    order = sell(api, "MARKETPLACE", "KYU-GTR-AKS", 100, "BUYER-GTR-1")
    assert order["status"] == "rejected"
    assert "available" in order["reason"]


def test_bad_requests_get_the_field_and_the_reason_and_change_nothing(api: Jejak) -> None:
    shoes = produce(api, "CLG-SPT", "FTW-SPT-OLR", [(10, ["WB-Q8W4"])])
    path = f"/inspections/{shoes['batch_id']}"
    officer, terminal = Who.officer("CLG"), Who.terminal("CLG-SPT")
    wait_for("the inspection", lambda: api.try_get("quality", path, as_=officer))

    def sign(body: dict[str, Any]) -> Any:
        url, signed_in = api.urls["quality"] + path + "/sign-off", api.tokens.header(officer)
        return api.http.post(url, json=body, headers=signed_in)

    base = {"officer_code": "QC-CLG-07", "passed_quantity": 10, "rejected_quantity": 0}
    wrong_count = sign(base | {"passed_quantity": 9})
    unknown_code = sign(
        base
        | {
            "passed_quantity": 9,
            "rejected_quantity": 1,
            "rejections": [
                {"defect_code": "PAN-01", "quantity": 1, "serials": shoes["serials"][:1]}
            ],
        }
    )
    assert wrong_count.status_code == 422
    assert wrong_count.headers["content-type"] == "application/problem+json"
    assert wrong_count.json()["field"] == "passed_quantity"
    assert "batch has 10" in wrong_count.json()["reason"]
    assert unknown_code.status_code == 422
    assert unknown_code.json()["field"] == "rejections.0.defect_code"
    assert api.call("quality", "GET", path, as_=officer)["status"] == "pending"

    assert sign(base).status_code == 200
    repeated = sign(base)
    assert repeated.status_code == 409
    assert "already signed off" in repeated.json()["detail"]

    named_worker = api.http.post(
        api.urls["production"] + f"/batches/{uuid.uuid4()}/output",
        json={"submission_id": str(uuid.uuid4()), "quantity": 1, "worker_codes": ["Budi Santoso"]},
        headers=api.tokens.header(terminal),
    )
    assert named_worker.status_code == 422
    assert named_worker.json()["field"] == "worker_codes.0"


def test_a_terminal_resending_its_queue_creates_nothing_twice(api: Jejak) -> None:
    batch_id, submission = str(uuid.uuid4()), str(uuid.uuid4())
    opening = {"batch_id": batch_id, "workshop_code": "PDG-RJT", "sku": "TEX-TRJ-TAS"}
    output = {"submission_id": submission, "quantity": 4, "worker_codes": ["WB-T4S9"]}
    terminal = Who.terminal("PDG-RJT")
    for _ in range(2):  # the terminal was offline and resends everything
        api.call("production", "POST", "/batches", opening, as_=terminal)
        api.call("production", "POST", f"/batches/{batch_id}/output", output, as_=terminal)
        batch = api.call("production", "POST", f"/batches/{batch_id}/complete", as_=terminal)
    assert batch["quantity"] == 4
    assert len(batch["serials"]) == 4


def test_after_the_demo_nothing_is_pending_on_any_stream(
    system: ServiceSet, module_env: dict[str, str], api: Jejak
) -> None:
    run_demo(system.urls, api.tokens)
    deadline = time.monotonic() + 30
    while unsettled_groups(module_env) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert unsettled_groups(module_env) == []
    assert dead_letters(module_env["REDIS_URL"], module_env["JEJAK_NAMESPACE"]) == []
    for name in system.names:
        assert "Traceback" not in system.log_path(name).read_text(), system.log_tail(name)
