"""Everything known about one node, for the native ``nodes/{ref}`` route and ``threadline show``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from threadline.model import Resolved
from threadline.queries.hydrate import describe_entities, describe_runs, describe_versions
from threadline.refs import format_ref
from threadline.store.codec import loads, unwrap_timed
from threadline.store.tables import (
    dataset_facets,
    dataset_fields,
    dataset_versions,
    datasets,
    job_facets,
    job_versions,
    jobs,
    run_facets,
    run_io,
    runs,
)
from threadline.times import format_iso_us

RECENT = 20


def _facets(conn: Connection, table: Any, key: str, node: int) -> dict[str, Any]:
    c = table.c
    rows = conn.execute(select(c.name, c.facet).where(c[key] == node, c.deleted.is_(False)))
    return {row.name: loads(row.facet) for row in sorted(rows, key=lambda r: str(r.name))}


def _runs(conn: Connection, where: Any) -> list[dict[str, Any]]:
    r = runs.c
    rows = conn.execute(
        select(r.id, r.uuid, r.state, r.start_us, r.started_us, r.ended_us)
        .where(where, r.kind == "run", r.start_us.is_not(None))
        .order_by(r.start_us.desc(), r.uuid.desc())
        .limit(RECENT)
    ).all()
    errors = {
        int(facet.run_id): loads(facet.facet).get("message")
        for facet in conn.execute(
            select(run_facets.c.run_id, run_facets.c.facet).where(
                run_facets.c.run_id.in_([row.id for row in rows]),
                run_facets.c.scope == "run",
                run_facets.c.name == "errorMessage",
            )
        )
    }
    return [
        {
            "id": f"run:{row.uuid}",
            "state": row.state,
            "startedAt": format_iso_us(row.started_us or row.start_us),
            "endedAt": format_iso_us(row.ended_us),
            "durationMs": (row.ended_us - (row.started_us or row.start_us)) // 1000
            if row.ended_us
            else None,
            "error": errors.get(int(row.id)),
        }
        for row in rows
    ]


def _dataset(conn: Connection, node: int) -> dict[str, Any]:
    d = conn.execute(select(datasets).where(datasets.c.id == node)).mappings().one()
    f = dataset_fields.c
    fields = conn.execute(
        select(f.path, f.type, f.description)
        .where(f.dataset_id == node, f.in_schema.is_(True))
        .order_by(f.path)
    ).all()
    v = dataset_versions.c
    versions = conn.execute(
        select(v.version, v.created_us, v.run_id, v.implicit)
        .where(v.dataset_id == node)
        .order_by(v.created_us.desc(), v.version.desc())
        .limit(RECENT)
    ).all()
    producers = describe_runs(conn, [row.run_id for row in versions if row.run_id])
    io = run_io.c
    writers = select(io.run_id).where(io.dataset_id == node, io.direction == "out")
    return {
        "id": format_ref("dataset", d["namespace"], d["name"]),
        "type": "dataset",
        "kind": d["kind"],
        "namespace": d["namespace"],
        "name": d["name"],
        "createdAt": format_iso_us(d["created_us"]),
        "updatedAt": format_iso_us(d["updated_us"]),
        "lifecycleState": d["lifecycle_state"],
        "deleted": d["is_deleted"],
        "hidden": d["is_hidden"],
        "previousIdentifier": {"namespace": d["previous_namespace"], "name": d["previous_name"]}
        if d["previous_name"]
        else None,
        "fields": [{"name": p, "type": t, "description": desc} for p, t, desc in fields],
        "facets": _facets(conn, dataset_facets, "dataset_id", node),
        "versions": [
            {
                "version": row.version,
                "createdAt": format_iso_us(row.created_us),
                "implicit": row.implicit,
                "createdByRun": producers[row.run_id].ref if row.run_id in producers else None,
            }
            for row in versions
        ],
        "runs": _runs(conn, runs.c.id.in_(writers)),
    }


def _job(conn: Connection, node: int) -> dict[str, Any]:
    j = conn.execute(select(jobs).where(jobs.c.id == node)).mappings().one()
    parents = describe_entities(conn, [x for x in (j["parent_job_id"], j["root_job_id"]) if x])
    v = job_versions.c
    versions = conn.execute(
        select(v.version, v.created_us, v.inputs, v.outputs, v.source_version, v.location)
        .where(v.job_id == node)
        .order_by(v.created_us.desc())
        .limit(RECENT)
    ).all()
    return {
        "id": format_ref("job", j["namespace"], j["name"]),
        "type": "job",
        "kind": j["kind"],
        "namespace": j["namespace"],
        "name": j["name"],
        "createdAt": format_iso_us(j["created_us"]),
        "updatedAt": format_iso_us(j["updated_us"]),
        "parent": parents[j["parent_job_id"]].ref if j["parent_job_id"] in parents else None,
        "root": parents[j["root_job_id"]].ref if j["root_job_id"] in parents else None,
        "facets": _facets(conn, job_facets, "job_id", node),
        "versions": [
            {
                "version": row.version,
                "createdAt": format_iso_us(row.created_us),
                "inputs": loads(row.inputs),
                "outputs": loads(row.outputs),
                "location": row.location,
                "sourceVersion": row.source_version,
            }
            for row in versions
        ],
        "runs": _runs(conn, runs.c.job_id == node),
    }


def _run(conn: Connection, run_id: int) -> dict[str, Any]:
    r = conn.execute(select(runs).where(runs.c.id == run_id)).mappings().one()
    job = describe_entities(conn, [r["job_id"]] if r["job_id"] else []).get(r["job_id"])
    f = run_facets.c
    facets = {
        (row.scope, row.name): loads(row.facet)
        for row in conn.execute(select(f.scope, f.name, f.facet).where(f.run_id == run_id))
    }
    io = run_io.c
    rows = conn.execute(
        select(io.direction, io.version_id, io.facets).where(io.run_id == run_id)
    ).all()
    versions = describe_versions(conn, [row.version_id for row in rows if row.version_id])
    return {
        "id": f"run:{r['uuid']}",
        "type": "run",
        "job": job.ref if job else None,
        "state": r["state"],
        "externalId": r["external_id"],
        "startedAt": format_iso_us(r["started_us"] or r["start_us"]),
        "endedAt": format_iso_us(r["ended_us"]),
        "nominalStartTime": format_iso_us(r["nominal_start_us"]),
        "nominalEndTime": format_iso_us(r["nominal_end_us"]),
        "facets": {
            name: facet for (scope, name), facet in sorted(facets.items()) if scope == "run"
        },
        "jobFacets": {
            name: facet for (scope, name), facet in sorted(facets.items()) if scope == "job"
        },
        "inputs": [
            {"id": versions[row.version_id].ref, "facets": unwrap_timed(row.facets)}
            for row in rows
            if row.direction == "in" and row.version_id in versions
        ],
        "outputs": [
            {"id": versions[row.version_id].ref, "facets": unwrap_timed(row.facets)}
            for row in rows
            if row.direction == "out" and row.version_id in versions
        ],
    }


def node_details(conn: Connection, node: Resolved) -> dict[str, Any]:
    """Return a node's details: identity, facets, schema, versions and recent runs."""
    if node.type == "dataset":
        return _dataset(conn, node.id)
    if node.type == "job":
        return _job(conn, node.id)
    if node.type == "run":
        return _run(conn, node.id)
    if node.type == "datasetVersion":
        v = (
            conn.execute(select(dataset_versions).where(dataset_versions.c.id == node.id))
            .mappings()
            .one()
        )
        producer = describe_runs(conn, [v["run_id"]] if v["run_id"] else []).get(v["run_id"])
        return {
            "id": node.ref,
            "type": "datasetVersion",
            "version": v["version"],
            "createdAt": format_iso_us(v["created_us"]),
            "implicit": v["implicit"],
            "createdByRun": producer.ref if producer else None,
            "facets": unwrap_timed(v["facets"]),
        }
    f = conn.execute(select(dataset_fields).where(dataset_fields.c.id == node.id)).mappings().one()
    return {
        "id": node.ref,
        "type": "datasetField",
        "name": f["name"],
        "path": f["path"],
        "fieldType": f["type"],
        "description": f["description"],
        "inSchema": f["in_schema"],
    }
