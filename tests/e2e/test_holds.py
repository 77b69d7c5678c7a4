"""Holds and recalls over HTTP with every service its own process: who may hold what, what
trace and the buyer's page show, and the stream a channel reads with a consumer group of its own.
"""

import uuid
from typing import Any

import httpx
from redis import Redis

from jejak.demo import Jejak, produce, sell, sign_off, wait_for
from jejak.launcher import ServiceSet
from jejak.tokens import KANWIL, Who
from shared.contracts import LotHeld, LotRecalled
from shared.delivery.entries import DATA_FIELD
from tests.e2e.test_scenario import wait_for_lot_in_stock

HTML = {"Accept": "text/html", "Accept-Language": "id"}


def trace_status(api: Jejak, code: str, status: str) -> Any:
    return wait_for(
        f"{code} {status}",
        lambda: (t := api.try_get("trace", f"/trace/{code}")) and t["status"] == status and t,
    )


def stocked_shoes(api: Jejak, pairs: int) -> Any:
    shoes = produce(api, "CLG-SPT", "FTW-SPT-OLR", [(pairs, ["WB-HLD7K"])])
    sign_off(api, shoes, [])
    wait_for_lot_in_stock(api, shoes["lot_code"])
    return shoes


def refused(api: Jejak, path: str, body: dict[str, Any], who: Who) -> tuple[int, str]:
    response = api.http.post(api.urls["quality"] + path, json=body, headers=api.tokens.header(who))
    return response.status_code, response.text


def test_a_hold_then_a_recall_reach_trace_the_buyers_page_and_a_channels_own_group(
    api: Jejak, system: ServiceSet
) -> None:
    shoes = stocked_shoes(api, 4)
    redis = Redis.from_url(system.env["REDIS_URL"])
    namespace = system.env["JEJAK_NAMESPACE"]
    for contract in (LotHeld, LotRecalled):  # a gallery's own group, from the stream's start
        redis.xgroup_create(contract.stream(namespace), "galeri-serang", id="0", mkstream=True)
    hold = {"hold_id": str(uuid.uuid4()), "lot_code": shoes["lot_code"], "defect_code": "FTW-01",
            "reason": "soles come loose after a week"}  # fmt: skip

    placed = api.call("quality", "POST", "/holds", hold, as_=KANWIL)
    resent = api.http.post(
        api.urls["quality"] + "/holds", json=hold, headers=api.tokens.header(KANWIL)
    )

    assert (placed["status"], placed["held_by"], placed["serials"]) == ("held", "kanwil_admin", [])
    assert (resent.status_code, resent.json()) == (200, placed)
    unit = trace_status(api, shoes["serials"][0], "on_hold")
    assert unit["timeline"][-1]["biz_step"] == "holding"
    page = httpx.get(unit["digital_link"], headers=HTML).text
    assert 'id="notice"' in page
    assert "sedang ditahan" in page

    path = f"/holds/{hold['hold_id']}/recall"
    recalled = api.call("quality", "POST", path, {"reason": "confirmed on 3 pairs"}, as_=KANWIL)
    again = api.call("quality", "POST", path, {"reason": "confirmed on 3 pairs"}, as_=KANWIL)

    assert recalled["status"] == again["status"] == "recalled"
    unit = trace_status(api, shoes["serials"][0], "recalled")
    report = api.call("trace", "GET", f"/lots/{shoes['lot_code']}/recall-report", as_=KANWIL)
    assert (report["status"], report["made"], report["counts"]["held"]) == ("recalled", 4, 4)
    csv = api.http.get(
        api.urls["trace"] + f"/lots/{shoes['lot_code']}/recall-report?format=csv",
        headers=api.tokens.header(KANWIL),
    )
    assert csv.text.count("\n") == 5, "a header and a line per pair"
    assert "ditarik dari peredaran" in httpx.get(unit["digital_link"], headers=HTML).text
    streams = {LotHeld.stream(namespace): ">", LotRecalled.stream(namespace): ">"}
    read: Any = redis.xreadgroup("galeri-serang", "pos-1", streams)  # type: ignore[arg-type]
    by_stream: dict[str, Any] = {name.decode(): entries for name, entries in read}
    [(_, held_entry)] = by_stream[LotHeld.stream(namespace)]
    [(_, recall_entry)] = by_stream[LotRecalled.stream(namespace)]
    held_event = LotHeld.model_validate_json(held_entry[DATA_FIELD])
    assert (held_event.lot_code, held_event.defect_code) == (shoes["lot_code"], "FTW-01")
    recall_event = LotRecalled.model_validate_json(recall_entry[DATA_FIELD])
    assert recall_event.hold_id == held_event.hold_id, "recalled once"


