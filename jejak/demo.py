"""`jejak demo`: a realistic day driven through the HTTP APIs of the running system.

Cilegon makes 24 pairs of sports shoes, QC passes 22 and rejects 2 for sole bonding, the
marketplace sells 3 pairs from Cilegon's store to two buyers, 4 pairs go on consignment to
Kanwil's gallery, which sells one; the bakery's bread is produced and sold by quantity; an
order larger than the stock is declined. Then the trace of the pair sold at the gallery is
printed, and the bread lot is recalled and destroyed.
"""

import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from rich.console import Console
from rich.table import Table

from jejak.tokens import KANWIL, Tokens, Who

T = TypeVar("T")
console = Console()


class DemoError(RuntimeError):
    pass


class Jejak:
    """A thin HTTP client of the services, signed in as whoever a call names (`as_`)."""

    def __init__(self, urls: dict[str, str], tokens: Tokens) -> None:
        self.urls = urls
        self.tokens = tokens
        self.http = httpx.Client(timeout=10)

    def call(
        self, service: str, method: str, path: str, body: Any = None, *, as_: Who | None = None
    ) -> Any:
        headers = self.tokens.header(as_)
        response = self.http.request(method, self.urls[service] + path, json=body, headers=headers)
        if response.status_code >= 400:
            raise DemoError(f"{method} {service}{path} -> {response.status_code}: {response.text}")
        return response.json()

    def try_get(self, service: str, path: str, *, as_: Who | None = None) -> Any | None:
        response = self.http.get(self.urls[service] + path, headers=self.tokens.header(as_))
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
    """The workshop's terminal opens a batch, records its output and completes it."""
    terminal, batch_id = Who.terminal(workshop), str(uuid.uuid4())
    opened = {"batch_id": batch_id, "workshop_code": workshop, "sku": sku}
    api.call("production", "POST", "/batches", opened, as_=terminal)
    for quantity, workers in outputs:
        output = {"submission_id": str(uuid.uuid4()), "quantity": quantity, "worker_codes": workers}
        api.call("production", "POST", f"/batches/{batch_id}/output", output, as_=terminal)
    batch = api.call("production", "POST", f"/batches/{batch_id}/complete", as_=terminal)
    console.print(
        f"[bold]{workshop}[/] completed lot [cyan]{batch['lot_code']}[/]: "
        f"{batch['quantity']} x {sku}"
    )
    return batch


def sign_off(api: Jejak, batch: Any, rejections: list[dict[str, Any]]) -> Any:
    """A QC officer of the batch's UPT signs it off (the officer code comes from the token)."""
    path, officer = f"/inspections/{batch['batch_id']}", Who.officer(upt_of(batch["lot_code"]))
    inspection = lambda: api.try_get("quality", path, as_=officer)  # noqa: E731
    wait_for(f"QC inspection of {batch['lot_code']}", inspection)
    rejected = sum(r["quantity"] for r in rejections)
    verdict = {
        "passed_quantity": batch["quantity"] - rejected,
        "rejected_quantity": rejected,
        "rejections": rejections,
    }
    result = api.call("quality", "POST", f"{path}/sign-off", verdict, as_=officer)
    console.print(
        f"QC {result['officer_code']} signed off {batch['lot_code']}: "
        f"{result['passed_quantity']} passed, {rejected} rejected"
    )
    return result


def upt_of(lot_code: str) -> str:
    """A lot code starts with its UPT: CLG-FTW-2611-0042."""
    return lot_code.split("-")[0]


def wait_for_stock(api: Jejak, sku: str, at_least: int) -> None:
    def available() -> bool:
        items = api.call("sales", "GET", "/catalogue?limit=500", as_=KANWIL)["items"]
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
    order_id, seller = str(uuid.uuid4()), Who.sales_channel(channel)
    placed = {"order_id": order_id, "channel_code": channel, "sku": sku, "quantity": quantity,
              "buyer_ref": buyer_ref, "serials": serials or []}  # fmt: skip
    api.call("sales", "POST", "/orders", placed, as_=seller)
    order = wait_for(
        f"inventory's answer to order {order_id}",
        lambda: (
            (o := api.call("sales", "GET", f"/orders/{order_id}", as_=seller))["status"]
            != "pending"
            and o
        ),
    )
    if order["status"] != "confirmed":
        console.print(
            f"{channel}: order of {quantity} x {sku} [red]{order['status']}[/]: {order['reason']}"
        )
        return order
    order = api.call("sales", "POST", f"/orders/{order_id}/complete", as_=seller)
    serials = [s for a in order["allocations"] for s in a["serials"]]
    console.print(f"{channel} sold {quantity} x {sku} to {buyer_ref} {serials or ''}")
    return order


