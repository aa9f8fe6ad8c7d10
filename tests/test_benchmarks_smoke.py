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
    assert lines[0] == "graph: 32,000 nodes, 35,391 edges (and 1,600 retired)"
    assert lines[1].startswith("SQLite store: bulk insert ")
    assert lines[2].startswith("PostgreSQL store: bulk insert ")
    header = next(line for line in lines if "threadline / floor" in line)
    for engine in ("threadline", "scipy CSR", "python set", "networkx", "SQLite CTE"):
        assert engine in header
    assert "PostgreSQL CTE" in header and "lineage()" in header
    verdicts = [line for line in lines if line.startswith(("PASS ", "FAIL "))]
    assert verdicts, done.stdout


def _run_small(script: str, *extra: str) -> list[str]:
    """Run a benchmark at its smoke size; return its output lines (it must succeed)."""
    env = {**os.environ, "THREADLINE_BENCH_PG": PG_ADMIN_URL, "COLUMNS": "250"}
    path = Path(__file__).parents[1] / "benchmarks" / script
    command = [sys.executable, str(path), "--small", *extra]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def _verdicts(lines: list[str], row: str) -> list[str]:
    return [line for line in lines if line.startswith((f"PASS  {row} ", f"FAIL  {row} "))]


def test_ingestion_benchmark_small_reports_both_endpoints_on_both_databases() -> None:
    require_postgres()
    lines = _run_small("bench_ingest.py", "--reps", "1")
    assert lines[0].startswith("events: 120 ")
    verdicts = _verdicts(lines, "6")
    assert len(verdicts) == 4, lines
    for database in ("SQLite", "PostgreSQL"):
        for mode in ("one event per POST", "batches of 200"):
            assert any(f"{database}, {mode}" in line for line in verdicts)
        per_transaction = f"INFO  {database}, one event per transaction"
        (split,) = [line for line in lines if line.startswith(per_transaction)]
        assert "log append alone" in split and "+ projection" in split, split
        served = f"INFO  {database}, one event per POST against the baseline served"
        assert any(line.startswith(served) for line in lines), lines
        clients = f"INFO  {database}, one event per POST from 8 clients at once: "
        assert any(line.startswith(clients) for line in lines), lines


def test_http_benchmark_small_sends_the_same_body_from_both_servers() -> None:
    lines = _run_small("bench_http.py", "--reps", "3")
    assert lines[0].startswith("graph: 16,000 nodes")
    assert len(_verdicts(lines, "3")) == 6  # p50 and p95 of three sizes


def test_index_benchmark_small_reports_memory_and_cold_start() -> None:
    lines = _run_small("bench_index.py", "--reps", "1")
    assert len(_verdicts(lines, "4")) == 1 and len(_verdicts(lines, "5")) == 1


def test_bench_all_small_prints_one_table_of_every_row() -> None:
    lines = _run_small("bench_all.py", "--only", "index")
    assert any("Threadline against same-run baselines" in line for line in lines)
    rows = {line.split()[1] for line in lines if line.startswith(("PASS  ", "FAIL  "))}
    assert rows == {"4", "5"}
