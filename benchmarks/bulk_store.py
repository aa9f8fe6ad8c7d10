"""Fill a Threadline store's projection tables with a generated graph, by bulk insert.

Ingesting a million edges as OpenLineage events would take far longer than the queries
(``bench_ingest`` measures that path), and the benchmark is about queries: so the rows the
events would have projected (namespaces, nodes, datasets, jobs, current input and output
edges, and some retired ones) are inserted directly, in the store's own tables, and the
lineage index is then loaded by its real loader. Graph node ``i`` is store node ``i + 1``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Table

from lineage_graph import DOMAINS, LineageGraph
from threadline.store import Store
from threadline.store.codec import ident
from threadline.store.tables import datasets, edges, jobs, namespaces, nodes

CHUNK = 20_000
T0 = 1_709_251_200_000_000  # 2024-03-01T00:00Z in microseconds
RUN = "00000000-0000-4000-8000-000000000000"
MONTH_US = 30 * 86_400_000_000


def ref_of(g: LineageGraph, node: int) -> str:
    """Return the reference of graph node ``node`` (a dataset or a job)."""
    namespace, name = _name(g, node)
    kind = "dataset" if node < g.datasets else "job"
    return f"{kind}:{namespace}:{name}"


def _name(g: LineageGraph, node: int) -> tuple[str, str]:
    if node < g.datasets:
        return f"postgres://db{node % DOMAINS}:5432", f"shop.table_{node}"
    job = node - g.datasets
    return f"domain{job % DOMAINS}", f"job_{job}"


def _namespace_rows(g: LineageGraph) -> list[dict[str, Any]]:
    names = [f"postgres://db{k}:5432" for k in range(DOMAINS)]
    names += [f"domain{k}" for k in range(DOMAINS)]
    return [
        {"id": i + 1, "ident": ident(n), "name": n, "created_us": T0, "updated_us": T0}
        for i, n in enumerate(names)
    ]


def _entity_rows(g: LineageGraph, spaces: dict[str, int]) -> Iterator[dict[str, Any]]:
    for node in range(g.nodes):
        namespace, name = _name(g, node)
        yield {
            "id": node + 1,
            "ident": ident(namespace, name),
            "namespace": namespace,
            "name": name,
            "namespace_id": spaces[namespace],
            "created_us": T0,
            "updated_us": T0,
        }


def _edge_rows(g: LineageGraph) -> Iterator[dict[str, Any]]:
    """Yield the graph's current edges, then some retired ones, at realistic times.

    A job's edges were first seen at its first run (jobs ran a minute apart), and every
    fifth job once read another dataset until a newer version of the job stopped: that edge
    is retired, as a store that has seen jobs change holds such edges.
    """
    for src, dst in zip(g.src.tolist(), g.dst.tolist(), strict=True):
        reads = src < g.datasets
        job = dst if reads else src  # the job that asserts the edge
        yield _edge(src, dst, "input" if reads else "output", job, _first_run(g, job), None)
    for job in _changed_jobs(g):
        changed = _first_run(g, job)
        yield _edge((job * 13) % g.datasets, job, "input", job, changed - MONTH_US, changed)


def _changed_jobs(g: LineageGraph) -> range:
    return range(g.datasets, g.nodes, 5)


def retired_edges(g: LineageGraph) -> int:
    """Return how many retired edges ``fill`` inserts besides the graph's current ones."""
    return len(_changed_jobs(g))


def _first_run(g: LineageGraph, job: int) -> int:
    return T0 + (job - g.datasets) * 60_000_000


def _edge(
    src: int, dst: int, kind: str, job: int, seen: int, retired: int | None
) -> dict[str, Any]:
    return {
        "src": src + 1,
        "dst": dst + 1,
        "kind": kind,
        "asserter": job + 1,
        "valid_from_us": seen,
        "from_run": RUN,
        "valid_to_us": retired,
        "to_run": None if retired is None else RUN,
    }


def _insert(conn: Connection, table: Table, rows: Iterator[dict[str, Any]] | list[Any]) -> None:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            conn.execute(table.insert(), chunk)
            chunk = []
    if chunk:
        conn.execute(table.insert(), chunk)


def fill(store: Store, g: LineageGraph) -> float:
    """Insert the graph's projection rows into a migrated, empty store; return the seconds."""
    start = time.perf_counter()
    spaces = _namespace_rows(g)
    by_name = {row["name"]: row["id"] for row in spaces}
    entities = list(_entity_rows(g, by_name))
    with store.write() as conn:
        _insert(conn, namespaces, spaces)
        _insert(conn, nodes, ({"id": n + 1, "kind": _kind(g, n)} for n in range(g.nodes)))
        _insert(conn, datasets, entities[: g.datasets])
        _insert(conn, jobs, entities[g.datasets :])
        _insert(conn, edges, _edge_rows(g))
    with store.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    return time.perf_counter() - start


def _kind(g: LineageGraph, node: int) -> str:
    return "dataset" if node < g.datasets else "job"
