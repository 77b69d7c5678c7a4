"""Optional sampling profiles of the services while a figure is measured (`--profile DIR`).

py-spy (`pip install py-spy`) attaches to each service process without changing it, samples the
stack of the thread holding the GIL 100 times a second (non-blocking, so the service is barely
slowed) and writes collapsed stacks; a summary of the functions taking most of the samples, by
own time and including callees, goes next to them and into the results.
"""

import collections
import contextlib
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from jejak.launcher import ServiceSet


def py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


class Profiler:
    def __init__(self, out_dir: Path | None) -> None:
        self.out_dir = out_dir
        self.summaries: dict[str, Any] = {}
        self.executable = py_spy() if out_dir else None
        if out_dir and not self.executable:
            raise RuntimeError("--profile needs py-spy: .venv/bin/pip install py-spy")

    @contextlib.contextmanager
    def record(
        self, label: str, services: ServiceSet, names: Sequence[str] | None = None
    ) -> Iterator[None]:
        if self.out_dir is None or self.executable is None:
            yield
            return
        self.out_dir.mkdir(parents=True, exist_ok=True)
        running: dict[str, tuple[subprocess.Popen[bytes], Path]] = {}
        for name in names or services.names:
            pid = services.pid(name)
            if pid is None:
                continue
            out = self.out_dir / f"{label}-{name}.collapsed.txt"
            command = [self.executable, "record", "--pid", str(pid), "--rate", "100"]
            # --gil: only samples holding the GIL, i.e. where the service's Python CPU goes.
            command += ["--nonblocking", "--gil", "--format", "raw", "--output", str(out)]
            process = subprocess.Popen(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            running[name] = (process, out)
        try:
            yield
        finally:
            for process, _ in running.values():
                process.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
            for name, (process, out) in running.items():
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                if out.exists():
                    summary = summarize(out)
                    self.summaries[f"{label}/{name}"] = summary
                    write_summary(out.with_suffix(".summary.txt"), summary)


def summarize(collapsed: Path, top: int = 25) -> dict[str, Any]:
    """Share of samples per function: own (leaf) time and inclusive time."""
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [frame for frame in stack.split(";") if frame]
        if not frames:
            continue
        total += count
        own[_short(frames[-1])] += count
        for frame in {_short(f) for f in frames}:
            inclusive[frame] += count

    def share(counter: collections.Counter[str]) -> list[tuple[str, float]]:
        return [(name, round(100 * n / total, 1)) for name, n in counter.most_common(top)]

    return {"samples": total, "own_pct": share(own), "inclusive_pct": share(inclusive)}


def _short(frame: str) -> str:
    """'apply (shared/delivery/consumer.py:55)' with site-packages paths cut to the package."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in where:
            where = where.split(marker, 1)[1]
            break
    path = where.rsplit(":", 1)[0]
    return f"{path}:{name}"


def write_summary(path: Path, summary: dict[str, Any]) -> None:
    lines = [f"{summary['samples']} samples (thread holding the GIL)", "", "own time:"]
    lines += [f"  {pct:5.1f}%  {name}" for name, pct in summary["own_pct"]]
    lines += ["", "including callees:"]
    lines += [f"  {pct:5.1f}%  {name}" for name, pct in summary["inclusive_pct"]]
    path.write_text("\n".join(lines) + "\n")
