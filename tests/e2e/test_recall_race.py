"""A recall racing orders, every service its own OS process.

A lot of 100 pairs is partly sold through two channels, partly reserved, and the rest in stock,
beside a second lot of the same shoes. Then 50 orders for the SKU are placed from 12 threads
(some naming units, some completed as soon as they are confirmed) while a Kanwil administrator
holds and recalls the first lot. Whatever the interleaving, the commit point (inventory's lock
on the SKU's stock levels, see services/inventory/stock.py) must leave:

- no unit of the held lot in any confirmed order, nor in a completed order placed after the
  hold was answered;
- nothing of it in the sales catalogue, which agrees with inventory;
- a recall report naming each of its units exactly once, its counts adding up to the lot, its
  sales exactly those of the completed orders;
- every consumer group settled and nothing in the dead letters.
"""

import random
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx

from jejak.demo import Jejak, produce, sign_off, wait_for
from jejak.launcher import ServiceSet
from jejak.streams import dead_letters
from jejak.tokens import KANWIL, Who
from tests.e2e.system import unsettled_groups
from tests.e2e.test_scenario import wait_for_lot_in_stock

SKU = "FTW-SPT-OLR"
CHANNELS = ("MARKETPLACE", "E-KATALOG")
IN_FLIGHT = 50


@dataclass
class Placed:
    """An order as the test placed it: when (on the test's clock) and what came of it."""

    order_id: str
    channel: str
    sent_at: float
    answer: dict[str, Any] | None = None


class Orders:
    """Places orders from many threads, each with its own HTTP connection."""

    def __init__(self, api: Jejak) -> None:
        self.urls, self.tokens = api.urls, api.tokens
        self.local = threading.local()
        self.placed: list[Placed] = []
        self.lock = threading.Lock()

    def _http(self) -> httpx.Client:
        if not hasattr(self.local, "http"):
            self.local.http = httpx.Client(timeout=20)
        client: httpx.Client = self.local.http
        return client

    def _call(self, channel: str, method: str, path: str, body: Any = None) -> httpx.Response:
        headers = self.tokens.header(Who.sales_channel(channel))
        return self._http().request(method, self.urls["sales"] + path, json=body, headers=headers)

    def place(self, channel: str, quantity: int, serials: list[str], complete: bool) -> Placed:
        """Place an order, wait for inventory's answer, complete it if asked and confirmed."""
        order_id = str(uuid.uuid4())
        body = {"order_id": order_id, "channel_code": channel, "sku": SKU, "quantity": quantity,
                "serials": serials, "buyer_ref": f"RACE-{order_id[:8]}"}  # fmt: skip
        placed = Placed(order_id, channel, time.monotonic())
        with self.lock:
            self.placed.append(placed)
        response = self._call(channel, "POST", "/orders", body)
        if response.status_code == 422:  # sales already knew of the hold: refused, nothing made
            placed.answer = {"status": "refused", "reason": response.text, "allocations": []}
            return placed
        assert response.status_code == 202, response.text
        answer = wait_for(f"order {order_id} answered", lambda: self._answered(channel, order_id))
        if complete and answer["status"] == "confirmed":
            completed = self._call(channel, "POST", f"/orders/{order_id}/complete")
            # 409: the hold's release reached sales first and cancelled it.
            assert completed.status_code in (200, 409), completed.text
        return placed

    def _answered(self, channel: str, order_id: str) -> dict[str, Any] | None:
        order: dict[str, Any] = self._call(channel, "GET", f"/orders/{order_id}").json()
        return order if order["status"] != "pending" else None

    def final(self, placed: Placed) -> dict[str, Any]:
        """The order as sales has it once everything settled."""
        if placed.answer is not None:
            return placed.answer
        order: dict[str, Any] = self._call(
            placed.channel, "GET", f"/orders/{placed.order_id}"
        ).json()
        return order


def units_of(order: dict[str, Any], lot_code: str) -> list[str]:
    return [
        serial
        for allocation in order["allocations"]
        if allocation["lot_code"] == lot_code
        for serial in allocation["serials"]
    ]


