"""Impact analysis: everything downstream, grouped by kind, with severity and owners to notify.

Severity rule (documented in the README):

- ``critical``: serving endpoints and prediction sets — decisions are already being made
  from the affected data;
- ``high``: models, and datasets at most two edges away (derived directly from it);
- ``medium``: other datasets within six edges, and the jobs that read the node directly;
- ``low``: everything further away.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, select

from threadline.index import IndexState
from threadline.index.traverse import bfs
from threadline.model import NodeInfo, Resolved
from threadline.queries.lineage import describe, start_for
from threadline.queries.options import QueryOptions
from threadline.store.codec import loads
from threadline.store.tables import dataset_facets, job_facets

GROUPS = ("datasets", "jobs", "models", "endpoints", "predictions")
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


@dataclass(frozen=True, slots=True)
class Impacted:
    """One node downstream of the changed one, and why."""

    ref: str
    kind: str
    distance: int
    severity: str
    path: tuple[str, ...]
    owners: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ImpactResult:
    """Everything downstream of a node, grouped, with owners to notify."""

    root: str
    as_of: int | None
    groups: dict[str, tuple[Impacted, ...]]
    notify: tuple[dict[str, Any], ...]
    truncated: bool
    truncated_reason: str | None


def category(info: NodeInfo) -> str:
    """Return the impact group of a node."""
    if info.type in ("job", "run"):
        return "jobs"
    return {"model": "models", "endpoint": "endpoints", "predictions": "predictions"}.get(
        info.kind, "datasets"
    )


def severity(group: str, distance: int) -> str:
    """Return the severity of an impacted node by the documented rule."""
    if group in ("endpoints", "predictions"):
        return "critical"
    if group == "models" or (group == "datasets" and distance <= 2):
        return "high"
    if (group == "datasets" and distance <= 6) or (group == "jobs" and distance <= 1):
        return "medium"
    return "low"


def owners_of(conn: Connection, level: str, nodes: list[int]) -> dict[int, tuple[str, ...]]:
    """Return the owners named by each node's ``ownership`` facet."""
    if level == "version":
        return {}
    ids = sorted(set(nodes))
    found: dict[int, tuple[str, ...]] = {}
    for table, key in ((dataset_facets, "dataset_id"), (job_facets, "job_id")):
        c = table.c
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            for row in conn.execute(
                select(c[key].label("node"), c.facet).where(
                    c[key].in_(chunk), c.name == "ownership", c.deleted.is_(False)
                )
            ):
                owners = loads(row.facet).get("owners") or []
                names = tuple(str(o.get("name")) for o in owners if isinstance(o, dict))
                found[int(row.node)] = names
    return found


def impact(conn: Connection, state: IndexState, root: Resolved, opts: QueryOptions) -> ImpactResult:
    """Find everything downstream of ``root`` and who should hear about it."""
    opts = replace(opts, direction="downstream")
    start = start_for(conn, state, root, opts)
    found = bfs(
        start.graph,
        start.roots,
        down=True,
        max_depth=opts.depth,
        as_of=opts.as_of,
        blocked=start.blocked,
        limit=opts.limit,
        deadline=time.monotonic() + opts.budget_ms / 1000,
        collect_edges=False,
    )
    nodes = found.nodes.tolist()
    parents = dict(zip(nodes, found.parents.tolist(), strict=True))
    depths = dict(zip(nodes, found.depths.tolist(), strict=True))
    info = describe(conn, start.level, nodes)
    owners = owners_of(conn, start.level, nodes)
    grouped: dict[str, list[Impacted]] = {g: [] for g in GROUPS}
    notify: dict[str, dict[str, Any]] = {}
    for node in nodes:
        if depths[node] == 0 or node not in info:
            continue
        i = info[node]
        if opts.kinds and i.type not in opts.kinds and i.kind not in opts.kinds:
            continue
        if opts.namespaces and i.namespace not in opts.namespaces:
            continue
        group = category(i)
        level = severity(group, depths[node])
        chain, step = [], node
        while step != -1:
            chain.append(info[step].ref if step in info else str(step))
            step = parents[step]
        hit = Impacted(
            i.ref, i.kind, depths[node], level, tuple(reversed(chain)), owners.get(node, ())
        )
        grouped[group].append(hit)
        for owner in hit.owners:
            entry = notify.setdefault(owner, {"owner": owner, "severity": level, "nodes": []})
            entry["nodes"].append(i.ref)
            if SEVERITY_ORDER[level] < SEVERITY_ORDER[entry["severity"]]:
                entry["severity"] = level
    ordered = {
        g: tuple(sorted(items, key=lambda x: (SEVERITY_ORDER[x.severity], x.distance, x.ref)))
        for g, items in grouped.items()
    }
    to_notify = tuple(
        sorted(notify.values(), key=lambda e: (SEVERITY_ORDER[e["severity"]], e["owner"]))
    )
    return ImpactResult(root.ref, opts.as_of, ordered, to_notify, found.truncated, found.reason)
