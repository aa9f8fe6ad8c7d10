"""The lineage index: memory per edge, and cold start against loading a scipy CSR, same run.

The generated graph (``lineage_graph``: 824k nodes, 1.0M edges) is bulk-inserted into a real
SQLite store. Then, each ``--reps`` times:

- cold start: a new ``LineageService`` on the store loads its index with the real loader
  and answers a first lineage request (ids, depths, edges and every node's JSON);
- the baseline reads the same current edges from the same database through the bare
  driver into numpy, builds a scipy CSR for each direction and answers the same traversal
  with scipy's BFS.

Memory is what the loaded index retains (traced by ``tracemalloc``, which sees numpy's
buffers too) per edge; the target is a ceiling, 64 bytes per edge, and the CSR's own
bytes per edge are shown beside it. Targets: cold start <= 2x, memory <= 64 B/edge.

    python benchmarks/bench_index.py            # 824k nodes, 1.0M edges
    python benchmarks/bench_index.py --small    # a smoke size (CI)
"""

from __future__ import annotations

import argparse
import gc
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
from rich.console import Console
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order

from bench_http import pick_roots
from bench_report import Verdict, ms, print_verdicts, write_json
from bulk_store import fill, ref_of, retired_edges
from lineage_graph import generate
from threadline.queries.options import QueryOptions
from threadline.service import LineageService
from threadline.settings import Settings
from threadline.store import Store

FULL, SMALL = (206_000, 618_000), (8_000, 24_000)
COLD_TARGET, BYTES_TARGET = 2.0, 64.0


def csr_cold_start(path: Path, root: int) -> tuple[float, int, int]:
    """Load current edges into CSRs (both directions), traverse; return (s, nodes, bytes)."""
    start = time.perf_counter()
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT src, dst FROM edges WHERE valid_to_us IS NULL").fetchall()
    conn.close()
    pairs = np.array(rows, dtype=np.int32).reshape(-1, 2)
    n = int(pairs.max()) + 1 if pairs.size else 1
    ones = np.ones(pairs.shape[0], dtype=np.int8)
    down = csr_matrix((ones, (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    up = down.T.tocsr()
    reached = breadth_first_order(down, root, directed=True, return_predecessors=False)
    elapsed = time.perf_counter() - start
    size = sum(m.data.nbytes + m.indices.nbytes + m.indptr.nbytes for m in (down, up))
    return elapsed, int(reached.size), size


def threadline_cold_start(store: Store, ref: str) -> tuple[float, int]:
    """Start a service on the store, load its index, answer once; return (s, nodes)."""
    start = time.perf_counter()
    service = LineageService(store, store.settings)
    service.index.refresh()
    pieces = service.lineage_encoded(ref, QueryOptions("downstream", 1000, limit=1_000_000))
    elapsed = time.perf_counter() - start
    assert pieces is not None
    return elapsed, b"".join(pieces).count(b'"depth":')


def retained_bytes(store: Store) -> tuple[int, int]:
    """Return (bytes a freshly loaded index retains, its edge count)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    service = LineageService(store, store.settings)
    state = service.index.refresh()
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    edges = state.entity.edge_count + state.column.edge_count + state.version.edge_count
    return after - before, edges


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a small graph (smoke run)")
    parser.add_argument("--reps", type=int, default=3, help="cold starts per side (median)")
    parser.add_argument("--json-out", help="write the verdicts to this file")
    return parser.parse_args()


def main() -> int:
    """Run the benchmark; print the verdicts; return 0 (targets are reported, not enforced)."""
    args = parse_args()
    console = Console(width=200)
    g = generate(*(SMALL if args.small else FULL))
    console.print(
        f"graph: {g.nodes:,} nodes, {g.src.size:,} edges (and {retired_edges(g):,} retired)"
    )
    root = pick_roots(g, (1_000,))[0][0]  # a first answer of about 1k nodes
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.db"
        store = Store(Settings(database_url=f"sqlite:///{path}", sqlite_synchronous="OFF"))
        store.upgrade()
        console.print(f"SQLite store: bulk insert {fill(store, g):.1f} s")
        mine, base = [], []
        for _ in range(args.reps):
            seconds, csr_nodes, csr_bytes = csr_cold_start(path, root + 1)
            base.append(seconds)
            seconds, nodes = threadline_cold_start(store, ref_of(g, root))
            mine.append(seconds)
            assert nodes == csr_nodes, (nodes, csr_nodes)
        retained, edges = retained_bytes(store)
        store.close()
    t, b = statistics.median(mine), statistics.median(base)
    per_edge, csr_per_edge = retained / edges, csr_bytes / g.src.size
    verdicts = [
        Verdict(
            "5",
            f"cold start to a first answer ({nodes:,} nodes), {g.src.size:,} current edges "
            f"and {retired_edges(g):,} retired",
            ms(t),
            ms(b),
            t / b,
            f"<= {COLD_TARGET:g}x",
            t / b <= COLD_TARGET,
        ),
        Verdict(
            "4",
            "index memory per edge (scipy CSR, both directions, for scale)",
            f"{per_edge:.0f} B/edge",
            f"{csr_per_edge:.0f} B/edge",
            per_edge / csr_per_edge,
            f"<= {BYTES_TARGET:g} B/edge",
            per_edge <= BYTES_TARGET,
        ),
    ]
    print_verdicts(console, f"lineage index, median of {args.reps} cold starts", verdicts)
    write_json(args.json_out, verdicts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
