"""Holds and recalls over HTTP with every service its own process: who may hold what, what
trace and the buyer's page show, and the stream a channel reads with a consumer group of its own.
"""

import uuid
from typing import Any

import httpx
from redis import Redis

from jejak.demo import Jejak, produce, sign_off, wait_for
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
    assert api.call("quality", "GET", lot_holds, as_=serang) == [], "another UPT's are not listed"
    assert [h["hold_id"] for h in api.call("quality", "GET", lot_holds, as_=cilegon)] == [
        hold["hold_id"]
    ]
    other_upt = api.http.get(
        api.urls["quality"] + lot_holds + "&upt=CLG", headers=api.tokens.header(serang)
    )
    assert other_upt.status_code == 403
