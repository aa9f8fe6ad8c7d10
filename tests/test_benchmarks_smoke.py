"""The traversal benchmark still runs: its smoke size, end to end, not timed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_ADMIN_URL, require_postgres

BENCHMARK = Path(__file__).parents[1] / "benchmarks" / "bench_traversal.py"
pytestmark = pytest.mark.slow


def test_benchmark_small_runs_every_engine_and_reports_the_targets() -> None:
    require_postgres()
    env = {**os.environ, "THREADLINE_BENCH_PG": PG_ADMIN_URL, "COLUMNS": "250"}
    command = [sys.executable, str(BENCHMARK), "--small", "--reps", "1", "--slow-reps", "1"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "graph: 32,000 nodes, 35,391 edges"
    assert lines[1].startswith("SQLite store: bulk insert ")
    assert lines[2].startswith("PostgreSQL store: bulk insert ")
    header = next(line for line in lines if "threadline / floor" in line)
    for engine in ("threadline", "scipy CSR", "python set", "networkx", "SQLite CTE"):
        assert engine in header
    assert "PostgreSQL CTE" in header and "lineage()" in header
    verdicts = [line for line in lines if line.startswith(("PASS ", "FAIL "))]
    assert verdicts, done.stdout
