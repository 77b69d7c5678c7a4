"""`python -m bench`: run the benchmark sections, print a table, write bench/results/*.json.

    python -m bench                      # everything, full size (well under 30 minutes)
    python -m bench --quick              # a smoke run: small backlogs, short loads
    python -m bench --only ceiling,drain # some sections

REDIS_URL and DATABASE_URL select a real Redis and PostgreSQL server; without them an embedded
Redis and SQLite files are used. The output says which.
"""

import argparse
import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import uvloop
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from bench import ceiling, drain, ingest, latency, lookups, report
from bench.backend import open_backend
from bench.context import ROOT, SECTIONS, Config, Context
from bench.profiling import Profiler
from bench.rss import RssMonitor

Section = Callable[[Context], Awaitable[dict[str, Any]]]
RUNNERS: dict[str, Section] = {
    "ceiling": ceiling.run,
    "drain": drain.run,
    "ingest": ingest.run,
    "latency": latency.run,
    "trace": lookups.run,
}


def parse_args(argv: list[str] | None = None) -> Config:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", help=f"comma-separated sections of: {', '.join(SECTIONS)}")
    parser.add_argument("--quick", action="store_true", help="small sizes, short loads")
    parser.add_argument("--backlog", type=int, help="events per drained service [20000; 2000]")
    parser.add_argument("--rate", type=float, default=100.0, help="QC sign-offs/s offered [100]")
    parser.add_argument("--duration", type=float, help="seconds the load is offered [60; 10]")
    parser.add_argument("--order-rate", type=float, default=10.0, help="orders/s meanwhile [10]")
    parser.add_argument("--hold-rate", type=float, default=1.0, help="holds/s meanwhile [1]")
    parser.add_argument("--units", type=int, help="unit serials traced [1000000; 20000]")
    parser.add_argument("--units-per-lot", type=int, default=1000, help="[1000]")
    parser.add_argument("--clients", type=int, default=16, help="concurrent HTTP clients [16]")
    parser.add_argument("--ingest-seconds", type=float, help="terminal load time [30; 5]")
    parser.add_argument("--lookup-seconds", type=float, help="per lookup kind [20; 5]")
    parser.add_argument("--watch-ms", type=float, default=10.0, help="catalogue poll [10]")
    parser.add_argument("--repeat", type=int, help="drains per service, median counts [3; 1]")
    parser.add_argument("--keep", action="store_true", help="keep namespaces, databases, logs")
    parser.add_argument("--results-dir", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--profile", type=Path, help="write py-spy profiles of the services here")
    parser.add_argument(
        "--service-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for every service, e.g. JEJAK_BATCH_SIZE=50 (repeatable)",
    )
    args = parser.parse_args(argv)
    sections = tuple(s.strip() for s in args.only.split(",")) if args.only else SECTIONS
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    quick = bool(args.quick)

    def pick(value: Any, full: Any, small: Any) -> Any:
        return value if value is not None else (small if quick else full)

    return Config(
        sections=sections,
        quick=quick,
        backlog=pick(args.backlog, 20_000, 2_000),
        rate=args.rate,
        duration_s=pick(args.duration, 60.0, 10.0),
        order_rate=args.order_rate,
        hold_rate=args.hold_rate,
        units=pick(args.units, 1_000_000, 20_000),
        units_per_lot=args.units_per_lot,
        clients=args.clients,
        ingest_s=pick(args.ingest_seconds, 30.0, 5.0),
        lookup_s=pick(args.lookup_seconds, 20.0, 5.0),
        watch_ms=args.watch_ms,
        keep=args.keep,
        results_dir=args.results_dir,
        profile_dir=args.profile,
        service_env=dict(item.split("=", 1) for item in args.service_env),
        repeat=pick(args.repeat, 3, 1),
    )


async def run(config: Config, console: Console) -> int:
    work_dir = Path(tempfile.mkdtemp(prefix="jejak-bench-"))
    results: dict[str, Any] = {}
    errors: dict[str, str] = {}
    started = time.time()
    probe = report.cpu_probe()
    rss = RssMonitor()
    rss.start()
    profiler = Profiler(config.profile_dir)
    try:
        with open_backend(work_dir) as backend:
            await backend.probe_versions()
            console.print(f"[bold]Jejak benchmarks[/] on the {backend.summary()}")
            console.print(
                f"machine: {os.cpu_count()} cores, plain-Python probe {probe['python_loop_s']} s, "
                f"load average {probe['load_average_1m']}"
            )
            progress = Progress(
                SpinnerColumn(),
                TextColumn("[progress.description]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
            )
            with progress:
                ctx = Context(config, backend, progress, rss, profiler)
                for name in config.sections:
                    section_started = time.perf_counter()
                    try:
                        results[name] = await RUNNERS[name](ctx)
                    except Exception as exc:
                        errors[name] = f"{type(exc).__name__}: {exc}"
                        console.print(f"[red]section {name} failed[/]:\n{traceback.format_exc()}")
                    else:
                        results[name]["section_s"] = round(time.perf_counter() - section_started)
            rss.stop()
            document = report.document(config, backend, results, errors, rss, started, probe)
            document["profiles"] = profiler.summaries
    finally:
        rss.stop()
        # Requests that failed during a load leave the services' logs behind to say why.
        failed_requests = any(isinstance(r, dict) and r.get("errors") for r in results.values())
        if errors or failed_requests or config.keep:
            console.print(f"logs and data kept in {work_dir}")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)
    paths = report.write(document, config.results_dir)
    report.print_table(console, document)
    console.print(f"results written to {', '.join(str(p) for p in paths)}")
    return 1 if errors else 0


def main() -> int:
    config = parse_args()
    # Wide enough for the tables when the output is a file or a pipe, not a terminal.
    console = Console(log_path=False, width=None if Console().is_terminal else 130)
    return uvloop.run(run(config, console))


if __name__ == "__main__":
    raise SystemExit(main())
