"""The results document (bench/results/latest.json plus a timestamped copy) and the table."""

import json
import os
import platform
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.backend import Backend
from bench.context import CONSUMERS, ROOT, Config
from bench.rss import RssMonitor

RSS_LIMIT_MB = 200


def git_commit(root: Path = ROOT) -> str | None:
    """HEAD's commit, read from .git without running git."""
    git = root / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head
        ref = head[5:]
        loose = git / ref
        if loose.exists():
            return loose.read_text().strip()
        for line in (git / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split()[0]
    except OSError:
        return None
    return None


def cpu_probe(iterations: int = 3_000_000) -> dict[str, float]:
    """How fast this machine runs plain Python right now (best of 3, seconds), and its load:
    runs on a shared or virtual machine differ by tens of percent, and this tells when."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(iterations):
            total += i
        best = min(best, time.perf_counter() - started)
    return {"python_loop_s": round(best, 3), "load_average_1m": round(os.getloadavg()[0], 2)}


def changed_since_commit(root: Path = ROOT) -> list[str] | None:
    """Source files modified after HEAD's ref was last written: a hint (without running git)
    that the measured code was not exactly the commit."""
    git = root / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        ref = git / head[5:] if head.startswith("ref: ") else git / "HEAD"
        committed = ref.stat().st_mtime
    except OSError:
        return None
    return sorted(
        str(path.relative_to(root))
        for folder in ("shared", "services", "jejak")
        for path in (root / folder).rglob("*.py")
        if path.stat().st_mtime > committed
    )


def _get(data: dict[str, Any], *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def document(
    config: Config,
    backend: Backend,
    results: dict[str, Any],
    errors: dict[str, str],
    rss: RssMonitor,
    started: float,
    probe_at_start: dict[str, float],
) -> dict[str, Any]:
    ceiling = _get(results, "ceiling", "mix", "redis_py_per_s")
    drain = {name: _get(results, "drain", name, "events_per_s") for name in CONSUMERS}
    drain_runs = {name: _get(results, "drain", name, "runs_events_per_s") for name in CONSUMERS}
    drain = {name: rate for name, rate in drain.items() if rate is not None}
    ingest = _get(results, "ingest", "requests_per_s")
    ratio: dict[str, float] = {}
    if ceiling:
        ratio = {name: round(rate / ceiling, 3) for name, rate in drain.items()}
        if ingest:
            ratio["production"] = round(ingest / ceiling, 3)
    settings = asdict(config)
    settings["results_dir"] = str(config.results_dir)
    doc: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "files_changed_after_commit": changed_since_commit(),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "probe_at_start": probe_at_start,
            "probe_at_end": cpu_probe(),
        },
        "backend": backend.describe(),
        "settings": settings,
        "duration_s": round(time.time() - started),
        "ceiling_events_per_s": ceiling,
        "drain_events_per_s": drain,
        "drain_runs_events_per_s": {k: v for k, v in drain_runs.items() if v},
        "ingest_requests_per_s": ingest,
        "e2e_latency_ms": _get(results, "latency", "sign_off_to_catalogue_ms"),
        "order_latency_ms": _get(results, "latency", "order_to_confirmation_ms"),
        "hold_latency_ms": _get(results, "latency", "hold_to_catalogue_ms"),
        "pending_at_end": _get(results, "latency", "pending_after_settle"),
        "trace_lookup_ms": _get(results, "trace", "unit", "latency_ms"),
        "recall_list_ms": _get(results, "trace", "lot", "latency_ms"),
        "trace_lookups_per_s": _get(results, "trace", "unit", "requests_per_s"),
        "recall_lists_per_s": _get(results, "trace", "lot", "requests_per_s"),
        "traced_units": _get(results, "trace", "traced_units"),
        "rss_mb": rss.overall(),
        "rss_mb_by_section": {
            section: {name: round(mb, 1) for name, mb in peaks.items()}
            for section, peaks in rss.peaks.items()
        },
        "ratio_to_ceiling": ratio,
        "cpu_s_by_section": rss.cpu,
        "sections": results,
        "errors": errors,
    }
    doc["targets"] = targets(doc, results)
    return doc


def _target(name: str, target: str, value: Any, met: bool | None) -> dict[str, Any]:
    return {"name": name, "target": target, "value": value, "met": met}


def targets(doc: dict[str, Any], results: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for name, rate in doc["drain_events_per_s"].items():
        once = _get(results, "drain", name, "exactly_once")
        found.append(
            _target(
                f"drain {name}",
                ">= 5,000 events/s, exactly once",
                f"{rate:,.0f}/s, exactly once: {once}",
                rate >= 5000 and bool(once),
            )
        )
    if doc["ingest_requests_per_s"] is not None:
        rate = doc["ingest_requests_per_s"]
        found.append(_target("terminal ingest", ">= 800 requests/s", f"{rate:,.0f}/s", rate >= 800))
    for key, label in (("e2e_latency_ms", "sign-off to catalogue"), ("order_latency_ms", "order")):
        p99 = _get(doc, key, "p99")
        if p99 is not None:
            found.append(_target(f"{label} p99", "< 100 ms", f"{p99:.1f} ms", p99 < 100))
    hold_p99 = _get(doc, "hold_latency_ms", "p99")
    if hold_p99 is not None:
        found.append(
            _target(
                "hold -> gone from the catalogue p99",
                "< 1,000 ms",
                f"{hold_p99:.1f} ms",
                hold_p99 < 1000,
            )
        )
    pending = doc["pending_at_end"]
    if pending is not None:
        found.append(_target("pending after the load", "0", pending, pending == 0))
    scale = (doc["traced_units"] or 0) >= 1_000_000
    for key, label, limit in (
        ("trace_lookup_ms", "trace lookup p99", 10),
        ("recall_list_ms", "1,000-unit recall list p99", 50),
    ):
        p99 = _get(doc, key, "p99")
        if p99 is not None:
            value = f"{p99:.1f} ms at {doc['traced_units']:,} units"
            found.append(
                _target(label, f"< {limit} ms at 1,000,000 units", value, p99 < limit and scale)
            )
    for name, mb in doc["rss_mb"].items():
        found.append(
            _target(f"RSS {name}", f"< {RSS_LIMIT_MB} MB", f"{mb:.0f} MB", mb < RSS_LIMIT_MB)
        )
    return found


def write(doc: dict[str, Any], results_dir: Path) -> list[Path]:
    results_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, indent=2, default=str) + "\n"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    paths = [results_dir / "latest.json", results_dir / f"{stamp}.json"]
    for path in paths:
        path.write_text(text)
    return paths


def _ms(summary: dict[str, Any] | None) -> str:
    if not summary or summary.get("p50") is None:
        return "-"
    return " / ".join(f"{summary[k]:.1f}" for k in ("p50", "p95", "p99", "max") if k in summary)


def _other(cores: dict[str, Any] | None) -> str:
    value = (cores or {}).get("other processes")
    return "" if value is None else f"{value:.2f}"


def print_table(console: Console, doc: dict[str, Any]) -> None:
    backend = doc["backend"]
    table = Table(
        title=f"Jejak benchmarks ({'real' if backend['real'] else 'embedded'} backend: "
        f"Redis {backend['redis']['version']}, "
        f"{backend['database']['kind']} {backend['database']['version']})",
        caption="other load: cores used by other processes on the machine meanwhile",
    )
    for column in ("measure", "value", "ratio to ceiling", "peak RSS MB", "other load"):
        table.add_column(column, justify="left" if column == "measure" else "right")
    ratio, rss, sections = doc["ratio_to_ceiling"], doc["rss_mb"], doc["sections"]

    def row(measure: str, value: str, name: str = "", other: str = "") -> None:
        table.add_row(measure, value, str(ratio.get(name, "")), str(rss.get(name, "")), other)

    if doc["ceiling_events_per_s"]:
        mix = _get(sections, "ceiling", "mix") or {}
        row("ceiling: redis-py XREADGROUP+XACK", f"{doc['ceiling_events_per_s']:,.0f}/s")
        row(
            "ceiling: FastStream batch, empty handler", f"{mix['faststream_batch100_per_s']:,.0f}/s"
        )
        lean = mix.get("faststream_batch200_without_body_decoding_per_s")
        if lean:
            row("ceiling: the same, bodies not decoded", f"{lean:,.0f}/s")
    for name, rate in doc["drain_events_per_s"].items():
        cores = _get(sections, "drain", name, "cores_used_from_start_to_drained")
        row(f"drain {name}", f"{rate:,.0f} events/s", name, _other(cores))
    if doc["ingest_requests_per_s"] is not None:
        cores = _get(sections, "ingest", "cores_used")
        rate = doc["ingest_requests_per_s"]
        row("production ingest", f"{rate:,.0f} requests/s", "production", _other(cores))
    if doc["e2e_latency_ms"]:
        other = _other(_get(sections, "latency", "cores_used_during_load"))
        row("sign-off -> catalogue ms p50/p95/p99/max", _ms(doc["e2e_latency_ms"]), other=other)
        row("order -> confirmed ms p50/p95/p99/max", _ms(doc["order_latency_ms"]), other=other)
        if doc.get("hold_latency_ms"):
            held = _ms(doc["hold_latency_ms"])
            row("hold -> gone from catalogue ms p50/p95/p99/max", held, other=other)
        row("events pending after the load", str(doc["pending_at_end"]))
    if doc["trace_lookup_ms"]:
        unit = _other(_get(sections, "trace", "unit", "cores_used"))
        lot = _other(_get(sections, "trace", "lot", "cores_used"))
        row("traced units", f"{doc['traced_units']:,}")
        row("trace lookup ms p50/p95/p99/max", _ms(doc["trace_lookup_ms"]), other=unit)
        row("trace lookups/s", f"{doc['trace_lookups_per_s']:,.0f}", other=unit)
        row("recall list ms p50/p95/p99/max", _ms(doc["recall_list_ms"]), other=lot)
        row("recall lists/s", f"{doc['recall_lists_per_s']:,.0f}", other=lot)
    console.print(table)
    checks = Table(title="Targets")
    for column in ("target", "wanted", "measured", "met"):
        checks.add_column(column)
    for t in doc["targets"]:
        met = "[green]yes[/]" if t["met"] else "[red]no[/]"
        checks.add_row(t["name"], t["target"], str(t["value"]), met)
    console.print(checks)
    for section, error in doc["errors"].items():
        console.print(f"[red]{section} failed: {error}[/]")