def settled(env: dict[str, str], timeout_s: float = 60) -> list[Any]:
    deadline = time.monotonic() + timeout_s
    while (left := unsettled_groups(env)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def test_a_recall_racing_fifty_orders_leaves_no_held_unit_sellable(
    api: Jejak, system: ServiceSet
) -> None:
    held_lot = produce(api, "CLG-SPT", SKU, [(100, ["WB-RCL1A"])])
    other_lot = produce(api, "CLG-SPT", SKU, [(60, ["WB-RCL2B"])])
    for lot in (held_lot, other_lot):
        sign_off(api, lot, [])
        wait_for_lot_in_stock(api, lot["lot_code"])
    for who in (*(Who.sales_channel(c) for c in CHANNELS), KANWIL):
        api.tokens.of(who)  # every token fetched before the threads start
    orders = Orders(api)
    # Before the hold: the oldest units (the held lot's) sold through both channels, some only
    # reserved; the rest of the lot in stock.
    sold_before = [orders.place(c, q, [], complete=True) for c, q in
                   (("MARKETPLACE", 4), ("E-KATALOG", 3), ("MARKETPLACE", 4))]  # fmt: skip
    reserved_before = [orders.place(c, q, [], complete=False) for c, q in
                       (("MARKETPLACE", 5), ("E-KATALOG", 3))]  # fmt: skip
    for placed in sold_before + reserved_before:
        assert orders.final(placed)["status"] in ("completed", "confirmed")
    spare = held_lot["serials"][40:100]  # never ordered before the hold: some are named below
    rng = random.Random(20261130)

    def in_flight(n: int) -> Placed:
        channel = CHANNELS[n % 2]
        if n % 5 == 0:  # every fifth names its units, of the lot about to be held
            serials = rng.sample(spare, 2)
            return orders.place(channel, 2, serials, complete=n % 2 == 0)
        return orders.place(channel, rng.randint(1, 3), [], complete=n % 3 != 0)

    hold = {"hold_id": str(uuid.uuid4()), "lot_code": held_lot["lot_code"],
            "defect_code": "FTW-01", "reason": "soles come loose after a week"}  # fmt: skip
    with ThreadPoolExecutor(max_workers=12) as pool:
        futures = [pool.submit(in_flight, n) for n in range(IN_FLIGHT)]
        while len(orders.placed) < len(sold_before) + len(reserved_before) + IN_FLIGHT // 3:
            time.sleep(0.01)
        api.call("quality", "POST", "/holds", hold, as_=KANWIL)
        hold_answered = time.monotonic()
        path = f"/holds/{hold['hold_id']}/recall"
        api.call("quality", "POST", path, {"reason": "confirmed on 5 pairs"}, as_=KANWIL)
        for future in futures:
            future.result()

    assert settled(dict(system.env)) == []
    lot_code = held_lot["lot_code"]
    finals = {placed.order_id: (placed, orders.final(placed)) for placed in orders.placed}
    statuses = Counter(order["status"] for _, order in finals.values())
    assert statuses["pending"] == 0, statuses
    for placed, order in finals.values():
        held_units = units_of(order, lot_code)
        assert not (order["status"] == "confirmed" and held_units), (
            f"confirmed order {placed.order_id} still holds {held_units}"
        )
        assert not (
            order["status"] == "completed" and held_units and placed.sent_at > hold_answered
        ), f"order {placed.order_id}, placed after the hold, sold held units {held_units}"
    for placed in reserved_before:
        order = orders.final(placed)
        assert order["status"] == "cancelled", order
        assert lot_code in order["reason"], order
    in_flight_after = [p for p, _ in finals.values() if p.sent_at > hold_answered]
    assert in_flight_after, "some orders must be placed after the hold for the race to mean much"

    sold = {serial: order["order_id"] for _, order in finals.values()
            if order["status"] == "completed" for serial in units_of(order, lot_code)}  # fmt: skip
    report = api.call("trace", "GET", f"/lots/{lot_code}/recall-report", as_=KANWIL)
    serials = [line["serial"] for line in report["lines"]]
    assert sorted(serials) == sorted(held_lot["serials"]), "every unit exactly once"
    assert sum(report["counts"].values()) == report["made"] == 100
    assert {line["serial"]: line["order_id"] for line in report["lines"]
            if line["where"] == "sold"} == sold  # fmt: skip
    assert report["counts"]["held"] == 100 - len(sold)
    assert report["status"] == "recalled"

    level = api.call("inventory", "GET", f"/stock?sku={SKU}", as_=KANWIL)["items"]
    [store] = [row for row in level if row["location_code"] == "CLG-STORE"]
    assert store["quarantined"] == 100 - len(sold), store
    other_taken = sum(
        len(units_of(order, other_lot["lot_code"]))
        for _, order in finals.values()
        if order["status"] in ("confirmed", "completed")
    )
    catalogue = api.call("sales", "GET", "/catalogue?limit=500", as_=KANWIL)["items"]
    [item] = [item for item in catalogue if item["sku"] == SKU]
    assert item["available"] == store["available"] == 60 - other_taken, (item, store)
    assert dead_letters(system.env["REDIS_URL"], system.env["JEJAK_NAMESPACE"]) == []
