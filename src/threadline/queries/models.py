"""Model lineage: what trained a model version, how it was validated, where it is deployed.

Everything is read at version granularity, so the answer is the exact provenance of one
model version: the run that produced it, the dataset versions that run read (back to the
raw sources), the code version, the registry history, the deployments and predictions.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Connection, select

from threadline.errors import NotFound
from threadline.index import IndexState
from threadline.index.traverse import bfs
from threadline.queries.registry import current_aliases, current_stages, find_model, history
from threadline.refs import format_ref
from threadline.store.codec import loads
from threadline.store.tables import (
    dataset_facets,
    dataset_versions,
    datasets,
    job_versions,
    jobs,
    run_facets,
    run_io,
    runs,
)
from threadline.times import format_iso_us

DEPTH = 40


def version_id(conn: Connection, dataset: int, version: str) -> int:
    """Return the id of a dataset version."""
    v = dataset_versions.c
    found = conn.execute(select(v.id).where(v.dataset_id == dataset, v.version == version)).scalar()
    if found is None:
        raise NotFound(f"no version {version!r}")
    return int(found)


def reach_versions(
    state: IndexState, roots: list[int], *, down: bool, depth: int = DEPTH, as_of: int | None = None
) -> tuple[dict[int, int], dict[int, int]]:
    """Traverse the version graph from dataset versions; return (versions, runs) -> depth."""
    found = bfs(
        state.version,
        [2 * r for r in roots],
        down=down,
        max_depth=depth,
        as_of=as_of,
        limit=100_000,
        deadline=time.monotonic() + 5,
        collect_edges=False,
        parents=False,
    )
    versions: dict[int, int] = {}
    run_ids: dict[int, int] = {}
    for node, d in zip(found.nodes.tolist(), found.depths.tolist(), strict=True):
        (versions if node % 2 == 0 else run_ids)[node // 2] = d
    return versions, run_ids


def describe_versions(conn: Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Describe dataset versions: reference, kind, time, producing run, explicit or not."""
    v, d = dataset_versions.c, datasets.c
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 900):
        for row in conn.execute(
            select(
                v.id,
                v.version,
                v.created_us,
                v.run_id,
                v.explicit,
                v.implicit,
                v.facets,
                d.namespace,
                d.name,
                d.kind,
                d.id.label("dataset"),
            )
            .join(datasets, d.id == v.dataset_id)
            .where(v.id.in_(ids[start : start + 900]))
        ):
            out[int(row.id)] = {
                "id": format_ref("dataset", row.namespace, row.name, version=row.version),
                "dataset": format_ref("dataset", row.namespace, row.name),
                "kind": row.kind,
                "version": row.version,
                "createdAt": format_iso_us(row.created_us),
                "pinned": bool(row.explicit),
                "implicit": bool(row.implicit),
                "hashed": "threadline_contentHash" in loads(row.facets),
                "producedBy": row.run_id,
                "datasetId": int(row.dataset),
            }
    return out


