"""Fault tests on a running system: crashes, duplicates, bad entries, concurrent orders.

Each test starts its own system (its own streams and databases), since it kills processes.
"""

import random
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from jejak.demo import Jejak, produce, sell, sign_off, wait_for
from jejak.launcher import ServiceSet, free_ports
from jejak.streams import dead_letters
from jejak.tokens import KANWIL, Who
from shared.contracts import BatchCompleted, BatchSignedOff, SaleCompleted
from tests.e2e.system import api_of, running_system, unsettled_groups

pytestmark = pytest.mark.fault


@pytest.fixture
def system(system_env: dict[str, str], tmp_path: Path) -> Iterator[ServiceSet]:
    with running_system(system_env, tmp_path / "logs") as services:
        yield services


def settle(env: dict[str, str], timeout_s: float = 60) -> None:
    """Wait until every group on every stream has read and acknowledged everything."""
    deadline = time.monotonic() + timeout_s
    while (left := unsettled_groups(env)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert left == [], f"still pending or unread: {left}"


def stock(api: Jejak, sku: str) -> dict[str, Any]:
    levels = api.call("inventory", "GET", f"/stock?sku={sku}", as_=KANWIL)["items"]
    return {
        "on_hand": sum(level["on_hand"] for level in levels),
        "reserved": sum(level["reserved"] for level in levels),
        "available": sum(level["available"] for level in levels),
    }


def received_lots(api: Jejak, sku: str) -> list[str]:
    lines: list[dict[str, Any]] = []
    cursor = ""
    while True:  # the whole ledger, page after page (at most 500 lines a page)
        page = api.call("inventory", "GET", f"/ledger?sku={sku}&limit=500{cursor}", as_=KANWIL)
        lines += page["items"]
        if page["next_cursor"] is None:
            break
        cursor = f"&cursor={page['next_cursor']}"
    # No check against page["total"]: it is counted when each page is asked for, and this is
    # also called while the flows still run, when the ledger grows between (and within) pages.
    return [line["lot_code"] for line in lines if line["reason"] == "received"]


def catalogue(api: Jejak) -> list[dict[str, Any]]:
    """Every SKU of the sales catalogue: far fewer than a page of 500."""
    page = api.call("sales", "GET", "/catalogue?limit=500", as_=KANWIL)
    assert len(page["items"]) == page["total"]
    items: list[dict[str, Any]] = page["items"]
    return items


def produce_and_sign_off(api: Jejak, rng: random.Random) -> tuple[str, int]:
    """One bakery or paving batch through production and QC; returns (sku, passed)."""
    workshop, sku, code = rng.choice(
        [("CLG-ROT", "PAN-ROT-001", "PAN-04"), ("TGR1-BTN", "BGN-PVB-6", "BGN-04")]
    )
    quantity, rejected = rng.randint(20, 60), rng.randint(0, 3)
    batch = produce(api, workshop, sku, [(quantity, ["WB-FLT1"])])
    rejections = [{"defect_code": code, "quantity": rejected}] if rejected else []
    sign_off(api, batch, rejections)
    return sku, quantity - rejected


def kill_while_holding_entries(system: ServiceSet, env: dict[str, str]) -> int:
    """kill -9 inventory at a moment it has read signed-off batches and not yet acked them.

    Freezing it first (SIGSTOP) makes the moment certain; returns how many it held.
    """
    client = redis.Redis.from_url(env["REDIS_URL"])
    stream = BatchSignedOff.stream(env["JEJAK_NAMESPACE"])
    group = f"{env['JEJAK_NAMESPACE']}.inventory"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if client.xpending(stream, group)["pending"]:
            system.send_signal("inventory", signal.SIGSTOP)
            held = int(client.xpending(stream, group)["pending"])
            if held:
                system.kill("inventory")
                return held
            system.send_signal("inventory", signal.SIGCONT)
        time.sleep(0.002)
    raise AssertionError("inventory never held unacknowledged entries")


def test_inventory_killed_mid_flow_applies_every_batch_exactly_once(
    system: ServiceSet, system_env: dict[str, str]
) -> None:
    api, batches = api_of(system), 240
    rng = random.Random(42)
    passed: dict[str, int] = {"PAN-ROT-001": 0, "BGN-PVB-6": 0}
    done = threading.Event()

    def flow() -> None:
        with ThreadPoolExecutor(max_workers=8) as pool:
            for sku, quantity in pool.map(
                lambda seed: produce_and_sign_off(api, random.Random(seed)),
                [rng.random() for _ in range(batches)],
            ):
                passed[sku] += quantity
        done.set()

    flowing = threading.Thread(target=flow)
    flowing.start()
    wait_for(
        "inventory part-way through",
        lambda: len(received_lots(api_of(system), "PAN-ROT-001")) > 20,
    )
    stranded = kill_while_holding_entries(system, system_env)
    assert stranded > 0
    time.sleep(1)
    system.start("inventory")
    flowing.join(timeout=300)
    assert done.is_set(), "the flow of batches did not finish"
    settle(system_env)

    for sku, quantity in passed.items():
        assert stock(api, sku)["on_hand"] == quantity
        lots = received_lots(api, sku)
        assert len(lots) == len(set(lots)), "a lot was received twice"
    total_lots = sum(len(received_lots(api, sku)) for sku in passed)
    assert total_lots == batches
    assert {item["sku"]: item["available"] for item in catalogue(api)} == passed


def test_an_event_added_to_its_stream_again_changes_nothing(
    system: ServiceSet, system_env: dict[str, str]
) -> None:
    api = api_of(system)
    bread = produce(api, "CLG-ROT", "PAN-ROT-001", [(100, ["WB-DUP1"])])
    sign_off(api, bread, [])
    wait_for("the bread in the catalogue", lambda: catalogue(api))
    sell(api, "E-KATALOG", "PAN-ROT-001", 10, "BUYER-DUP-1")
    settle(system_env)
    before = (
        stock(api, "PAN-ROT-001"),
        api.call("trace", "GET", f"/trace/{bread['lot_code']}", as_=KANWIL),
        catalogue(api),
        received_lots(api, "PAN-ROT-001"),
    )

    client = redis.Redis.from_url(system_env["REDIS_URL"])
    namespace = system_env["JEJAK_NAMESPACE"]
    for contract in (BatchCompleted, BatchSignedOff, SaleCompleted):
        stream = contract.stream(namespace)
        entries: Any = client.xrange(stream)
        for _entry_id, fields in entries:
            client.xadd(stream, fields)  # the same event, delivered once more
    settle(system_env)

    after = (
        stock(api, "PAN-ROT-001"),
        api.call("trace", "GET", f"/trace/{bread['lot_code']}", as_=KANWIL),
        catalogue(api),
        received_lots(api, "PAN-ROT-001"),
    )
    assert after == before
    assert before[0] == {"on_hand": 90, "reserved": 0, "available": 90}
    assert dead_letters(system_env["REDIS_URL"], namespace) == []


def test_bad_entries_are_dead_lettered_and_the_services_go_on(
    system: ServiceSet, system_env: dict[str, str]
) -> None:
    api = api_of(system)
    client = redis.Redis.from_url(system_env["REDIS_URL"])
    namespace = system_env["JEJAK_NAMESPACE"]
    stream = BatchCompleted.stream(namespace)
    client.xadd(stream, {"__data__": b"\x00\xff not json"})
    client.xadd(stream, {"__data__": b'{"event_type": "batch-completed", "quantity": "many"}'})

    shoes = produce(api, "CLG-SPT", "FTW-SPT-OLR", [(3, ["WB-BAD1"])])
    wait_for(
        "the inspection of the good batch",
        lambda: api.try_get("quality", f"/inspections/{shoes['batch_id']}", as_=KANWIL),
    )
    wait_for(
        "the trace of the good batch",
        lambda: api.try_get("trace", f"/trace/{shoes['lot_code']}", as_=KANWIL),
    )
    settle(system_env)

    letters = dead_letters(system_env["REDIS_URL"], namespace)
    reasons = sorted((d.source_group.split(".")[-1], d.reason) for d in letters)
    assert reasons == [
        ("quality", "invalid"),
        ("quality", "malformed"),
        ("trace", "invalid"),
        ("trace", "malformed"),
    ]
    invalid = next(d for d in letters if d.reason == "invalid")
    assert "quantity: Input should be a valid integer" in invalid.error
    assert "event_id: Field required" in invalid.error


def test_fifty_concurrent_orders_for_twenty_units_confirm_exactly_twenty(
    system: ServiceSet, system_env: dict[str, str], tmp_path: Path
) -> None:
    api = api_of(system)
    guitars = produce(api, "RKB-KYU", "KYU-CBK-20", [(20, ["WB-GTR1", "WB-GTR2"])])
    sign_off(api, guitars, [])
    wait_for(
        "20 pieces in the catalogue",
        lambda: any(i["available"] == 20 for i in catalogue(api)),
    )

    # A second inventory replica joins the consumer group: the orders race across processes.
    replica = ServiceSet(
        env={**system_env, "JEJAK_CLAIM_IDLE_MS": "1500"},
        names=["inventory"],
        ports=free_ports(["inventory"]),
        log_dir=tmp_path / "replica",
    )
    with replica:
        order_ids = [str(uuid.uuid4()) for _ in range(50)]
        marketplace = Who.sales_channel("MARKETPLACE")

        def place(order_id: str) -> int:
            body = {
                "order_id": order_id,
                "channel_code": "MARKETPLACE",
                "sku": "KYU-CBK-20",
                "quantity": 1,
                "buyer_ref": f"BUYER-{order_id[:8]}",
            }
            url, signed_in = system.url("sales") + "/orders", api.tokens.header(marketplace)
            return httpx.post(url, json=body, headers=signed_in, timeout=30).status_code

        with ThreadPoolExecutor(max_workers=50) as pool:
            assert set(pool.map(place, order_ids)) == {202}

        def answers() -> list[dict[str, Any]] | None:
            orders = [api.call("sales", "GET", f"/orders/{oid}", as_=KANWIL) for oid in order_ids]
            return orders if all(o["status"] != "pending" for o in orders) else None

        orders = wait_for("inventory's answer to every order", answers, timeout_s=60)
        settle(system_env)

    confirmed = [o for o in orders if o["status"] == "confirmed"]
    serials = [s for o in confirmed for a in o["allocations"] for s in a["serials"]]
    assert len(confirmed) == 20
    assert len(set(serials)) == 20
    assert all("only 0 available" in o["reason"] for o in orders if o["status"] == "rejected")
    assert stock(api, "KYU-CBK-20") == {"on_hand": 20, "reserved": 20, "available": 0}