def run_demo(urls: dict[str, str], tokens: Tokens) -> None:
    api = Jejak(urls, tokens)
    for service in urls:
        api.call(service, "GET", "/health")
    shoes = produce(
        api,
        "CLG-SPT",
        "FTW-SPT-OLR",
        [(12, ["WB-C7K2", "WB-D4M9", "WB-F1Q3"]), (12, ["WB-C7K2", "WB-H8T5"])],
    )
    sign_off(
        api, shoes, [{"defect_code": "FTW-01", "quantity": 2, "serials": shoes["serials"][-2:]}]
    )
    wait_for_stock(api, "FTW-SPT-OLR", 22)
    sell(api, "MARKETPLACE", "FTW-SPT-OLR", 2, "BUYER-MP-0001")
    sell(api, "MARKETPLACE", "FTW-SPT-OLR", 1, "BUYER-MP-0002")
    consigned = shoes["serials"][10:14]
    consign(api, shoes, consigned, "KANWIL-GALERI")
    sell(api, "GALERI-SERANG", "FTW-SPT-OLR", 1, "BUYER-GS-0001", consigned[:1])

    bread = produce(
        api, "CLG-ROT", "PAN-ROT-001", [(200, ["WB-R2B6", "WB-K9L1", "WB-P3V7", "WB-S5N2"])]
    )
    sign_off(api, bread, [{"defect_code": "PAN-04", "quantity": 4, "serials": []}])
    wait_for_stock(api, "PAN-ROT-001", 196)
    sell(api, "E-KATALOG", "PAN-ROT-001", 50, "BUYER-EX-0107")
    sell(api, "E-KATALOG", "PAN-ROT-001", 500, "BUYER-EK-0031")  # more than there is: declined

    sold_serial = consigned[0]  # made, checked, stored, sent to the gallery, sold there
    trace = wait_for(
        f"the sale of {sold_serial} in its trace",
        lambda: (
            (t := api.try_get("trace", f"/trace/{sold_serial}")) and t["status"] == "sold" and t
        ),
    )
    print_trace(trace)
    lot = api.call("trace", "GET", f"/trace/{shoes['lot_code']}", as_=KANWIL)
    console.print(
        f"Recall list of lot {lot['lot_code']}: {len(lot['units'])} units, buyers "
        + ", ".join(f"{b['buyer_ref']} ({b['quantity']})" for b in lot["buyers"])
    )
    console.print(
        f"Labels of lot {shoes['lot_code']}: jejak labels {shoes['batch_id']}\n"
        f"EPCIS 2.0 events of the lot: {urls['trace']}/epcis/events?lot={shoes['lot_code']}",
        soft_wrap=True,
    )
    hold_id = recall(
        api, bread, "PAN-07", "jamur ditemukan pada sampel roti (mould found in a sample)"
    )
    destroy(api, bread, hold_id, "dimusnahkan disaksikan Kanwil (destroyed before witnesses)")


