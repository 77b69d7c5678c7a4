"""End-to-end latency under a steady offered load of QC sign-offs, with orders flowing.

Preparation (not timed): the whole system runs; production opens, records and completes one
batch per planned sign-off (several products and UPTs) plus a large stock batch of the product
the orders buy, which QC passes; the benchmark waits until every consumer caught up.

Load: sign-offs are offered open-loop at `rate` per second for `duration` seconds (each at its
scheduled time, however slow earlier answers are), orders at `order_rate` per second for
another product, so the two flows share inventory, sales, trace and Redis but not stock.

- sign-off -> catalogue: from the moment the sign-off's HTTP answer arrived (QC committed it)
  to the answer of the first GET /catalogue on sales that shows the SKU's available quantity
  reaching the expected total. One watcher polls the catalogue every `watch_ms`; each sign-off
  adds its passed quantity to its SKU's expected total in the order the answers arrived (no
  order takes these SKUs, so a SKU's availability only rises). Includes: quality's outbox relay
  and XADD, inventory's read, transaction and relay, sales' read and transaction, and up to one
  watcher interval plus one GET.
- hold -> gone from the catalogue: from the moment a Kanwil's POST /holds on a stocked lot of
  guitars (a SKU nothing else touches) was answered (quality committed it) to the answer of the
  first GET /catalogue showing the SKU's availability down by the lot's quantity (each hold
  lowers its expected total, in answer order). Includes quality's relay, inventory's quarantine
  (which locks the SKU's levels, as orders do), sales' catalogue update, and up to one watcher
  interval plus one GET. Holds are offered at `hold_rate` per second during the same load.
- order -> confirmation: from sending POST /orders to the answer of the first GET
  /orders/{id} that shows "confirmed" (polled every watch_ms / 2). Includes sales' transaction
  and relay, inventory's reservation and relay, sales' update, and the polling granularity.
  Confirmed orders are then completed (not timed), so sales flow on to inventory and trace.
- pending: entries pending or not yet delivered, over every group, when the offered load stopped
  and again once every sign-off was visible (waiting at most 180 s) and every order answered
  (then at most 10 s more).
"""

import asyncio
import math
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis

from bench.context import Context
from bench.events import CHANNELS, DEFECT, line
from bench.http import HttpPool, expect_ok
from bench.stats import summarize
from bench.streams import unsettled
from jejak.launcher import FLOW_SERVICES
from jejak.tokens import KANWIL, Tokens, Who
from shared.inputs import MAX_LOT_QUANTITY
from shared.samples import Line

ORDER_LINE = line("AGR-TLR-30")
HOLD_LINE = line("KYU-GTR-AKS")  # lots put on hold during the load; no sign-off or order uses it
GUITARS_PER_HELD_LOT = 4
SIGN_OFF_SKUS = (
    "PAN-ROT-001",
    "PAN-JHM-250",
    "PAN-KTP-150",
    "PAN-NST-500",
    "AGR-LEL-KG",
    "BGN-PVB-6",
    "FTW-SPT-OLR",
    "KYU-CBK-20",
    "KYU-MJT-HPL",
    "TEX-TRJ-TAS",
    "TEX-ECO-2M",
)
# One lot of the largest size a lot may have: the orders of a full run take at most about 1,800.
STOCK_FOR_ORDERS = MAX_LOT_QUANTITY


@dataclass(frozen=True)
class Batch:
    batch_id: str
    line: Line
    quantity: int
    serials: tuple[str, ...]
    lot_code: str

    def sign_off(self, rejected: int = 1) -> dict[str, Any]:
        rejection = {
            "defect_code": DEFECT[self.line.product.family],
            "quantity": rejected,
            "serials": list(self.serials[-rejected:]) if self.serials else [],
        }
        return {
            "officer_code": f"QC-{self.line.product.upt_code}-07",
            "passed_quantity": self.quantity - rejected,
            "rejected_quantity": rejected,
            "rejections": [rejection] if rejected else [],
        }


