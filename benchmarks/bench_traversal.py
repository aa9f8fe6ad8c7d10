"""Traversal: Threadline's index against the floor, networkx and SQL recursive CTEs, side by side.

Every engine answers the same queries on the same generated graph in this one run; each
figure is the median of repeated runs, and Threadline's is reported as a ratio to the
floor, min(scipy CSR BFS, plain-Python set BFS), measured in the same run.

    python benchmarks/bench_traversal.py            # 808k nodes, 1M edges
    python benchmarks/bench_traversal.py --small    # a smoke size for CI
"""

from __future__ import annotations

import argparse
import functools
import gc
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from rich.console import Console
from rich.table import Table
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order

from lineage_graph import LineageGraph, generate
from threadline.index.graph import OPEN, Base, Graph
from threadline.index.traverse import bfs

Query = tuple[str, int, bool, int]  # name, root, downstream, max depth (0 = unlimited)
UNLIMITED = 10**6


def _median(fn: Callable[[], Any], reps: int) -> tuple[float, Any]:
    result = fn()  # warm-up
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


class Engines:
    """Every engine built over the same edges."""

    def __init__(self, g: LineageGraph) -> None:
        n = g.nodes
        ones = np.ones(g.src.size, dtype=np.int8)
        self.fwd = csr_matrix((ones, (g.src, g.dst)), shape=(n, n))
        self.rev = self.fwd.T.tocsr()
        self.out_lists: list[list[int]] = [[] for _ in range(n)]
        self.in_lists: list[list[int]] = [[] for _ in range(n)]
        for s, d in zip(g.src.tolist(), g.dst.tolist(), strict=True):
            self.out_lists[s].append(d)
            self.in_lists[d].append(s)
        arrays = {
            "src": g.src,
            "dst": g.dst,
            "kind": np.ones(g.src.size, dtype=np.int64),
            "vfrom": np.zeros(g.src.size, dtype=np.int64),
            "vto": np.full(g.src.size, OPEN, dtype=np.int64),
            "group": g.src % 1000,
        }
        self.threadline = Graph.from_base(Base.build(None, n, arrays))
        self.bytes_per_edge = self.threadline.base.nbytes / g.src.size
        self.nx = nx.DiGraph()
        self.nx.add_edges_from(zip(g.src.tolist(), g.dst.tolist(), strict=True))
        gc.freeze()

    def threadline_ids(self, root: int, down: bool, depth: int) -> int:
        reach = bfs(
            self.threadline,
            [root],
            down=down,
            max_depth=depth or UNLIMITED,
            limit=10**9,
            collect_edges=False,
            parents=False,
        )
        return int(reach.nodes.size)

    def scipy(self, root: int, down: bool, depth: int) -> int:
        matrix = self.fwd if down else self.rev
        if not depth:
            return int(
                breadth_first_order(matrix, root, directed=True, return_predecessors=False).size
            )
        seen = np.zeros(matrix.shape[0], dtype=np.bool_)
        seen[root] = True
        frontier = np.array([root])
        ptr, indices = matrix.indptr, matrix.indices
        for _ in range(depth):
            starts, counts = ptr[frontier], ptr[frontier + 1] - ptr[frontier]
            total = int(counts.sum())
            offsets = np.repeat(starts - (np.cumsum(counts) - counts), counts)
            nxt = np.unique(indices[np.arange(total) + offsets])
            nxt = nxt[~seen[nxt]]
            if not nxt.size:
                break
            seen[nxt] = True
            frontier = nxt
        return int(seen.sum())

    def python(self, root: int, down: bool, depth: int) -> int:
        lists = self.out_lists if down else self.in_lists
        seen, frontier, level = {root}, [root], 0
        while frontier and (not depth or level < depth):
            level += 1
            nxt = []
            for u in frontier:
                for v in lists[u]:
                    if v not in seen:
                        seen.add(v)
                        nxt.append(v)
            frontier = nxt
        return len(seen)

    def networkx(self, root: int, down: bool, depth: int) -> int:
        graph = self.nx if down else self.nx.reverse(copy=False)
        if not depth:
            return len(nx.descendants(graph, root)) + 1
        return len(nx.single_source_shortest_path_length(graph, root, cutoff=depth))