def describe_runs(conn: Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Describe runs: job, kind, state, times, code version and the facets that matter."""
    r, j, jv = runs.c, jobs.c, job_versions.c
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        for row in conn.execute(
            select(
                r.id,
                r.uuid,
                r.state,
                r.start_us,
                r.ended_us,
                r.parent_run_id,
                j.namespace,
                j.name,
                j.kind,
                jv.source_version,
                jv.location,
                jv.sql_hash,
                jv.source_hash,
                jv.version.label("job_version"),
            )
            .join(jobs, j.id == r.job_id)
            .join(job_versions, jv.id == r.job_version_id, isouter=True)
            .where(r.id.in_(chunk))
        ):
            out[int(row.id)] = {
                "id": f"run:{row.uuid}",
                "job": format_ref("job", row.namespace, row.name),
                "kind": row.kind,
                "state": row.state,
                "startedAt": format_iso_us(row.start_us),
                "endedAt": format_iso_us(row.ended_us),
                "jobVersion": row.job_version,
                "code": {
                    "commit": row.source_version,
                    "location": row.location,
                    "sqlHash": row.sql_hash,
                    "sourceHash": row.source_hash,
                },
                "parentRunId": row.parent_run_id,
                "facets": {},
            }
        f = run_facets.c
        for row in conn.execute(
            select(f.run_id, f.scope, f.name, f.facet).where(f.run_id.in_(chunk))
        ):
            if int(row.run_id) in out and row.scope == "run" and row.name not in ("parent",):
                out[int(row.run_id)]["facets"][row.name] = loads(row.facet)
    return out


def _endpoint_facets(conn: Connection, dataset_ids: set[int]) -> dict[int, dict[str, Any]]:
    c = dataset_facets.c
    rows = conn.execute(
        select(c.dataset_id, c.facet).where(
            c.dataset_id.in_(sorted(dataset_ids)), c.name == "threadline_endpoint"
        )
    )
    return {int(row.dataset_id): loads(row.facet) for row in rows}


def downstream_of(
    conn: Connection, state: IndexState, roots: list[int], as_of: int | None = None
) -> dict[str, Any]:
    """Group what was built from dataset versions: models, deployments, prediction sets."""
    versions, run_ids = reach_versions(state, roots, down=True, as_of=as_of)
    described = describe_versions(conn, list(versions))
    run_info = describe_runs(conn, list(run_ids))
    endpoints = _endpoint_facets(conn, {v["datasetId"] for v in described.values()})
    groups: dict[str, list[dict[str, Any]]] = {
        "models": [],
        "deployments": [],
        "predictions": [],
        "datasets": [],
    }
    for vid, info in sorted(described.items(), key=lambda p: (versions[p[0]], p[1]["id"])):
        if vid in roots:
            continue
        entry = {**_public(info), "distance": versions[vid]}
        producer = run_info.get(info["producedBy"] or -1)
        if info["kind"] == "endpoint":
            entry["environment"] = endpoints.get(info["datasetId"], {}).get("environment")
            entry["deployedBy"] = producer["id"] if producer else None
            groups["deployments"].append(entry)
        else:
            group = {"model": "models", "predictions": "predictions"}.get(info["kind"], "datasets")
            groups[group].append(entry)
    ordered = sorted(run_info.values(), key=lambda r: (r["startedAt"] or "", r["id"]))
    return {**groups, "runs": ordered}


def _public(info: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in info.items() if k not in ("producedBy", "datasetId", "hashed")}


def _public_run(info: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in info.items() if k not in ("parentRunId", "facets", "runId")}


def model_lineage(
    conn: Connection, state: IndexState, text: str, as_of: int | None = None
) -> dict[str, Any]:
    """Return the full story of one model version (``NAME``, ``NAME@VERSION``, ``NAME@ALIAS``)."""
    model = find_model(conn, text, as_of)
    assert model.version is not None
    vid = version_id(conn, model.dataset, model.version)
    upstream, up_runs = reach_versions(state, [vid], down=False, as_of=as_of)
    versions = describe_versions(conn, list(upstream))
    run_info = describe_runs(conn, list(up_runs))
    me = versions[vid]
    training = _training_run(run_info, up_runs, me["producedBy"])
    raw = [
        _public(v)
        for i, v in versions.items()
        if i != vid and _is_raw(run_info.get(v["producedBy"] or -1))
    ]
    read = _read_versions(conn, training["runId"]) if training else set()
    inputs = [_public(v) for i, v in versions.items() if i in read]
    after = downstream_of(conn, state, [vid], as_of)
    validations = [
        r
        for r in after["runs"]
        if r["kind"] == "validation" or "threadline_validation" in r["facets"]
    ]
    return {
        "model": model.ref.split("#")[0],
        "version": model.version,
        "alias": model.alias,
        "createdAt": me["createdAt"],
        "training": _training(conn, training),
        "trainingData": sorted(inputs, key=lambda v: v["id"]),
        "rawSources": sorted(raw, key=lambda v: v["id"]),
        "upstreamRuns": sorted(
            (_public_run(r) for r in run_info.values()),
            key=lambda r: (r["startedAt"] or "", r["id"]),
        ),
        "validations": [
            {**_public_run(v), "results": v["facets"].get("threadline_validation")}
            for v in validations
        ],
        "registry": {
            "aliases": current_aliases(conn, model.dataset, as_of),
            "stages": current_stages(conn, model.dataset),
            "history": history(conn, model.dataset),
        },
        "deployments": after["deployments"],
        "predictions": after["predictions"],
    }


def _training_run(
    run_info: dict[int, dict[str, Any]], depths: dict[int, int], producer: int | None
) -> dict[str, Any] | None:
    """Pick the run that trained the model: the nearest upstream training run.

    A registered model version is usually produced by a registration run that read a
    logged model, which a training run wrote; the producer itself is the answer only when
    nothing upstream is marked as training.
    """
    # Newest first, so that among trainers equally near the newest one wins (min is stable).
    trainers = sorted(
        (i for i, r in run_info.items() if r["kind"] == "training"),
        key=lambda i: (run_info[i]["startedAt"] or "", i),
        reverse=True,
    )
    if trainers:
        chosen = min(trainers, key=lambda i: depths[i])
    elif producer is not None and producer in run_info:
        chosen = producer
    else:
        return None
    return {**run_info[chosen], "runId": chosen}


def _is_raw(producer: dict[str, Any] | None) -> bool:
    """Raw data: nothing in the lineage produced it, or an ingestion run brought it in."""
    return producer is None or producer["kind"] == "ingestion"


def _read_versions(conn: Connection, run_id: int) -> set[int]:
    """Return the dataset versions one run read."""
    c = run_io.c
    rows = conn.execute(
        select(c.version_id).where(
            c.run_id == run_id, c.direction == "in", c.version_id.is_not(None)
        )
    )
    return {int(row.version_id) for row in rows}


def _training(conn: Connection, run: dict[str, Any] | None) -> dict[str, Any] | None:
    if run is None:
        return None
    facets = run["facets"]
    mlflow = facets.get("threadline_mlflow") or {}
    parent = (
        describe_runs(conn, [run["parentRunId"]]).get(run["parentRunId"])
        if run["parentRunId"]
        else None
    )
    return {
        **_public_run(run),
        "params": mlflow.get("params") or {},
        "metrics": mlflow.get("metrics") or {},
        "validation": facets.get("threadline_validation"),
        "parentPipeline": {"run": parent["id"], "job": parent["job"]} if parent else None,
        "facets": sorted(facets),
    }
