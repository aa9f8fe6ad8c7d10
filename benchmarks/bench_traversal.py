"""Traversal: Threadline against the floor, networkx and SQL recursive CTEs, side by side.

The generated graph (``lineage_graph.generate``: 824k nodes, 1.0M edges) is bulk-inserted
into a real Threadline store (SQLite, and PostgreSQL when reachable), the lineage index is
loaded from it by the real loader, and the same queries then run on every engine in this
one run:

- ``threadline``: the public traversal (``queries.lineage.reach``) over that index, ids and
  depths only, as the other engines answer;
- ``lineage()``: the whole answer of ``LineageService.lineage`` (resolve, traverse, hydrate
  every node from the database, edges), for reference;
- the floor, min(scipy CSR BFS, plain-Python set BFS), networkx, and a recursive CTE over
  Threadline's own ``edges`` table in SQLite and PostgreSQL.

Each figure is the median of repeated runs. The targets are checked and printed at the end:
within 2x of the floor for results of 1,000 nodes or more, and at least 20x faster than the
fastest CTE on large results (100,000 nodes or more: the 150k-node cone class of the
performance table). For mid-size results (10,000 to 100,000 nodes) the speed-up is printed
beside the floor's own (CTE / floor): where the floor itself is under 20x, so is any engine
that does not beat the floor by the difference.

    python benchmarks/bench_traversal.py            # 824k nodes, 1.0M edges
    python benchmarks/bench_traversal.py --small    # a smoke size (CI)
"""

from __future__ import annotations

import argparse
import functools
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from baselines import Baselines
from bench_report import Verdict, write_json
from bulk_store import retired_edges
from lineage_graph import LineageGraph, generate
from threadline_engine import ThreadlineEngine, postgres_store, store_cte

Query = tuple[str, int, bool, int]  # name, graph root, downstream, max depth (0 = unlimited)
FLOOR_TARGET, FLOOR_FROM = 2.0, 1_000
CTE_TARGET, CTE_FROM, CTE_MID_FROM = 20.0, 100_000, 10_000
FULL = (206_000, 618_000)
SMALL = (8_000, 24_000)