def test_an_officer_holds_units_of_a_lot_of_their_own_upt_and_nothing_else(api: Jejak) -> None:
    shoes = stocked_shoes(api, 5)
    officer, stranger = Who.officer("CLG"), Who.officer("SRG")
    held_units = shoes["serials"][:2]
    hold = {"hold_id": str(uuid.uuid4()), "lot_code": shoes["lot_code"], "serials": held_units,
            "reason": "stitching loose on a sample"}  # fmt: skip

    assert refused(api, "/holds", hold, stranger)[0] == 403
    placed = api.call("quality", "POST", "/holds", hold, as_=officer)

    assert (placed["held_by"], placed["serials"]) == ("qc_officer", held_units)
    assert trace_status(api, held_units[1], "on_hold")["serial"] == held_units[1]
    assert api.call("trace", "GET", f"/trace/{shoes['serials'][4]}")["status"] == "in_stock"
    other_id = hold | {"serials": shoes["serials"][2:3]}
    assert refused(api, "/holds", other_id, officer)[0] == 409
    fresh = hold | {"hold_id": str(uuid.uuid4())}
    for change, field in (
        ({"serials": ["CLG-2611-9999-0001"]}, "serials"),
        ({"defect_code": "PAN-07"}, "defect_code"),
        ({"reason": ""}, "reason"),
    ):
        status, text = refused(api, "/holds", fresh | change, officer)
        assert status == 422, text
        assert field in text
    status, text = refused(api, "/holds", fresh | {"lot_code": "CLG-FTW-2601-9999"}, officer)
    assert (status, "no lot CLG-FTW-2601-9999" in text) == (404, True)
    serang, cilegon = Who.upt_admin("SRG"), Who.upt_admin("CLG")
    lot_holds = "/holds?lot=" + shoes["lot_code"]
    none = api.call("quality", "GET", lot_holds, as_=serang)
    assert (none["items"], none["total"]) == ([], 0), "another UPT's are not listed"
    listed = api.call("quality", "GET", lot_holds, as_=cilegon)
    assert [h["hold_id"] for h in listed["items"]] == [hold["hold_id"]]
    assert listed["total"] == 1
    other_upt = api.http.get(
        api.urls["quality"] + lot_holds + "&upt=CLG", headers=api.tokens.header(serang)
    )
    assert other_upt.status_code == 403


GUITAR = "KYU-GTR-AKS"  # no other test of this module makes guitars


def guitar_stock(api: Jejak) -> dict[str, int]:
    """Inventory's levels of guitars, summed over locations, and the sales catalogue's."""
    levels = api.call("inventory", "GET", f"/stock?sku={GUITAR}", as_=KANWIL)["items"]
    totals = {key: sum(level[key] for level in levels) for key in
              ("on_hand", "reserved", "quarantined", "available")}  # fmt: skip
    items = api.call("sales", "GET", "/catalogue?limit=500", as_=KANWIL)["items"]
    totals["catalogue"] = sum(item["available"] for item in items if item["sku"] == GUITAR)
    return totals


def stock_becomes(api: Jejak, **wanted: int) -> dict[str, int]:
    return wait_for(
        f"guitar stock {wanted}",
        lambda: s if all((s := guitar_stock(api))[k] == v for k, v in wanted.items()) else None,
    )


