"""Marquez's lineage graphs: ``{graph: [{id, type, data, inEdges, outEdges}]}``.

Both graphs come from the lineage index. Marquez's ``depth`` counts jobs, so the entity
graph follows ``2 * depth`` edges (dataset -> job -> dataset is one job hop) in both
directions; the column graph follows ``depth`` field-to-field edges upstream, and
downstream too when asked.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from threadline.errors import InvalidParameter, NotFound
from threadline.index import IndexState
from threadline.index.loader import EDGE_KINDS
from threadline.model import Resolved
from threadline.queries.lineage import Start, reach, start_for
from threadline.queries.marquez.columns import FieldInfo, fields_info, input_fields
from threadline.queries.marquez.common import ids_of, text_param
from threadline.queries.marquez.datasets import datasets_json
from threadline.queries.marquez.jobs import jobs_json
from threadline.queries.options import MAX_DEPTH, QueryOptions
from threadline.queries.resolve import resolve
from threadline.refs import format_ref
from threadline.store.tables import dataset_fields, datasets, edges, jobs

COLUMN = EDGE_KINDS["column"]
MAX_JOB_DEPTH = MAX_DEPTH // 2
MARQUEZ_DEFAULT_DEPTH = 20  # Marquez's default depth of /lineage (jobs) and /column-lineage


def _check_depth(depth: int, most: int) -> None:
    if not 0 <= depth <= most:
        raise InvalidParameter(f"depth must be between 0 and {most}; got {depth}")


def _visible_root(conn: Connection, root: Resolved) -> None:
    """Refuse a root that is soft-deleted: Marquez does not show hidden datasets or jobs."""
    node = root.job if root.type in ("job", "run") else root.dataset
    if node is None:
        return
    for table in (datasets, jobs):
        hidden = conn.execute(select(table.c.is_hidden).where(table.c.id == node)).scalar()
        if hidden:
            raise NotFound(f"no node {root.ref[:200]!r} (it was deleted)")


def _graph(nodes: dict[str, tuple[str, Any]], links: set[tuple[str, str]]) -> dict[str, Any]:
    """Assemble Marquez's graph: nodes sorted by id, each with its in- and out-edges."""
    into: dict[str, list[dict[str, str]]] = {}
    out_of: dict[str, list[dict[str, str]]] = {}
    for origin, destination in sorted(links):
        edge = {"origin": origin, "destination": destination}
        out_of.setdefault(origin, []).append(edge)
        into.setdefault(destination, []).append(edge)
    return {
        "graph": [
            {
                "id": ref,
                "type": nodes[ref][0],
                "data": nodes[ref][1],
                "inEdges": into.get(ref, []),
                "outEdges": out_of.get(ref, []),
            }
            for ref in sorted(nodes)
        ]
    }


def lineage_graph(conn: Connection, state: IndexState, node_id: str, depth: int) -> dict[str, Any]:
    """Return the dataset and job graph around a node (``GET /lineage``)."""
    _check_depth(depth, MAX_JOB_DEPTH)
    root = resolve(conn, text_param("nodeId", node_id))
    _visible_root(conn, root)
    opts = QueryOptions(direction="both", depth=2 * depth)
    reached, flow, _reason = reach(start_for(conn, state, root, opts), opts)
    found_datasets = datasets_json(conn, reached)
    found_jobs = jobs_json(conn, [n for n in reached if n not in found_datasets])
    nodes: dict[int, tuple[str, str, Any]] = {}
    for node, data in found_datasets.items():
        nodes[node] = (format_ref("dataset", data["namespace"], data["name"]), "DATASET", data)
    for node, data in found_jobs.items():
        nodes[node] = (format_ref("job", data["namespace"], data["name"]), "JOB", data)
    links = {(nodes[u][0], nodes[v][0]) for u, v, _kind in flow if u in nodes and v in nodes}
    return _graph({ref: (kind, data) for ref, kind, data in nodes.values()}, links)


def _column_start(conn: Connection, state: IndexState, root: Resolved) -> Start:
    """Start from a field, every field of a dataset, or every field a job writes."""
    if root.type != "job":
        return start_for(conn, state, root, QueryOptions(granularity="column"))
    e, f = edges.c, dataset_fields.c
    outputs = select(e.dst).where(e.src == root.id, e.kind == "output", e.valid_to_us.is_(None))
    fields = ids_of(conn, select(f.id).where(f.dataset_id.in_(outputs)).order_by(f.id))
    return Start(state.column, fields, state.nodes.blocked, "column")


def _field_node(info: FieldInfo, inputs: list[dict[str, Any]]) -> dict[str, Any]:
    first = inputs[0] if inputs else {}
    return {
        "namespace": info.namespace,
        "dataset": info.dataset,
        "datasetVersion": info.dataset_version,
        "field": info.path,
        "fieldType": info.type,
        "transformationDescription": first.get("transformationDescription"),
        "transformationType": first.get("transformationType"),
        "inputFields": inputs,
    }


def column_graph(
    conn: Connection, state: IndexState, node_id: str, depth: int, *, with_downstream: bool
) -> dict[str, Any]:
    """Return the field-level graph around a dataset, field or job (``GET /column-lineage``)."""
    _check_depth(depth, MAX_DEPTH)
    root = resolve(conn, text_param("nodeId", node_id))
    if root.type == "run":
        raise InvalidParameter("column lineage starts from a dataset, a dataset field or a job")
    _visible_root(conn, root)
    opts = QueryOptions(
        direction="both" if with_downstream else "upstream", depth=depth, granularity="column"
    )
    reached, flow, _reason = reach(_column_start(conn, state, root), opts)
    info = fields_info(conn, reached)
    inputs: dict[int, list[int]] = {}
    for u, v, kind in flow:
        if kind == COLUMN and u in info and v in info:
            inputs.setdefault(v, []).append(u)
    described = input_fields(conn, inputs, versioned=True)
    refs = {n: format_ref("datasetField", i.namespace, i.dataset, i.path) for n, i in info.items()}
    nodes = {
        refs[n]: ("DATASET_FIELD", _field_node(i, described.get(n, []))) for n, i in info.items()
    }
    links = {(refs[u], refs[v]) for v, sources in inputs.items() for u in sources}
    return _graph(nodes, links)
