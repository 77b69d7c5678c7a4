"""The load: workshop terminals completing batches that QC officers sign off, and sales
channels placing orders and completing the confirmed ones, all through the HTTP APIs.

Terminal workers and channel workers run as asyncio tasks; each flow has ids chosen once
(batch_id, submission_id, order_id) and sent unchanged on every retry. The `Book` keeps what
the services answered: the reconciliation compares the services' data with it.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from jejak.chaos.client import Api, FlowFailed, expect
from jejak.tokens import Who
from services.production.catalogue import PRODUCTS, WORKSHOPS
from services.quality.domain import DEFECT_CODES

# The channels that sell from the UPT stores, where goods are received.
CHANNELS = ("E-KATALOG", "MARKETPLACE")
ORDERABLE_AFTER_S = 3.0  # passed goods are offered to orders this long after their sign-off
NOT_IN_CATALOGUE_S = 60.0  # how long an order of a SKU sales does not list yet is tried


@dataclass(frozen=True)
class Line:
    """A product where it is made."""

    sku: str
    workshop: str
    upt: str
    family: str
    tracking: str


def _lines() -> tuple[Line, ...]:
    lines = []
    for product in PRODUCTS:
        workshop = next(
            w for w in WORKSHOPS if w.upt_code == product.upt_code and product.family in w.families
        )
        lines.append(
            Line(product.sku, workshop.code, product.upt_code, product.family, product.tracking)
        )
    return tuple(lines)


LINES = _lines()


@dataclass
class BatchRecord:
    batch_id: str
    line: Line
    quantity: int
    rejected: int
    lot_code: str | None = None
    serials: list[str] = field(default_factory=list)
    passed_serials: list[str] = field(default_factory=list)
    signed_off: bool = False

    @property
    def passed(self) -> int:
        return self.quantity - self.rejected


@dataclass
class OrderRecord:
    order_id: str
    channel: str
    sku: str
    quantity: int
    buyer_ref: str
    status: str = "new"  # new, placed, not_placed, declined, completed
    reason: str | None = None
    allocations: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Book:
    """What the load did and what the services answered."""

    batches: list[BatchRecord] = field(default_factory=list)
    orders: list[OrderRecord] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    resolved_conflicts: int = 0  # 409s of resends whose first attempt had been applied
    not_in_catalogue: int = 0  # order attempts refused: sales did not list the SKU yet
    _incoming: list[tuple[float, str, int]] = field(default_factory=list)
    orderable: dict[str, int] = field(default_factory=dict)

    def passed(self, sku: str, quantity: int) -> None:
        self._incoming.append((time.monotonic() + ORDERABLE_AFTER_S, sku, quantity))

    def take(self, rng: random.Random) -> tuple[str, int] | None:
        """A SKU and quantity to order from goods passed a while ago (taken off the book)."""
        now, still = time.monotonic(), []
        for ready, sku, quantity in self._incoming:
            if ready <= now:
                self.orderable[sku] = self.orderable.get(sku, 0) + quantity
            else:
                still.append((ready, sku, quantity))
        self._incoming = still
        skus = sorted(sku for sku, left in self.orderable.items() if left > 0)
        if not skus:
            return None
        sku = rng.choice(skus)
        quantity = rng.randint(1, min(4, self.orderable[sku]))
        self.orderable[sku] -= quantity
        return sku, quantity

    def give_back(self, sku: str, quantity: int) -> None:
        self.orderable[sku] = self.orderable.get(sku, 0) + quantity


# --------------------------------------------------------------------------- flows


async def batch_flow(api: Api, book: Book, rng: random.Random) -> None:
    """A terminal opens, fills and completes a batch; its UPT's QC officer signs it off."""
    line = rng.choice(LINES)
    quantity = rng.randint(2, 8) if line.tracking == "unit" else rng.randint(10, 120)
    rejected = rng.randint(1, min(3, quantity - 1)) if rng.random() < 0.3 else 0
    record = BatchRecord(str(uuid.uuid4()), line, quantity, rejected)
    book.batches.append(record)
    terminal, path = Who.terminal(line.workshop), f"/batches/{record.batch_id}"
    opened = {"batch_id": record.batch_id, "workshop_code": line.workshop, "sku": line.sku}
    reply, _ = await api.call("open batch", "production", "POST", "/batches", opened, terminal)
    expect(reply, "open batch", 200, 201)
    output = {
        "submission_id": str(uuid.uuid4()),
        "quantity": quantity,
        "worker_codes": [f"WB-CH{rng.randint(0, 999):03d}"],
    }
    reply, _ = await api.call("output", "production", "POST", f"{path}/output", output, terminal)
    expect(reply, "record output", 200, 201)
    reply, _ = await api.call("complete", "production", "POST", f"{path}/complete", None, terminal)
    done = expect(reply, "complete batch", 200)
    record.lot_code, record.serials = done["lot_code"], list(done.get("serials") or [])
    if done["quantity"] != quantity:
        raise FlowFailed(f"batch {record.batch_id} completed with {done['quantity']} != {quantity}")
    await sign_off(api, book, record)


