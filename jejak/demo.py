"""`jejak demo`: a realistic day driven through the HTTP APIs of the running system.

Cilegon makes 24 pairs of sports shoes, QC passes 22 and rejects 2 for sole bonding, the
gallery sells 3 pairs to two buyers; the bakery's bread is produced and sold by quantity;
an order larger than the stock is declined. Then the trace of a sold pair is printed.
"""

import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from rich.console import Console
from rich.table import Table

T = TypeVar("T")
console = Console()


class DemoError(RuntimeError):
    pass


class Jejak:
    """A thin HTTP client of the five services."""

    def __init__(self, urls: dict[str, str]) -> None:
        self.urls = urls
        self.http = httpx.Client(timeout=10)

    def call(self, service: str, method: str, path: str, body: Any = None) -> Any:
        response = self.http.request(method, self.urls[service] + path, json=body)
        if response.status_code >= 400:
            raise DemoError(f"{method} {service}{path} -> {response.status_code}: {response.text}")
        return response.json()

    def try_get(self, service: str, path: str) -> Any | None:
        response = self.http.get(self.urls[service] + path)
        return response.json() if response.status_code == 200 else None


def wait_for(what: str, probe: Callable[[], T | None], timeout_s: float = 30) -> T:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.1)
    raise DemoError(f"gave up waiting for {what} after {timeout_s:.0f} s")


def produce(api: Jejak, workshop: str, sku: str, outputs: list[tuple[int, list[str]]]) -> Any:
    batch_id = str(uuid.uuid4())
    api.call(
        "production",
        "POST",
        "/batches",
        {"batch_id": batch_id, "workshop_code": workshop, "sku": sku},
    )
    for quantity, workers in outputs:
        api.call(
            "production",
            "POST",
            f"/batches/{batch_id}/output",
            {"submission_id": str(uuid.uuid4()), "quantity": quantity, "worker_codes": workers},
        )
    batch = api.call("production", "POST", f"/batches/{batch_id}/complete")
    console.print(
        f"[bold]{workshop}[/] completed lot [cyan]{batch['lot_code']}[/]: "
        f"{batch['quantity']} x {sku}"
    )
    return batch


def sign_off(api: Jejak, batch: Any, officer: str, rejections: list[dict[str, Any]]) -> Any:
    path = f"/inspections/{batch['batch_id']}"
    wait_for(f"QC inspection of {batch['lot_code']}", lambda: api.try_get("quality", path))
    rejected = sum(r["quantity"] for r in rejections)
    result = api.call(
        "quality",
        "POST",
        f"{path}/sign-off",
        {
            "officer_code": officer,
            "passed_quantity": batch["quantity"] - rejected,
            "rejected_quantity": rejected,
            "rejections": rejections,
        },
    )
    console.print(
        f"QC {officer} signed off {batch['lot_code']}: "
        f"{result['passed_quantity']} passed, {rejected} rejected"
    )
    return result


def wait_for_stock(api: Jejak, sku: str, at_least: int) -> None:
    def available() -> bool:
        items = api.call("sales", "GET", "/catalogue")
        return any(item["sku"] == sku and item["available"] >= at_least for item in items)

    wait_for(f"{at_least} x {sku} in the sales catalogue", available)


def sell(
    api: Jejak,
    channel: str,
    sku: str,
    quantity: int,
    buyer_ref: str,
    serials: list[str] | None = None,
) -> Any:
    """Place an order (of chosen units, or oldest stock first), wait for inventory, complete it."""
    order_id = str(uuid.uuid4())
    api.call(
        "sales",
        "POST",
        "/orders",
        {
            "order_id": order_id,
            "channel_code": channel,
            "sku": sku,
            "quantity": quantity,
            "buyer_ref": buyer_ref,
            "serials": serials or [],
        },
    )
    order = wait_for(
        f"inventory's answer to order {order_id}",
        lambda: (o := api.call("sales", "GET", f"/orders/{order_id}"))["status"] != "pending" and o,
    )
    if order["status"] != "confirmed":
        console.print(
            f"{channel}: order of {quantity} x {sku} [red]{order['status']}[/]: {order['reason']}"
        )
        return order
    order = api.call("sales", "POST", f"/orders/{order_id}/complete")
    serials = [s for a in order["allocations"] for s in a["serials"]]
    console.print(f"{channel} sold {quantity} x {sku} to {buyer_ref} {serials or ''}")
    return order


def run_demo(urls: dict[str, str]) -> None:
    api = Jejak(urls)
    for service in urls:
        api.call(service, "GET", "/health")
    shoes = produce(
        api,
        "CLG-SPT",
        "FTW-SPT-OLR",
        [(12, ["WB-C7K2", "WB-D4M9", "WB-F1Q3"]), (12, ["WB-C7K2", "WB-H8T5"])],
    )
    sign_off(
        api,
        shoes,
        "QC-CLG-07",
        [{"defect_code": "FTW-01", "quantity": 2, "serials": shoes["serials"][-2:]}],
    )
    wait_for_stock(api, "FTW-SPT-OLR", 22)
    first = sell(api, "GALERI-SERANG", "FTW-SPT-OLR", 2, "BUYER-GS-0001")
    sell(api, "GALERI-SERANG", "FTW-SPT-OLR", 1, "BUYER-GS-0002")

    bread = produce(
        api, "CLG-ROT", "PAN-ROT-001", [(200, ["WB-R2B6", "WB-K9L1", "WB-P3V7", "WB-S5N2"])]
    )
    sign_off(api, bread, "QC-CLG-03", [{"defect_code": "PAN-04", "quantity": 4, "serials": []}])
    wait_for_stock(api, "PAN-ROT-001", 196)
    sell(api, "EXPO-UMKM", "PAN-ROT-001", 50, "BUYER-EX-0107")
    sell(api, "E-KATALOG", "PAN-ROT-001", 500, "BUYER-EK-0031")  # more than there is: declined

    sold_serial = first["allocations"][0]["serials"][0]
    trace = wait_for(
        f"the sale of {sold_serial} in its trace",
        lambda: (
            (t := api.try_get("trace", f"/trace/{sold_serial}")) and t["status"] == "sold" and t
        ),
    )
    print_trace(trace)
    lot = api.call("trace", "GET", f"/trace/{shoes['lot_code']}")
    console.print(
        f"Recall list of lot {lot['lot_code']}: {len(lot['units'])} units, buyers "
        + ", ".join(f"{b['buyer_ref']} ({b['quantity']})" for b in lot["buyers"])
    )


def print_trace(trace: dict[str, Any]) -> None:
    product = trace["product"]
    table = Table(title=f"Trace of {trace['serial']}: {product['name']} ({trace['status']})")
    for column in ("biz_step", "disposition", "when", "where / what"):
        table.add_column(column)
    for step in trace["timeline"]:
        detail = {
            "commissioning": f"{step.get('upt_name')}, {step.get('workshop_name')}, "
            f"lot {step['lot_code']}",
            "inspecting": f"QC {step.get('qc_decision')} "
            f"{[d['code'] for d in step.get('defects', [])] or ''}",
            "storing": f"{step.get('location_code')}",
            "retail_selling": f"{step.get('channel_code')} to {step.get('buyer_ref')}",
        }.get(step["biz_step"], "")
        table.add_row(step["biz_step"], step["disposition"], step["occurred_at"][:19], detail)
    console.print(table)
    console.print(f"QR code: {trace['digital_link']}")