def consign(api: Jejak, batch: Any, serials: list[str], to_location: str) -> Any:
    """The Kanwil sends units of a lot from their UPT's store to a gallery on consignment, the
    gallery records their arrival, and trace shows the journey; returns the transfer."""
    store = f"{upt_of(batch['lot_code'])}-STORE"
    transfer = {"transfer_id": str(uuid.uuid4()), "from_location": store,
                "to_location": to_location, "sku": batch["sku"], "lot_code": batch["lot_code"],
                "serials": serials}  # fmt: skip
    api.call("inventory", "POST", "/transfers", transfer, as_=KANWIL)
    path = f"/transfers/{transfer['transfer_id']}/receipt"
    done = api.call("inventory", "POST", path, {}, as_=KANWIL)
    wait_for(
        f"{serials[0]} received at {to_location} in its trace",
        lambda: (
            (t := api.try_get("trace", f"/trace/{serials[0]}"))
            and t["timeline"][-1]["biz_step"] == "receiving"
            and t
        ),
    )
    console.print(
        f"{transfer['from_location']} sent {len(serials)} x {batch['sku']} to {to_location} "
        f"on consignment: {done['received_quantity']} received {serials}"
    )
    return done


def recall(api: Jejak, batch: Any, defect_code: str, reason: str) -> str:
    """The Kanwil holds a lot, then recalls it, and prints the recall report (with the buyers
    to reach); returns the hold's id."""
    lot_code, hold_id = batch["lot_code"], str(uuid.uuid4())
    hold = {"hold_id": hold_id, "lot_code": lot_code, "defect_code": defect_code, "reason": reason}
    api.call("quality", "POST", "/holds", hold, as_=KANWIL)
    api.call("quality", "POST", f"/holds/{hold_id}/recall", {"reason": reason}, as_=KANWIL)
    lot = wait_for(
        f"the recall of {lot_code} in its trace",
        lambda: (
            (t := api.try_get("trace", f"/trace/{lot_code}", as_=KANWIL))
            and any(step["disposition"] == "recalled" for step in t["timeline"])
            and t
        ),
    )
    report = api.call("trace", "GET", f"/lots/{lot_code}/recall-report", as_=KANWIL)
    sold = [line for line in report["lines"] if line["where"] == "sold"]
    reach = [
        f"{line['buyer_ref']} via {line['channel_code']} ({line['quantity']})" for line in sold
    ]
    counts = ", ".join(f"{where} {quantity}" for where, quantity in report["counts"].items())
    console.print(
        f"[bold red]Recalled[/] lot {lot_code} ({defect_code}): {report['made']} made: {counts}; "
        f"buyers to reach {', '.join(reach) or 'none'}; its page: {lot['digital_link']}",
        soft_wrap=True,
    )
    return hold_id


def destroy(api: Jejak, batch: Any, hold_id: str, reason: str) -> None:
    """The Kanwil closes the recall by destroying what is left of the lot: written off in the
    ledger, `destroying` in its trace."""
    lot_code, sku = batch["lot_code"], batch["sku"]
    close = {"outcome": "destroyed", "reason": reason}
    api.call("quality", "POST", f"/holds/{hold_id}/close", close, as_=KANWIL)
    report = wait_for(
        f"the destruction of {lot_code} in its recall report",
        lambda: (
            (r := api.call("trace", "GET", f"/lots/{lot_code}/recall-report", as_=KANWIL))
            and r["status"] == "destroyed"
            and r
        ),
    )
    destroyed = report["counts"]["destroyed"]

    def written_off() -> int:
        ledger = api.call("inventory", "GET", f"/ledger?sku={sku}&limit=500", as_=KANWIL)
        return sum(
            -line["on_hand_delta"]
            for line in ledger["items"]
            if line["reason"] == "written_off" and line["lot_code"] == lot_code
        )

    # Trace and inventory read the close each on its own: wait for inventory's write-off too.
    wait_for(f"the write-off of {lot_code} in inventory", lambda: written_off() == destroyed)
    console.print(
        f"[bold]Destroyed[/] what was left of lot {lot_code}: {destroyed} in the recall "
        f"report, {written_off()} written off in inventory's ledger"
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
            "shipping": f"{step.get('from_location')} -> {step.get('to_location')}",
            "receiving": f"at {step.get('to_location')}",
            "retail_selling": f"{step.get('channel_code')}",
        }.get(step["biz_step"], "")
        table.add_row(step["biz_step"], step["disposition"], step["occurred_at"][:19], detail)
    console.print(table)
    # soft_wrap: a link broken over two lines can't be clicked or copied.
    link = trace["digital_link"]
    console.print(f"QR code (open it in a browser: the buyer's page): {link}", soft_wrap=True)