def median(fn: Callable[[], Any], reps: int) -> tuple[float, Any]:
    """Run once to warm up, then ``reps`` times; return the median seconds and the result."""
    result = fn()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def pick_queries(base: Baselines, g: LineageGraph, rng: np.random.Generator) -> list[Query]:
    """Choose roots: the biggest source cone, a deep sink, and ~1k and ~10k cones."""
    sources = rng.choice(g.datasets // 3, 400, replace=False)
    sizes = {int(s): base.scipy(int(s), True, 0) for s in sources}
    top = max(sizes, key=lambda s: sizes[s])
    sink = int(g.dst.max())  # the last dataset written: deep in the top layer

    def closest(target: int) -> int:
        return min(sizes, key=lambda s: abs(sizes[s] - target))

    return [
        ("downstream of a hub source", top, True, 0),
        ("the same, depth 5", top, True, 5),
        ("the same, depth 10", top, True, 10),
        ("upstream of a sink", sink, False, 0),
        ("the same, depth 5", sink, False, 5),
        ("a ~1k-node cone", closest(1_000), True, 0),
        ("a ~10k-node cone", closest(10_000), True, 0),
    ]


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a small graph (smoke run)")
    parser.add_argument("--reps", type=int, default=7, help="timed runs per fast engine")
    parser.add_argument("--slow-reps", type=int, default=3, help="timed runs per slow engine")
    parser.add_argument("--no-postgres", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--json-out", help="write the verdicts (rows 1-2) to this file")
    return parser.parse_args()


def main() -> int:
    """Run the benchmark; return 0 (the targets are reported, not enforced)."""
    args = parse_args()
    console = Console(width=200)
    g = generate(*(SMALL if args.small else FULL))
    console.print(
        f"graph: {g.nodes:,} nodes, {g.src.size:,} edges (and {retired_edges(g):,} retired)"
    )
    if not args.small:
        assert g.nodes >= 800_000 and g.src.size >= 1_000_000, "the graph is below size"
    base = Baselines(g)
    with tempfile.TemporaryDirectory() as tmp:
        engine = ThreadlineEngine.on_sqlite(g, Path(tmp) / "bench.db")
        console.print(engine.describe())
        ctes = {"SQLite CTE": store_cte(engine.store)}
        pg = None if args.no_postgres else postgres_store(g)
        try:
            if pg is not None:
                console.print(pg.describe())
                ctes["PostgreSQL CTE"] = store_cte(pg.store)
            else:
                console.print("PostgreSQL: not reachable or skipped; its column is left out")
            # As the server does after start-up: long-lived objects leave the collector's
            # passes, so a query's garbage collection does not walk the whole heap.
            gc.freeze()
            rows = run(base, engine, ctes, g, args)
        finally:
            if pg is not None:
                pg.close()
            engine.close()
    report(console, rows, list(ctes))
    write_json(args.json_out, verdicts_of(rows, list(ctes)))
    return 0


def run(
    base: Baselines,
    engine: ThreadlineEngine,
    ctes: dict[str, Callable[[int, bool, int], int]],
    g: LineageGraph,
    args: argparse.Namespace,
) -> list[dict[str, Any]]:
    """Time every query on every engine; check they agree on the result size."""
    rows = []
    for name, root, down, depth in pick_queries(base, g, np.random.default_rng(11)):
        fast = {
            "threadline": functools.partial(engine.reach_ids, root, down, depth),
            "scipy CSR": functools.partial(base.scipy, root, down, depth),
            "python set": functools.partial(base.python, root, down, depth),
        }
        slow = {
            "lineage()": functools.partial(engine.lineage_nodes, root, down, depth),
            "networkx": functools.partial(base.networkx, root, down, depth),
            **{k: functools.partial(fn, root + 1, down, depth) for k, fn in ctes.items()},
        }
        timings: dict[str, float] = {}
        sizes = set()
        for engines, reps in ((fast, args.reps), (slow, args.slow_reps)):
            for engine_name, fn in engines.items():
                timings[engine_name], size = median(fn, reps)
                sizes.add(size)
        assert len(sizes) == 1, f"engines disagree on {name}: {sizes}"
        rows.append({"query": name, "nodes": sizes.pop(), **timings})
    return rows


def report(console: Console, rows: list[dict[str, Any]], ctes: list[str]) -> None:
    """Print the timings and the verdict on each target."""
    engines = ["threadline", "scipy CSR", "python set", "networkx", *ctes, "lineage()"]
    table = Table(title="traversal, median of runs (warm)")
    ratios = ["threadline / floor", "CTE / threadline", "CTE / floor"]
    for column in ["query", "nodes", *engines, *ratios]:
        table.add_column(column, justify="right")
    verdicts: list[tuple[dict[str, Any], str, str, bool | None]] = []
    for row in rows:
        floor = min(row["scipy CSR"], row["python set"])
        to_floor = row["threadline"] / floor
        cte = min(row[k] for k in ctes)
        speedup = cte / row["threadline"]
        table.add_row(
            row["query"],
            f"{row['nodes']:,}",
            *(_ms(row[e]) for e in engines),
            f"{to_floor:.2f}x",
            f"{speedup:.0f}x",
            f"{cte / floor:.0f}x",
        )
        if row["nodes"] >= FLOOR_FROM:
            ok = to_floor <= FLOOR_TARGET
            verdicts.append((row, f"within {FLOOR_TARGET:g}x of the floor", f"{to_floor:.2f}x", ok))
        else:  # small answers may take 20 µs on top of 2x the floor
            extra = row["threadline"] - FLOOR_TARGET * floor
            ok = extra <= 20e-6
            value = f"{to_floor:.2f}x ({max(extra, 0) * 1e6:.0f} µs over 2x)"
            verdicts.append((row, f"within {FLOOR_TARGET:g}x + 20 µs of the floor", value, ok))
        if row["nodes"] >= CTE_FROM:
            ok = speedup >= CTE_TARGET
            verdicts.append((row, f">= {CTE_TARGET:g}x faster than the CTE", f"{speedup:.0f}x", ok))
        elif row["nodes"] >= CTE_MID_FROM:
            value = f"{speedup:.0f}x (the floor: {cte / floor:.0f}x)"
            verdicts.append((row, "mid-size, faster than the CTE", value, None))
    console.print(table)
    for row, target, value, ok in verdicts:
        mark = "INFO" if ok is None else "PASS" if ok else "FAIL"
        console.print(f"{mark}  {row['query']} ({row['nodes']:,} nodes): {target}: {value}")


def verdicts_of(rows: list[dict[str, Any]], ctes: list[str]) -> list[Verdict]:
    """Return rows 1 (Threadline / floor) and 2 (fastest CTE / Threadline) of the issue."""
    out = []
    for row in rows:
        floor = min(row["scipy CSR"], row["python set"])
        what = f"traversal, {row['query']} ({row['nodes']:,} nodes)"
        ratio = row["threadline"] / floor
        # Under 1k nodes the target allows 20 µs on top of 2x the floor.
        allowed = FLOOR_TARGET + (0 if row["nodes"] >= FLOOR_FROM else 20e-6 / floor)
        target = "<= 2x" if row["nodes"] >= FLOOR_FROM else "<= 2x + 20 µs"
        out.append(
            Verdict("1", what, _ms(row["threadline"]), _ms(floor), ratio, target, ratio <= allowed)
        )
    for row in rows:
        cte = min(row[k] for k in ctes)
        speedup, nx = cte / row["threadline"], row["networkx"] / row["threadline"]
        what = f"{row['query']}: {speedup:.0f}x faster than the CTE, {nx:.0f}x than networkx"
        out.append(
            Verdict(
                "2",
                what,
                _ms(row["threadline"]),
                _ms(cte),
                row["threadline"] / cte,
                "report",
                True,
            )
        )
    return out


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms" if seconds < 1 else f"{seconds:.2f} s"


if __name__ == "__main__":
    sys.exit(main())
