"""HTTP: the native lineage endpoint against a bare ASGI app on the same stack, same run.

A generated graph (``lineage_graph``) is bulk-inserted into a real SQLite store and served
by a real ``threadline`` server in its own process. Roots are chosen whose downstream
cones hold about 1k, 10k and 70k nodes; one keep-alive client asks
``GET /api/threadline/v1/lineage`` for each. The baseline is a bare ASGI app (no framework)
on the same uvicorn/httptools/uvloop stack, in its own process, that holds every node and
edge of those answers as pre-encoded JSON fragments and joins them per request into the
same body Threadline sends (sent in pieces, as Threadline sends its own, with no copy of
the whole into one buffer). Requests alternate between the two servers, so both see the
same noise; p50 and p95 are over ``--reps`` requests each. Targets: p50 <= 2x, p95 <= 3x.

    python benchmarks/bench_http.py            # 400k nodes, 480k edges
    python benchmarks/bench_http.py --small    # a smoke size (CI)
"""

from __future__ import annotations

import argparse
import gc
import pickle
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import numpy as np
import orjson
from rich.console import Console

from baselines import Baselines
from bench_ingest import free_port
from bench_report import Verdict, ms, print_verdicts, write_json
from bench_server import Served
from bulk_store import fill, ref_of, retired_edges
from lineage_graph import LineageGraph, generate
from threadline.settings import Settings
from threadline.store import Store

FULL, SMALL = (100_000, 300_000), (4_000, 12_000)
TARGETS = {"p50": 2.0, "p95": 3.0}


def pick_roots(g: LineageGraph, sizes: tuple[int, ...]) -> list[tuple[int, int]]:
    """Return (root, cone size) of sources whose downstream cones are closest to ``sizes``."""
    base = Baselines(g)
    rng = np.random.default_rng(3)
    sources = rng.choice(g.datasets // 3, 300, replace=False)
    cones = {int(s): base.scipy(int(s), True, 0) for s in sources}
    return [(r, cones[r]) for r in (min(cones, key=lambda s: abs(cones[s] - t)) for t in sizes)]


def path_for(g: LineageGraph, root: int, depth: int = 1000) -> str:
    """Return the request path of the downstream cone of a graph node (whole by default)."""
    query = urllib.parse.urlencode(
        {"node": ref_of(g, root), "direction": "downstream", "depth": depth, "limit": 1_000_000}
    )
    return f"/api/threadline/v1/lineage?{query}"


def fragments(body: bytes) -> tuple[bytes, list[bytes], list[bytes], bytes]:
    """Split an answer into (prefix, node JSON, edge JSON, suffix) fragments."""
    answer = orjson.loads(body)
    nodes = [orjson.dumps(n) for n in answer.pop("nodes")]
    edges = [orjson.dumps(e) for e in answer.pop("edges")]
    head = {k: answer[k] for k in ("root", "direction", "granularity", "asOf")}
    tail = {k: answer[k] for k in ("truncated", "truncatedReason")}
    prefix = orjson.dumps(head)[:-1] + b',"nodes":['
    suffix = b'],"truncated":' + orjson.dumps(tail["truncated"])
    suffix += b',"truncatedReason":' + orjson.dumps(tail["truncatedReason"]) + b"}"
    return prefix, nodes, edges, suffix


def timed(served: Served, path: str) -> tuple[float, bytes]:
    """Return the seconds one request took, and its body."""
    start = time.perf_counter()
    status, body = served.request("GET", path)
    elapsed = time.perf_counter() - start
    assert status == 200, (status, body[:300])
    return elapsed, body


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a small graph (smoke run)")
    parser.add_argument("--reps", type=int, default=40, help="requests per size and server")
    parser.add_argument("--json-out", help="write the verdicts to this file")
    return parser.parse_args()


def main() -> int:
    """Run the benchmark; print the verdicts; return 0 (targets are reported, not enforced)."""
    args = parse_args()
    console = Console(width=200)
    g = generate(*(SMALL if args.small else FULL))
    sizes = (100, 1_000, 3_000) if args.small else (1_000, 10_000, 70_000)
    roots = pick_roots(g, sizes)
    console.print(
        f"graph: {g.nodes:,} nodes, {g.src.size:,} edges (and {retired_edges(g):,} retired)"
        f"; cones {[c for _r, c in roots]}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/http.db"
        store = Store(Settings(database_url=url, sqlite_synchronous="OFF"))
        store.upgrade()
        console.print(f"SQLite store: bulk insert {fill(store, g):.1f} s")
        store.close()
        mine = Served("threadline", url, free_port())
        try:
            verdicts = compare(console, g, roots, mine, Path(tmp), args.reps)
        finally:
            mine.close()
    print_verdicts(console, f"HTTP lineage endpoint, {args.reps} requests per size", verdicts)
    write_json(args.json_out, verdicts)
    return 0


def compare(
    console: Console,
    g: LineageGraph,
    roots: list[tuple[int, int]],
    mine: Served,
    tmp: Path,
    reps: int,
) -> list[Verdict]:
    """Time both servers on every root, alternating requests; return the verdicts."""
    paths = [path_for(g, root) for root, _size in roots]
    bodies = {str(i): fragments(timed(mine, p)[1]) for i, p in enumerate(paths)}
    table = tmp / "bodies.pickle"
    table.write_bytes(pickle.dumps(bodies))
    bare = Served("bare", str(table), free_port())
    verdicts = []
    try:
        gc.collect()
        for i, (path, (_root, _size)) in enumerate(zip(paths, roots, strict=True)):
            expected = timed(mine, path)[1]
            nodes = len(bodies[str(i)][1])
            assert timed(bare, f"/{i}")[1] == expected, "the baseline must send the same body"
            times: dict[str, list[float]] = {"threadline": [], "bare": []}
            for _ in range(reps):
                times["threadline"].append(timed(mine, path)[0])
                times["bare"].append(timed(bare, f"/{i}")[0])
            if i == 0:
                fixed_cost(console, mine, path_for(g, roots[0][0], depth=0), times["bare"], reps)
            for q, name in ((50, "p50"), (95, "p95")):
                t, b = percentile(times["threadline"], q), percentile(times["bare"], q)
                ratio = t / b
                what = f"HTTP lineage, {nodes:,} nodes, {name} ({len(expected) / 1e6:.1f} MB)"
                target = TARGETS[name]
                verdicts.append(
                    Verdict("3", what, ms(t), ms(b), ratio, f"<= {target:g}x", ratio <= target)
                )
    finally:
        bare.close()
    return verdicts


def fixed_cost(console: Console, mine: Served, path: str, bare: list[float], reps: int) -> None:
    """Print what an answer of the root alone costs against the bare app's smallest answer.

    What a request costs whatever its answer's size (the framework, the thread hop, the read
    snapshot, the root's lookup) is a floor under every ratio of row 3: this prints it.
    """
    alone = [timed(mine, path)[0] for _ in range(reps)]
    t, b = percentile(alone, 50), percentile(bare, 50)
    console.print(
        f"INFO  the root alone (depth 0), p50 {ms(t)}: {t / b:.2f}x the bare app's smallest "
        f"answer above ({ms(b)}), the cost of a request whatever its answer's size"
    )


if __name__ == "__main__":
    sys.exit(main())