@dataclass
class Visibility:
    """Expected catalogue totals per SKU, in answer order; marks when each was reached: when a
    SKU's availability rose to its total, or fell to it (`falling`: goods leaving, as holds)."""

    base: dict[str, int]
    falling: bool = False
    expected: dict[str, int] = field(default_factory=dict)
    waiting: dict[str, deque[tuple[int, int, float]]] = field(default_factory=dict)
    latencies_ms: dict[int, float] = field(default_factory=dict)
    answered: dict[int, float] = field(default_factory=dict)  # perf_counter of each answer

    def expect(self, sku: str, change: int, index: int, answered_at: float) -> None:
        total = self.expected.get(sku, self.base.get(sku, 0)) + change
        self.expected[sku] = total
        self.waiting.setdefault(sku, deque()).append((total, index, answered_at))

    def observe(self, available: dict[str, int], seen_at: float) -> None:
        for sku, queue in self.waiting.items():
            level = available.get(sku, 0)
            while queue and (level <= queue[0][0] if self.falling else level >= queue[0][0]):
                _, index, answered_at = queue.popleft()
                self.latencies_ms[index] = (seen_at - answered_at) * 1000
                self.answered[index] = answered_at

    @property
    def outstanding(self) -> int:
        return sum(len(queue) for queue in self.waiting.values())


async def make_batch(
    pool: HttpPool, tokens: Tokens, batch_line: Line, quantity: int, n: int
) -> Batch:
    batch_id, token = str(uuid.uuid4()), tokens.of(Who.terminal(batch_line.workshop.code))
    body = {"batch_id": batch_id, "workshop_code": batch_line.workshop.code, "sku": batch_line.sku}
    expect_ok(await pool.post("/batches", body, token), "open batch")
    output = {
        "submission_id": str(uuid.uuid4()),
        "quantity": quantity,
        "worker_codes": [f"WB-L{n % 997:03d}"],
    }
    expect_ok(await pool.post(f"/batches/{batch_id}/output", output, token), "record output")
    done = expect_ok(await pool.post(f"/batches/{batch_id}/complete", None, token), "complete")
    return Batch(batch_id, batch_line, quantity, tuple(done["serials"]), done["lot_code"])


async def prepare(ctx: Context, pool: HttpPool, tokens: Tokens, count: int) -> list[Batch]:
    lines = [line(sku) for sku in SIGN_OFF_SKUS]
    task = ctx.task(f"latency: preparing {count:,} completed batches", total=count)
    batches: list[Batch | None] = [None] * count
    queue = iter(range(count))

    async def worker() -> None:
        for i in queue:
            batch_line = lines[i % len(lines)]
            quantity = 6 if batch_line.unit_tracked else 50
            batches[i] = await make_batch(pool, tokens, batch_line, quantity, i)
            ctx.progress.advance(task)

    await asyncio.gather(*(worker() for _ in range(16)))
    ctx.finish(task)
    return [b for b in batches if b is not None]


async def prepare_held_lots(
    ctx: Context, production: HttpPool, tokens: Tokens, count: int
) -> list[Batch]:
    """Lots of guitars made before the load, to be passed and then held during it."""
    task = ctx.task(f"latency: preparing {count:,} lots to hold", total=count)
    lots = []
    for i in range(count):
        lots.append(await make_batch(production, tokens, HOLD_LINE, GUITARS_PER_HELD_LOT, i))
        ctx.progress.advance(task)
    ctx.finish(task)
    return lots


async def pass_all(quality: HttpPool, tokens: Tokens, lots: list[Batch]) -> None:
    """QC passes every unit of these lots (before the load: not measured)."""
    for lot in lots:
        officer = tokens.of(Who.officer(lot.line.product.upt_code))
        reply = await quality.post(
            f"/inspections/{lot.batch_id}/sign-off", lot.sign_off(rejected=0), officer
        )
        expect_ok(reply, f"sign-off of {lot.lot_code}")


async def settle(redis: Redis, namespace: str, timeout_s: float) -> int:
    """Wait until every group caught up; returns what is still pending or unread then."""
    deadline = time.monotonic() + timeout_s
    while True:
        left = sum((await unsettled(redis, namespace)).values())
        if left == 0 or time.monotonic() > deadline:
            return left
        await asyncio.sleep(0.1)


async def catalogue(pool: HttpPool, token: str) -> dict[str, int]:
    # Every SKU on one page (the catalogue has far fewer than the maximum page of 500).
    page = expect_ok(await pool.get("/catalogue?limit=500", token), "catalogue")
    return {item["sku"]: int(item["available"]) for item in page["items"]}