def test_returns_cancels_corrections_and_closed_holds_move_stock_and_trace(api: Jejak) -> None:
    guitars = produce(api, "RKB-KYU", GUITAR, [(6, ["WB-GTR1A"])])
    sign_off(api, guitars, [])
    wait_for_lot_in_stock(api, guitars["lot_code"])
    serials, lot_code = guitars["serials"], guitars["lot_code"]
    gallery = Who.sales_channel("MARKETPLACE")

    sold = sell(api, "MARKETPLACE", GUITAR, 1, "BUYER-GTR-0001", serials=serials[:1])
    back = {"return_id": str(uuid.uuid4()), "serials": serials[:1], "reason": "neck cracked"}
    path = f"/orders/{sold['order_id']}/returns"
    returned = api.call("sales", "POST", path, back, as_=gallery)
    assert (returned["location_code"], returned["serials"]) == ("RKB-STORE", serials[:1])
    assert trace_status(api, serials[0], "returned")["timeline"][-1]["biz_step"] == "receiving"
    stock_becomes(api, on_hand=6, quarantined=1, available=5, catalogue=5)

    order_id = str(uuid.uuid4())
    order = {"order_id": order_id, "channel_code": "MARKETPLACE", "sku": GUITAR,
             "quantity": 2, "buyer_ref": "BUYER-GTR-0002"}  # fmt: skip
    api.call("sales", "POST", "/orders", order, as_=gallery)
    wait_for("a confirmed order", lambda: api.call(
        "sales", "GET", f"/orders/{order_id}", as_=gallery)["status"] == "confirmed")  # fmt: skip
    stock_becomes(api, reserved=2, available=3)
    cancel = {"reason": "the buyer changed their mind"}
    cancelled = api.call("sales", "POST", f"/orders/{order_id}/cancel", cancel, as_=gallery)
    assert cancelled["status"] == "cancelled"
    stock_becomes(api, reserved=0, available=5, catalogue=5)
    reservation = api.call("inventory", "GET", f"/reservations/{order_id}", as_=KANWIL)
    assert (reservation["status"], "cancelled by its channel" in reservation["reason"]) == (
        "released",
        True,
    )

    officer, batch_path = Who.officer("RKB"), f"/inspections/{guitars['batch_id']}"
    first = api.call("quality", "GET", batch_path, as_=officer)
    crack = {"defect_code": "KYU-02", "quantity": 1, "serials": serials[5:]}
    correction = {"supersedes": first["inspection_id"], "reason": "a crack found on a re-check",
                  "passed_quantity": 5, "rejected_quantity": 1, "rejections": [crack]}  # fmt: skip
    corrected = api.call("quality", "POST", f"{batch_path}/corrections", correction, as_=officer)
    assert [s["supersedes"] for s in corrected["sign_offs"]] == [None, first["inspection_id"]]
    stock_becomes(api, on_hand=5, available=4, catalogue=4)
    checks = [step for step in trace_status(api, serials[5], "rejected")["timeline"]
              if step["biz_step"] == "inspecting"]  # fmt: skip
    assert [(c["qc_decision"], c.get("supersedes")) for c in checks] == [
        ("conformant", None),
        ("non_conformant", first["inspection_id"]),
    ]

    hold = {"hold_id": str(uuid.uuid4()), "lot_code": lot_code, "reason": "neck check"}
    api.call("quality", "POST", "/holds", hold, as_=KANWIL)
    stock_becomes(api, quarantined=5, available=0, catalogue=0)
    close = {"outcome": "released", "reason": "necks re-checked: fine"}
    released = api.call("quality", "POST", f"/holds/{hold['hold_id']}/close", close, as_=KANWIL)
    assert released["status"] == "released"
    stock_becomes(api, on_hand=5, quarantined=0, available=5, catalogue=5)
    assert trace_status(api, serials[0], "in_stock")["timeline"][-1]["biz_step"] == "inspecting"

    again = hold | {"hold_id": str(uuid.uuid4()), "reason": "cracks spread in storage"}
    api.call("quality", "POST", "/holds", again, as_=KANWIL)
    destroy = {"outcome": "destroyed", "reason": "burnt under the Kanwil's supervision"}
    api.call("quality", "POST", f"/holds/{again['hold_id']}/close", destroy, as_=KANWIL)
    stock_becomes(api, on_hand=0, quarantined=0, available=0, catalogue=0)
    ledger = api.call("inventory", "GET", f"/ledger?sku={GUITAR}", as_=KANWIL)["items"]
    assert sum(-line["on_hand_delta"] for line in ledger if line["reason"] == "written_off") == 5
    assert trace_status(api, serials[0], "destroyed")["timeline"][-1]["biz_step"] == "destroying"
    report = api.call("trace", "GET", f"/lots/{lot_code}/recall-report", as_=KANWIL)
    assert (report["status"], report["made"]) == ("destroyed", 6)
    assert {k: v for k, v in report["counts"].items() if v} == {"destroyed": 5, "rejected": 1}
