"""Issue 11's consignment, over real processes: bread made in Cilegon is shipped to Kanwil's
gallery and to the Pemprov expo stand, the stand's delivery comes short, each channel sells
only what its own place holds, and the lot's trace (and a consigned unit's) tells the journey
commissioning -> inspecting -> storing -> shipping -> receiving -> retail_selling."""

import uuid
from typing import Any

from jejak.demo import Jejak, consign, produce, sell, sign_off, wait_for
from jejak.tokens import KANWIL, Who
from tests.e2e.test_scenario import wait_for_lot_in_stock

BREAD = "PAN-ROT-001"
JOURNEY = ["commissioning", "inspecting", "storing", "shipping", "receiving", "retail_selling"]


def ship(api: Jejak, lot_code: str, quantity: int, to_location: str) -> str:
    transfer_id = str(uuid.uuid4())
    transfer = {"transfer_id": transfer_id, "from_location": "CLG-STORE",
                "to_location": to_location, "sku": BREAD, "lot_code": lot_code,
                "quantity": quantity}  # fmt: skip
    shipped = api.call("inventory", "POST", "/transfers", transfer, as_=Who.upt_admin("CLG"))
    assert shipped["status"] == "shipped"
    return transfer_id


def receive(api: Jejak, transfer_id: str, receipt: dict[str, Any]) -> Any:
    path = f"/transfers/{transfer_id}/receipt"
    return api.call("inventory", "POST", path, receipt, as_=KANWIL)


def channel_stock(api: Jejak, channel: str) -> dict[str, int]:
    """What the channel's own catalogue shows of the bread, per location."""
    items = api.call("sales", "GET", "/catalogue?limit=500", as_=Who.sales_channel(channel))
    return next((item["locations"] for item in items["items"] if item["sku"] == BREAD), {})


def order(api: Jejak, channel: str, quantity: int) -> Any:
    """An order placed and answered (not completed)."""
    seller, order_id = Who.sales_channel(channel), str(uuid.uuid4())
    body = {"order_id": order_id, "channel_code": channel, "sku": BREAD,
            "quantity": quantity, "buyer_ref": "BUYER-EXPO-CNS"}  # fmt: skip
    api.call("sales", "POST", "/orders", body, as_=seller)
    path = f"/orders/{order_id}"
    return wait_for(
        f"the answer to order {order_id}",
        lambda: (o := api.call("sales", "GET", path, as_=seller))["status"] != "pending" and o,
    )


def test_bread_goes_to_the_gallery_and_the_expo_and_each_sells_only_what_it_holds(
    api: Jejak,
) -> None:
    bread = produce(api, "CLG-ROT", BREAD, [(100, ["WB-CNS1", "WB-CNS2"])])
    sign_off(api, bread, [])
    lot = bread["lot_code"]
    wait_for_lot_in_stock(api, lot)

    to_gallery = ship(api, lot, 30, "KANWIL-GALERI")
    to_expo = ship(api, lot, 20, "EXPO-KP3B")
    gallery_receipt = receive(api, to_gallery, {})
    expo_receipt = receive(api, to_expo, {"short_quantity": 2})

    assert (gallery_receipt["received_quantity"], gallery_receipt["short_quantity"]) == (30, 0)
    assert (expo_receipt["received_quantity"], expo_receipt["short_quantity"]) == (18, 2)
    wait_for("the stand's bread in its catalogue", lambda: channel_stock(api, "EXPO-UMKM"))
    assert channel_stock(api, "EXPO-UMKM") == {"EXPO-KP3B": 18}
    assert channel_stock(api, "GALERI-SERANG") == {"KANWIL-GALERI": 30}

    too_many = order(api, "EXPO-UMKM", 19)  # Cilegon's store has 50 more: not the stand's
    assert too_many["status"] == "rejected"
    assert "EXPO-KP3B" in too_many["reason"]
    sold = sell(api, "EXPO-UMKM", BREAD, 5, "BUYER-EXPO-CNS")
    assert [(a["location_code"], a["quantity"]) for a in sold["allocations"]] == [("EXPO-KP3B", 5)]
    at_gallery = sell(api, "GALERI-SERANG", BREAD, 3, "BUYER-GALERI-CNS")
    assert {a["location_code"] for a in at_gallery["allocations"]} == {"KANWIL-GALERI"}

    trace = wait_for(
        f"the sales of {lot} in its trace",
        lambda: (
            (t := api.call("trace", "GET", f"/trace/{lot}", as_=KANWIL))
            and sum(s["biz_step"] == "retail_selling" for s in t["timeline"]) == 2
            and t
        ),
    )
    steps = [step["biz_step"] for step in trace["timeline"]]
    assert steps == [*JOURNEY[:3], "shipping", "shipping", "receiving", "receiving",
                     "retail_selling", "retail_selling"]  # fmt: skip
    ledger = api.call("inventory", "GET", f"/ledger?sku={BREAD}&limit=500", as_=KANWIL)["items"]
    at_the_stand = [
        (line["reason"], line["on_hand_delta"])
        for line in reversed(ledger)
        if line["lot_code"] == lot and line["location_code"] == "EXPO-KP3B"
    ]
    assert at_the_stand[0] == ("received", 18)  # the 2 short never entered the stand's stock


def test_a_unit_consigned_to_the_gallery_and_sold_there_tells_its_whole_journey(
    api: Jejak,
) -> None:
    shoes = produce(api, "CLG-SPT", "FTW-SPT-OLR", [(3, ["WB-CNS3"])])
    sign_off(api, shoes, [])
    wait_for_lot_in_stock(api, shoes["lot_code"])
    pair = shoes["serials"][0]
    consign(api, shoes, [pair], "KANWIL-GALERI")

    sell(api, "GALERI-SERANG", "FTW-SPT-OLR", 1, "BUYER-GALERI-UNIT", [pair])

    unit = wait_for(
        f"the sale of {pair} in its trace",
        lambda: (
            (t := api.try_get("trace", f"/trace/{pair}"))
            and t["timeline"][-1]["biz_step"] == "retail_selling"
            and t
        ),
    )
    assert [step["biz_step"] for step in unit["timeline"]] == JOURNEY