async def stocked(pool: HttpPool, token: str, sku: str, quantity: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while (await catalogue(pool, token)).get(sku, 0) < quantity:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{quantity} x {sku} not in the catalogue after {timeout_s:g} s")
        await asyncio.sleep(0.1)


class Load:
    """The offered load and its measurements."""

    def __init__(
        self,
        ctx: Context,
        quality: HttpPool,
        sales: HttpPool,
        base: dict[str, int],
        tokens: Tokens,
    ):
        self.ctx = ctx
        self.quality = quality
        self.sales = sales
        self.tokens = tokens
        self.visibility = Visibility(base)
        self.holds = Visibility(base, falling=True)
        self.hold_request_ms: list[float] = []
        self.sign_off_request_ms: list[float] = []
        self.order_ms: list[float] = []
        self.order_sent: list[float] = []  # perf_counter of each timed order, as order_ms
        self.order_request_ms: list[float] = []
        self.errors: dict[str, int] = {}
        self.error_samples: list[str] = []
        self.orders_open = 0
        self.orders_declined = 0
        self.catalogue_polls = 0
        self.stopping = False

    def error(self, kind: str, detail: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1
        if len(self.error_samples) < 5:
            self.error_samples.append(f"{kind}: {detail[:300]}")

    async def sign_off(self, index: int, batch: Batch, scheduled: float) -> None:
        body = batch.sign_off()
        try:
            officer = self.tokens.of(Who.officer(batch.line.product.upt_code))
            reply = await self.quality.post(
                f"/inspections/{batch.batch_id}/sign-off", body, officer
            )
        except (OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
            self.error("sign-off", repr(exc))
            return
        answered = time.perf_counter()
        self.sign_off_request_ms.append((answered - scheduled) * 1000)
        if not reply.ok:
            self.error("sign-off", f"HTTP {reply.status} {reply.body!r}")
            return
        self.visibility.expect(batch.line.sku, body["passed_quantity"], index, answered)

    async def hold(self, index: int, lot: Batch, scheduled: float) -> None:
        body = {
            "hold_id": str(uuid.uuid4()),
            "lot_code": lot.lot_code,
            "reason": "benchmark: neck relief out of tolerance",
        }
        try:
            reply = await self.quality.post("/holds", body, self.tokens.of(KANWIL))
        except (OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
            self.error("hold", repr(exc))
            return
        answered = time.perf_counter()
        self.hold_request_ms.append((answered - scheduled) * 1000)
        if not reply.ok:
            self.error("hold", f"HTTP {reply.status} {reply.body!r}")
            return
        self.holds.expect(lot.line.sku, -lot.quantity, index, answered)

    async def order(self, index: int, scheduled: float) -> None:
        order_id, channel = str(uuid.uuid4()), CHANNELS[index % len(CHANNELS)]
        seller = self.tokens.of(Who.sales_channel(channel))
        body = {
            "order_id": order_id,
            "channel_code": channel,
            "sku": ORDER_LINE.sku,
            "quantity": 1 + index % 3,
            "buyer_ref": f"BUYER-BENCH-{index:06d}",
        }
        self.orders_open += 1
        try:
            reply = await self.sales.post("/orders", body, seller)
            self.order_request_ms.append((time.perf_counter() - scheduled) * 1000)
            if not reply.ok:
                self.error("order", f"HTTP {reply.status} {reply.body!r}")
                return
            status = await self._await_answer(order_id, scheduled, seller)
            if status == "confirmed":
                await self.sales.post(f"/orders/{order_id}/complete", None, seller)
        except (OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
            self.error("order", repr(exc))
        finally:
            self.orders_open -= 1

    async def _await_answer(self, order_id: str, sent: float, seller: str) -> str | None:
        poll = self.ctx.config.watch_ms / 2000
        while time.perf_counter() - sent < 60:
            reply = await self.sales.get(f"/orders/{order_id}", seller)
            seen = time.perf_counter()
            status: str | None = str(reply.json()["status"]) if reply.ok else None
            if status == "confirmed":
                self.order_ms.append((seen - sent) * 1000)
                self.order_sent.append(sent)
                return status
            if status not in ("pending", None):
                self.orders_declined += 1
                self.error("order-declined", str(reply.json().get("reason")))
                return status
            # Poll finely while the answer is due; back off so a stall does not flood sales.
            await asyncio.sleep(poll if seen - sent < 0.25 else 0.05)
        self.error("order-unanswered", order_id)
        return None

    async def watch(self) -> None:
        interval = self.ctx.config.watch_ms / 1000
        while not self.stopping or self.visibility.outstanding or self.holds.outstanding:
            try:
                available = await catalogue(self.sales, self.tokens.of(KANWIL))
            except Exception as exc:
                self.error("catalogue", repr(exc))
                await asyncio.sleep(interval)
                continue
            self.catalogue_polls += 1
            seen_at = time.perf_counter()
            self.visibility.observe(available, seen_at)
            self.holds.observe(available, seen_at)
            await asyncio.sleep(interval)

    async def offer(self, rate: float, count: int, start: float, act: Any) -> None:
        """Start act(i, scheduled) at start + i / rate, without waiting for earlier ones."""
        tasks = set()
        for i in range(count):
            scheduled = start + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(act(i, scheduled))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.gather(*tasks)


async def run(ctx: Context) -> dict[str, Any]:
    cfg = ctx.config
    count = math.ceil(cfg.rate * cfg.duration_s)
    orders = math.ceil(cfg.order_rate * cfg.duration_s)
    holds = math.ceil(cfg.hold_rate * cfg.duration_s)
    async with ctx.sandbox("latency") as sandbox:
        redis = Redis.from_url(ctx.backend.redis_url)
        try:
            with ctx.services(sandbox, FLOW_SERVICES) as services:
                production = HttpPool(services.url("production"), size=16)
                quality = HttpPool(services.url("quality"), size=64)
                sales = HttpPool(services.url("sales"), size=64)
                tokens = signed_in(Tokens.from_data_dir(sandbox.data_dir))
                stock = await make_batch(production, tokens, ORDER_LINE, STOCK_FOR_ORDERS, 0)
                batches = await prepare(ctx, production, tokens, count)
                to_hold = await prepare_held_lots(ctx, production, tokens, holds)
                if await settle(redis, sandbox.namespace, 300):
                    raise RuntimeError("quality did not take in the prepared batches")
                await pass_all(quality, tokens, to_hold)
                officer = tokens.of(Who.officer(ORDER_LINE.product.upt_code))
                reply = await quality.post(
                    f"/inspections/{stock.batch_id}/sign-off", stock.sign_off(rejected=0), officer
                )
                expect_ok(reply, "sign-off of the stock for orders")
                await stocked(sales, tokens.of(KANWIL), ORDER_LINE.sku, STOCK_FOR_ORDERS, 60)
                held_stock = GUITARS_PER_HELD_LOT * holds
                await stocked(sales, tokens.of(KANWIL), HOLD_LINE.sku, held_stock, 60)
                await settle(redis, sandbox.namespace, 120)
                base = await catalogue(sales, tokens.of(KANWIL))
                load = Load(ctx, quality, sales, base, tokens)
                usage: dict[str, Any] = {}
                with ctx.measuring("latency", sandbox, services, usage):
                    result = await measure(
                        ctx, load, redis, sandbox.namespace, batches, orders, to_hold
                    )
                result["cores_used_during_load"] = usage["cores_used"]
                for pool in (production, quality, sales):
                    await pool.aclose()
        finally:
            await redis.aclose()
    e2e, order = result["sign_off_to_catalogue_ms"], result["order_to_confirmation_ms"]
    held = result["hold_to_catalogue_ms"]
    ctx.log(
        f"latency: sign-off -> catalogue p50 {e2e['p50']} p99 {e2e['p99']} ms; "
        f"order -> confirmed p50 {order['p50']} p99 {order['p99']} ms; "
        f"hold -> gone from the catalogue p50 {held['p50']} p99 {held['p99']} ms; "
        f"pending after {result['pending_after_settle']}"
    )
    return result


async def measure(
    ctx: Context,
    load: Load,
    redis: Redis,
    namespace: str,
    batches: list[Batch],
    orders: int,
    to_hold: list[Batch],
) -> dict[str, Any]:
    cfg = ctx.config
    task = ctx.task(
        f"latency: {cfg.rate:g} sign-offs/s + {cfg.order_rate:g} orders/s "
        f"+ {cfg.hold_rate:g} holds/s",
        total=cfg.duration_s,
    )
    watcher = asyncio.create_task(load.watch())
    start = time.perf_counter() + 0.2
    ticker = asyncio.create_task(_tick(ctx, task, start, cfg.duration_s))
    await asyncio.gather(
        load.offer(cfg.rate, len(batches), start, lambda i, t: load.sign_off(i, batches[i], t)),
        load.offer(cfg.order_rate, orders, start, load.order),
        load.offer(cfg.hold_rate, len(to_hold), start, lambda i, t: load.hold(i, to_hold[i], t)),
    )
    offered_s = time.perf_counter() - start
    ticker.cancel()
    ctx.finish(task)
    pending_when_stopped = sum((await unsettled(redis, namespace)).values())
    load.stopping = True
    try:  # an overloaded system drains its backlog after the load; give it time to
        await asyncio.wait_for(watcher, timeout=180)
    except TimeoutError:
        load.error("sign-off-never-visible", f"{load.visibility.outstanding} sign-offs")
        load.error("hold-never-visible", f"{load.holds.outstanding} holds")
    pending_after = await settle(redis, namespace, 10)
    return {
        "definition": __doc__,
        "offered": {
            "sign_offs": len(batches),
            "sign_offs_per_s": cfg.rate,
            "orders": orders,
            "orders_per_s": cfg.order_rate,
            "holds": len(to_hold),
            "holds_per_s": cfg.hold_rate,
            "seconds": round(offered_s, 2),
            "watch_ms": cfg.watch_ms,
        },
        "sign_off_to_catalogue_ms": summarize(list(load.visibility.latencies_ms.values())),
        "per_second": per_second(load, start),
        "order_to_confirmation_ms": summarize(load.order_ms),
        "hold_to_catalogue_ms": summarize(list(load.holds.latencies_ms.values())),
        "hold_request_ms": summarize(load.hold_request_ms),
        "holds_never_visible": load.holds.outstanding,
        "sign_off_request_ms": summarize(load.sign_off_request_ms),
        "order_request_ms": summarize(load.order_request_ms),
        "sign_offs_never_visible": load.visibility.outstanding,
        "orders_declined": load.orders_declined,
        "catalogue_polls": load.catalogue_polls,
        "pending_when_load_stopped": pending_when_stopped,
        "pending_after_settle": pending_after,
        "errors": load.errors,
        "error_samples": load.error_samples,
    }


def per_second(load: Load, start: float) -> list[dict[str, Any]]:
    """p50 and max of both latencies per second of the load: shows whether slow ones cluster
    (a stall of some process) or spread (queueing)."""
    buckets: dict[int, tuple[list[float], list[float]]] = {}
    visibility = load.visibility
    for index, ms in visibility.latencies_ms.items():
        buckets.setdefault(int(visibility.answered[index] - start), ([], []))[0].append(ms)
    for sent, ms in zip(load.order_sent, load.order_ms, strict=True):
        buckets.setdefault(int(sent - start), ([], []))[1].append(ms)
    rows = []
    for second in sorted(buckets):
        sign_offs, orders = buckets[second]
        e2e, order = summarize(sign_offs), summarize(orders)
        rows.append(
            {
                "second": second,
                "sign_offs": e2e["n"],
                "e2e_p50": e2e["p50"],
                "e2e_max": e2e["max"],
                "order_p50": order["p50"],
                "order_max": order["max"],
            }
        )
    return rows


async def _tick(ctx: Context, task: Any, start: float, total: float) -> None:
    while True:
        ctx.progress.update(task, completed=max(0.0, min(total, time.perf_counter() - start)))
        await asyncio.sleep(0.25)


def signed_in(tokens: Tokens) -> Tokens:
    """Every token the load uses, fetched before it starts (fetching is not what is measured)."""
    for batch_line in [*(line(sku) for sku in SIGN_OFF_SKUS), ORDER_LINE]:
        tokens.of(Who.terminal(batch_line.workshop.code))
        tokens.of(Who.officer(batch_line.product.upt_code))
    for channel in CHANNELS:
        tokens.of(Who.sales_channel(channel))
    tokens.of(KANWIL)
    return tokens