async def sign_off(api: Api, book: Book, record: BatchRecord) -> None:
    line, rejected = record.line, record.rejected
    rejected_serials = record.serials[len(record.serials) - rejected :] if record.serials else []
    record.passed_serials = [s for s in record.serials if s not in set(rejected_serials)]
    code = next(iter(DEFECT_CODES[line.family]))
    rejections = [{"defect_code": code, "quantity": rejected, "serials": rejected_serials}]
    verdict = {
        "passed_quantity": record.passed,
        "rejected_quantity": rejected,
        "rejections": rejections if rejected else [],
    }
    officer, path = Who.officer(line.upt), f"/inspections/{record.batch_id}"
    # 404 until quality has read the batch's completion: wait for it like an officer would.
    reply, resent = await api.call(
        "sign off", "quality", "POST", f"{path}/sign-off", verdict, officer,
        also_retry=frozenset({404}),
    )  # fmt: skip
    if reply.status == 409 and resent:
        # A resend: did the attempt that got no answer sign it off as we asked?
        seen, _ = await api.call("read inspection", "quality", "GET", path, None, officer)
        inspection = expect(seen, "read inspection", 200)
        if inspection.get("status") != "signed_off" or (
            inspection.get("passed_quantity") != record.passed
        ):
            raise FlowFailed(f"sign-off of {record.lot_code}: 409, and not as asked: {inspection}")
        book.resolved_conflicts += 1
    else:
        expect(reply, f"sign-off of {record.lot_code}", 200)
    record.signed_off = True
    book.passed(line.sku, record.passed)


async def order_flow(api: Api, book: Book, rng: random.Random, sku: str, quantity: int) -> None:
    """A channel orders, waits for inventory's answer and completes a confirmed order."""
    order_id = str(uuid.uuid4())
    record = OrderRecord(
        order_id, rng.choice(CHANNELS), sku, quantity, f"CHAOS-{order_id[:8].upper()}"
    )
    book.orders.append(record)
    seller, path = Who.sales_channel(record.channel), f"/orders/{order_id}"
    placed = {
        "order_id": order_id,
        "channel_code": record.channel,
        "sku": sku,
        "quantity": quantity,
        "buyer_ref": record.buyer_ref,
    }
    refused_until = time.monotonic() + NOT_IN_CATALOGUE_S
    while True:
        reply, _ = await api.call("place order", "sales", "POST", "/orders", placed, seller)
        if reply.status != 422 or "catalogue" not in str(reply.body):
            break
        book.not_in_catalogue += 1  # sales has not read the SKU's first stock change yet
        if time.monotonic() > refused_until:
            record.status, record.reason = "not_placed", str(reply.body)[:200]
            book.give_back(sku, quantity)
            return
        await asyncio.sleep(1.0)
    expect(reply, f"order {order_id}", 200, 202)
    record.status = "placed"
    deadline = time.monotonic() + api.give_up_s
    while True:
        reply, _ = await api.call("read order", "sales", "GET", path, None, seller)
        status = expect(reply, "read order", 200)["status"]
        if status != "pending":
            break
        if time.monotonic() > deadline:
            raise FlowFailed(f"order {order_id} still pending after {api.give_up_s:g} s")
        await asyncio.sleep(0.4)
    if status == "rejected":
        record.status, record.reason = "declined", reply.field("reason")
        book.give_back(sku, quantity)
        return
    if status != "confirmed":
        raise FlowFailed(f"order {order_id} is {status}: {reply.field('reason')}")
    reply, _ = await api.call("complete order", "sales", "POST", f"{path}/complete", None, seller)
    done = expect(reply, f"completion of order {order_id}", 200)
    if done.get("status") != "completed":
        raise FlowFailed(f"order {order_id} completed as {done.get('status')}")
    record.status, record.allocations = "completed", list(done.get("allocations") or [])


# --------------------------------------------------------------------------- workers


@dataclass
class Control:
    """When to stop starting new flows."""

    stop: asyncio.Event = field(default_factory=asyncio.Event)


async def _guarded(book: Book, flow: Awaitable[None]) -> None:
    try:
        await flow
    except FlowFailed as exc:
        book.failures.append(str(exc))
    except Exception as exc:  # a bug of the load itself must not pass for a clean run
        book.failures.append(f"load error: {exc!r}")


async def run_load(
    api: Api,
    book: Book,
    control: Control,
    seed: int,
    *,
    terminals: int,
    channels: int,
    on_flow: Callable[[], None] = lambda: None,
) -> None:
    """Terminal and channel workers until `control.stop`; flows under way are finished."""
    counter = iter(range(1_000_000_000))

    async def terminal() -> None:
        while not control.stop.is_set():
            rng = random.Random(f"{seed}-batch-{next(counter)}")
            await _guarded(book, batch_flow(api, book, rng))
            on_flow()

    async def channel(n: int) -> None:
        picker = random.Random(f"{seed}-channel-{n}")
        while not control.stop.is_set():
            picked = book.take(picker)
            if picked is None:
                await asyncio.sleep(0.3)
                continue
            rng = random.Random(f"{seed}-order-{next(counter)}")
            await _guarded(book, order_flow(api, book, rng, *picked))
            on_flow()

    await asyncio.gather(*[terminal() for _ in range(terminals)], *map(channel, range(channels)))
