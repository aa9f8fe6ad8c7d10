"""Ratios to a baseline of the same run, checked against targets, printed as one table."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table


@dataclass(frozen=True)
class Verdict:
    """One measured ratio: what, against which baseline, the target and whether it is met.

    ``ratio`` is always Threadline's figure over the baseline's; the target reads it as a
    ceiling for times and bytes, and as a floor for throughput.
    """

    row: str
    what: str
    threadline: str
    baseline: str
    ratio: float
    target: str
    ok: bool


def median_time(fn: Callable[[], Any], reps: int) -> tuple[float, Any]:
    """Run once to warm up, then ``reps`` times; return the median seconds and the result."""
    result = fn()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def write_json(path: str | None, verdicts: Sequence[Verdict]) -> None:
    """Write verdicts for ``bench_all`` to collect, when asked to."""
    if path:
        Path(path).write_text(json.dumps([asdict(v) for v in verdicts], indent=1))


def read_json(path: Path) -> list[Verdict]:
    """Read verdicts a benchmark wrote."""
    return [Verdict(**item) for item in json.loads(path.read_text())]


def print_verdicts(console: Console, title: str, verdicts: Sequence[Verdict]) -> None:
    """Print one table of ratios with PASS/FAIL per target."""
    table = Table(title=title)
    for column in ("#", "what", "Threadline", "baseline", "ratio", "target", ""):
        table.add_column(column, justify="left" if column == "what" else "right")
    for v in verdicts:
        mark = "PASS" if v.ok else "FAIL"
        table.add_row(v.row, v.what, v.threadline, v.baseline, f"{v.ratio:.2f}x", v.target, mark)
    console.print(table)
    for v in verdicts:
        console.print(
            f"{'PASS' if v.ok else 'FAIL'}  {v.row} {v.what}: {v.ratio:.2f}x ({v.target})"
        )


def ms(seconds: float) -> str:
    """Format seconds as milliseconds or seconds."""
    return f"{seconds * 1000:.3f} ms" if seconds < 1 else f"{seconds:.2f} s"