def sql_engine(
    g: LineageGraph, connect: Callable[[], Any], placeholder: str
) -> Callable[[int, bool, int], int]:
    """Load the edges into a table with covering indexes; return a recursive-CTE query."""
    conn = connect()
    cur = conn.cursor()
    cur.execute("DROP TABLE IF EXISTS bench_edges")
    cur.execute("CREATE TABLE bench_edges (src INTEGER NOT NULL, dst INTEGER NOT NULL)")
    rows = list(zip(g.src.tolist(), g.dst.tolist(), strict=True))
    cur.executemany(f"INSERT INTO bench_edges VALUES ({placeholder}, {placeholder})", rows)
    cur.execute("CREATE INDEX bench_fwd ON bench_edges (src, dst)")
    cur.execute("CREATE INDEX bench_rev ON bench_edges (dst, src)")
    conn.commit()
    cur.execute("ANALYZE bench_edges" if placeholder == "%s" else "ANALYZE")

    start = f"CAST({placeholder} AS INTEGER)"

    def query(root: int, down: bool, depth: int) -> int:
        a, b = ("src", "dst") if down else ("dst", "src")
        if not depth:  # UNION is the visited set
            sql = (
                f"WITH RECURSIVE r(n) AS (SELECT {start} UNION SELECT e.{b} "
                f"FROM bench_edges e JOIN r ON e.{a} = r.n) SELECT count(*) FROM r"
            )
            cur.execute(sql, (root,))
        else:
            sql = (
                f"WITH RECURSIVE r(n, d) AS (SELECT {start}, 0 UNION SELECT e.{b}, r.d + 1 "
                f"FROM bench_edges e JOIN r ON e.{a} = r.n WHERE r.d < {placeholder}) "
                "SELECT count(DISTINCT n) FROM r"
            )
            cur.execute(sql, (root, depth))
        return int(cur.fetchone()[0])

    return query


def pick_queries(engines: Engines, g: LineageGraph, rng: np.random.Generator) -> list[Query]:
    """Choose roots as the reference benchmark does: top source, sink, ~1k and ~10k cones."""
    sources = rng.choice(g.datasets // 3, 400, replace=False)
    sizes = {int(s): engines.scipy(int(s), True, 0) for s in sources}
    top = max(sizes, key=lambda s: sizes[s])
    sink = int(g.dst.max())  # the last dataset written: deep in the top layer

    def closest(target: int) -> int:
        return min(sizes, key=lambda s: abs(sizes[s] - target))

    return [
        ("desc_top_inf", top, True, 0),
        ("desc_top_d5", top, True, 5),
        ("desc_top_d10", top, True, 10),
        ("anc_bot_inf", sink, False, 0),
        ("anc_bot_d5", sink, False, 5),
        ("desc_1k_inf", closest(1_000), True, 0),
        ("desc_10k_inf", closest(10_000), True, 0),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="a small graph (CI smoke run)")
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--no-sql", action="store_true", help="skip the SQL engines")
    args = parser.parse_args()
    jobs, datasets = (8_000, 24_000) if args.small else (202_000, 606_000)
    g = generate(jobs, datasets)
    console = Console(width=220)
    console.print(f"graph: {g.nodes:,} nodes, {g.src.size:,} edges")
    engines = Engines(g)
    sql: dict[str, Callable[[int, bool, int], int]] = {}
    if not args.no_sql:
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "bench.db"
            sql["sqlite CTE"] = sql_engine(g, lambda: sqlite3.connect(db), "?")
            pg = _postgres(g)
            if pg is not None:
                sql["postgres CTE"] = pg
            _run(console, engines, g, sql, args.reps)
    else:
        _run(console, engines, g, sql, args.reps)


def _postgres(g: LineageGraph) -> Callable[[int, bool, int], int] | None:
    dsn = os.environ.get("THREADLINE_BENCH_PG", "host=127.0.0.1 user=postgres dbname=postgres")
    try:
        import psycopg

        psycopg.connect(dsn, connect_timeout=3).close()
    except Exception:  # no PostgreSQL here: the column is left out, and the table says so
        return None
    return sql_engine(g, lambda: psycopg.connect(dsn), "%s")


def _run(
    console: Console,
    engines: Engines,
    g: LineageGraph,
    sql: dict[str, Callable[[int, bool, int], int]],
    reps: int,
) -> None:
    queries = pick_queries(engines, g, np.random.default_rng(11))
    table = Table(title="traversal, median of runs (ids only, warm)")
    names = ["threadline", "scipy CSR", "python set", "networkx", *sql]
    for column in ["query", "nodes", *names, "floor", "threadline / floor", "CTE / threadline"]:
        table.add_column(column, justify="right")
    for name, root, down, depth in queries:
        timings: dict[str, float] = {}
        sizes = set()
        for engine, fn in (
            ("threadline", engines.threadline_ids),
            ("scipy CSR", engines.scipy),
            ("python set", engines.python),
            ("networkx", engines.networkx),
            *sql.items(),
        ):
            slow = engine not in ("threadline", "scipy CSR", "python set")
            timings[engine], size = _median(
                functools.partial(fn, root, down, depth), 3 if slow else reps
            )
            sizes.add(size)
        assert len(sizes) == 1, f"engines disagree on {name}: {sizes}"
        floor = min(timings["scipy CSR"], timings["python set"])
        cte = min((timings[k] for k in sql), default=float("nan"))
        table.add_row(
            name,
            f"{sizes.pop():,}",
            *(_ms(timings[n]) for n in names),
            _ms(floor),
            f"{timings['threadline'] / floor:.2f}x",
            f"{cte / timings['threadline']:.0f}x",
        )
    console.print(table)
    console.print(f"index memory: {engines.bytes_per_edge:.1f} bytes per edge")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms" if seconds < 1 else f"{seconds:.2f} s"


if __name__ == "__main__":
    main()
