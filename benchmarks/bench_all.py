"""Run every benchmark and print one table of ratios, each measured in the same run.

Each benchmark runs in its own process (so one's memory and servers never disturb the
next), writes its verdicts, and this script prints them together: rows 1-6 of issue 5,
each Threadline's figure against a baseline measured beside it, with PASS/FAIL per target
(row 2 is a reported speed-up, not a target). ``make bench`` runs it.

    python benchmarks/bench_all.py            # full sizes (about 15 minutes on 2 cores)
    python benchmarks/bench_all.py --small    # smoke sizes
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console

from bench_report import Verdict, print_verdicts, read_json

HERE = Path(__file__).resolve().parent
BENCHMARKS = {
    "traversal": ("bench_traversal.py", ["--reps", "7", "--slow-reps", "3"]),
    "http": ("bench_http.py", ["--reps", "40"]),
    "index": ("bench_index.py", ["--reps", "3"]),
    "ingest": ("bench_ingest.py", ["--reps", "3"]),
}
SMALL_ARGS = {
    "traversal": ["--reps", "1", "--slow-reps", "1"],
    "http": ["--reps", "5"],
    "index": ["--reps", "1"],
    "ingest": ["--reps", "1"],
}


def main() -> int:
    """Run the benchmarks in turn; print their verdicts as one table; 1 if one crashed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="smoke sizes")
    parser.add_argument("--only", nargs="*", choices=list(BENCHMARKS), help="a subset")
    args = parser.parse_args()
    console = Console(width=200)
    verdicts: list[Verdict] = []
    crashed = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only or list(BENCHMARKS):
            script, full = BENCHMARKS[name]
            out = Path(tmp) / f"{name}.json"
            extra = ["--small", *SMALL_ARGS[name]] if args.small else full
            command = [sys.executable, str(HERE / script), *extra, "--json-out", str(out)]
            console.print(f"[bold]{name}[/bold]: {' '.join(command[1:-2])}")
            start = time.perf_counter()
            done = subprocess.run(command, check=False)
            console.print(f"{name}: {time.perf_counter() - start:.0f} s")
            if done.returncode != 0 or not out.exists():
                crashed.append(name)
                continue
            verdicts.extend(read_json(out))
    verdicts.sort(key=lambda v: v.row)
    print_verdicts(console, "Threadline against same-run baselines (issue 5)", verdicts)
    for name in crashed:
        console.print(f"FAIL  {name}: the benchmark did not finish")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
