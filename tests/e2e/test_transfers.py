"""A consignment transfer with every service its own process: shoes sent from Cilegon's store
to Kanwil's gallery, one pair damaged on the way, received; inventory's stock and ledger and
trace's timeline, EPCIS events and page follow."""

import uuid

import httpx

from jejak.demo import Jejak, consign, produce, sign_off, wait_for
from jejak.tokens import KANWIL, Who
from tests.e2e.test_scenario import wait_for_lot_in_stock

GALLERY = "KANWIL-GALERI"


def test_shoes_go_to_the_gallery_and_their_trace_follows(api: Jejak) -> None:
    shoes = produce(api, "CLG-SPT", "FTW-SPT-OLR", [(6, ["WB-TRF1"])])
    sign_off(api, shoes, [])
    wait_for_lot_in_stock(api, shoes["lot_code"])
    places = api.call("inventory", "GET", "/locations", as_=Who.officer("CLG"))
    assert GALLERY in {place["code"] for place in places}
    sent, damaged = shoes["serials"][:2], shoes["serials"][2]
    transfer = {"transfer_id": str(uuid.uuid4()), "from_location": "CLG-STORE",
                "to_location": GALLERY, "sku": "FTW-SPT-OLR", "lot_code": shoes["lot_code"],
                "serials": [*sent, damaged]}  # fmt: skip
    clg_admin = Who.upt_admin("CLG")

    shipped = api.call("inventory", "POST", "/transfers", transfer, as_=clg_admin)
    url = api.urls["inventory"] + "/transfers"
    again = api.http.post(url, json=transfer, headers=api.tokens.header(clg_admin))
    receipt = {"damaged_serials": [damaged]}
    path = f"/transfers/{transfer['transfer_id']}/receipt"
    not_theirs = api.http.post(
        api.urls["inventory"] + path, json=receipt, headers=api.tokens.header(clg_admin)
    )
    done = api.call("inventory", "POST", path, receipt, as_=KANWIL)

    assert (shipped["status"], again.status_code, again.json()) == ("shipped", 200, shipped)
    assert not_theirs.status_code == 403  # the gallery is Kanwil's: it records the arrival
    assert (done["received_serials"], done["damaged_serials"]) == (sorted(sent), [damaged])
    stock = api.call("inventory", "GET", "/stock?sku=FTW-SPT-OLR&limit=500", as_=KANWIL)
    at_gallery = next(v for v in stock["items"] if v["location_code"] == GALLERY)
    assert at_gallery["quarantined"] >= 1
    unit = wait_for(
        f"{sent[0]} received at the gallery in trace",
        lambda: (
            (t := api.try_get("trace", f"/trace/{sent[0]}"))
            and t["timeline"][-1]["biz_step"] == "receiving"
            and t
        ),
    )
    assert [step["biz_step"] for step in unit["timeline"]] == [
        "commissioning",
        "inspecting",
        "storing",
        "shipping",
        "receiving",
    ]
    assert unit["status"] == "in_stock"
    events = api.call("trace", "GET", f"/epcis/events?lot={shoes['lot_code']}")
    steps = [e["bizStep"] for e in events["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]
    assert {"shipping", "receiving"} <= set(steps)
    page = httpx.get(unit["digital_link"], headers={"Accept": "text/html"}).text
    assert "Dikirim" in page
    assert "Gudang Lapas Kelas IIA Cilegon → Galeri produk WBP" in page  # places by name


def test_the_demos_consignment_reaches_trace(api: Jejak) -> None:
    shoes = produce(api, "CLG-SPT", "FTW-SPT-OLR", [(3, ["WB-TRF2"])])
    sign_off(api, shoes, [])
    wait_for_lot_in_stock(api, shoes["lot_code"])
    done = consign(api, shoes, shoes["serials"][:1], GALLERY)
    assert (done["status"], done["received_quantity"]) == ("received", 1)
