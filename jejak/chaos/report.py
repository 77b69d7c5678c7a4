"""The run's tables: faults injected, events published, what was verified."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from jejak.chaos.run import ChaosResult


def fault_table(result: ChaosResult) -> Table:
    table = Table(title=f"Faults injected (seed {result.seed})")
    for column in ("kind", "target", "count"):
        table.add_column(column, justify="right" if column == "count" else "left")
    counts = Counter((f.kind, f.target) for f in result.faults)
    for kind in result.kinds:
        for (k, target), n in sorted(counts.items()):
            if k == kind:
                table.add_row(kind, target, str(n))
    failed = sum(1 for f in result.faults if f.error)
    table.add_row(
        "all", f"{failed} failed" if failed else "", str(len(result.faults)), end_section=True
    )
    return table


def event_table(result: ChaosResult) -> Table:
    table = Table(title="Events published (entries added to each stream)")
    table.add_column("stream")
    table.add_column("entries", justify="right")
    table.add_column("distinct events", justify="right")
    for stream, added in sorted(result.events.items()):
        name = stream.removeprefix(result.namespace + ".")
        table.add_row(name, f"{added:,}", f"{result.distinct.get(stream, 0):,}")
    table.add_row(
        "all",
        f"{sum(result.events.values()):,}",
        f"{sum(result.distinct.values()):,}",
        end_section=True,
    )
    return table


def check_table(result: ChaosResult) -> Table:
    table = Table(title="Reconciliation")
    for column in ("check", "expected", "found", "ok"):
        table.add_column(column)
    for check in result.checks:
        table.add_row(
            check.name, check.expected, check.found, "[green]ok[/]" if check.ok else "[red]NO[/]"
        )
    return table


def print_report(result: ChaosResult, console: Console) -> None:
    book, stats = result.book, result.stats
    console.print(fault_table(result))
    console.print(event_table(result))
    console.print(check_table(result))
    statuses = Counter(o.status for o in book.orders)
    retried = ", ".join(f"{code}: {n}" for code, n in sorted(stats.retried_status.items()))
    console.print(
        f"load: {len(book.batches):,} batches ({sum(b.signed_off for b in book.batches):,} "
        f"signed off), {len(book.orders):,} orders ({dict(statuses)}); "
        f"{stats.requests:,} requests, {stats.no_answer:,} without an answer, "
        f"retried answers {{{retried}}}, {book.resolved_conflicts} resends found applied, "
        f"{stats.token_fetches} token fetches",
        soft_wrap=True,
    )
    console.print(
        f"time: load {result.load_s:.0f} s, settling {result.settle_s:.0f} s, "
        f"reconciliation {result.check_s:.0f} s, whole run {result.total_s:.0f} s "
        f"({result.database_kind}, claim idle {result.claim_idle_ms} ms)"
    )
    for failure in book.failures[:20]:
        console.print(f"[red]load failure:[/] {failure}", soft_wrap=True)
    verdict = "[green]PASSED[/]" if result.ok else "[red]FAILED[/]"
    console.print(f"chaos run {verdict} (seed {result.seed}); work directory {result.work_dir}")
