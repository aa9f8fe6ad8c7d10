"""Marquez's Run: one run with its state, times, job version, dataset versions and facets."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, func, select

from threadline.errors import InvalidParameter, NotFound
from threadline.queries.marquez.common import RUN_STATES, check_page, ids_of, job_node, rows_in
from threadline.store.codec import loads, unwrap_timed
from threadline.store.tables import (
    dataset_versions,
    datasets,
    job_versions,
    jobs,
    run_facets,
    run_io,
    runs,
)
from threadline.times import format_iso_us

R = runs.c
FACET_SCOPES = ("run", "job")


def _args(facets: dict[str, Any]) -> dict[str, str]:
    """Return Marquez's run args: the nominal times and the parent run, as strings."""
    args: dict[str, str] = {}
    nominal, parent = facets.get("nominalTime") or {}, facets.get("parent") or {}
    for key, name in (
        ("nominal_start_time", "nominalStartTime"),
        ("nominal_end_time", "nominalEndTime"),
    ):
        if isinstance(nominal.get(name), str):
            args[key] = nominal[name]
    run, job = parent.get("run") or {}, parent.get("job") or {}
    for key, value in (
        ("run_id", run.get("runId")),
        ("name", job.get("name")),
        ("namespace", job.get("namespace")),
    ):
        if isinstance(value, str):
            args[key] = value
    return args


def _job_versions(conn: Connection, version_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    v, j = job_versions.c, jobs.c
    return {
        int(row.id): {"namespace": row.namespace, "name": row.name, "version": row.version}
        for row in rows_in(
            conn,
            lambda chunk: (
                select(v.id, v.version, j.namespace, j.name)
                .join(jobs, j.id == v.job_id)
                .where(v.id.in_(chunk))
            ),
            version_ids,
        )
    }


def _facets(conn: Connection, run_ids: Iterable[int], scope: str) -> dict[int, dict[str, Any]]:
    f = run_facets.c
    found: dict[int, dict[str, Any]] = {}
    for run_id, name, text in rows_in(
        conn,
        lambda chunk: select(f.run_id, f.name, f.facet).where(
            f.run_id.in_(chunk), f.scope == scope
        ),
        run_ids,
    ):
        found.setdefault(int(run_id), {})[name] = loads(text)
    return {run_id: dict(sorted(facets.items())) for run_id, facets in found.items()}


def _io(conn: Connection, run_ids: Iterable[int]) -> dict[tuple[int, str], list[dict[str, Any]]]:
    io, v, d = run_io.c, dataset_versions.c, datasets.c
    found: dict[tuple[int, str], list[dict[str, Any]]] = {}
    rows = rows_in(
        conn,
        lambda chunk: (
            select(io.run_id, io.direction, io.facets, v.version, d.namespace, d.name)
            .join(dataset_versions, v.id == io.version_id)
            .join(datasets, d.id == io.dataset_id)
            .where(io.run_id.in_(chunk))
        ),
        run_ids,
    )
    for row in sorted(rows, key=lambda r: (r.namespace, r.name)):
        version = {"namespace": row.namespace, "name": row.name, "version": row.version}
        found.setdefault((int(row.run_id), row.direction), []).append(
            {"datasetVersionId": version, "facets": unwrap_timed(row.facets)}
        )
    return found


def runs_json(conn: Connection, run_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Return Marquez's Run JSON of each run, in one batched read per table."""
    wanted = sorted(set(run_ids))
    rows = rows_in(conn, lambda chunk: select(runs).where(R.id.in_(chunk)), wanted)
    versions = _job_versions(conn, [r.job_version_id for r in rows if r.job_version_id])
    facets, io = _facets(conn, wanted, "run"), _io(conn, wanted)
    found: dict[int, dict[str, Any]] = {}
    for r in rows:
        run_id = int(r.id)
        found[run_id] = {
            "id": r.uuid,
            "createdAt": format_iso_us(r.created_us),
            "updatedAt": format_iso_us(r.updated_us),
            "nominalStartTime": format_iso_us(r.nominal_start_us),
            "nominalEndTime": format_iso_us(r.nominal_end_us),
            "state": RUN_STATES.get(r.state, "RUNNING"),
            "startedAt": format_iso_us(r.started_us),
            "endedAt": format_iso_us(r.ended_us),
            "durationMs": (r.ended_us - r.started_us) // 1000
            if r.started_us is not None and r.ended_us is not None
            else None,
            "args": _args(facets.get(run_id, {})),
            "jobVersion": versions.get(r.job_version_id),
            "inputDatasetVersions": io.get((run_id, "in"), []),
            "outputDatasetVersions": io.get((run_id, "out"), []),
            "facets": facets.get(run_id, {}),
        }
    return found


def run_id_of(conn: Connection, text: str) -> int:
    """Return the id of a run given its UUID (pseudo-runs of static events are not runs).

    Raises:
        InvalidParameter: the text is not a UUID.
        NotFound: no such run.
    """
    try:
        canonical = str(uuid.UUID(text))
    except ValueError:
        raise InvalidParameter(f"a run id is a UUID; got {text[:80]!r}") from None
    found = conn.execute(select(R.id).where(R.uuid == canonical, R.kind == "run")).scalar()
    if found is None:
        raise NotFound(f"run {canonical!r} not found")
    return int(found)


def run(conn: Connection, text: str) -> dict[str, Any]:
    """Return one run (``GET /jobs/runs/{id}``)."""
    run_id = run_id_of(conn, text)
    return runs_json(conn, [run_id])[run_id]


def run_facets_of(conn: Connection, text: str, scope: str) -> dict[str, Any]:
    """Return the run or job facets a run accumulated (``GET /jobs/runs/{id}/facets``)."""
    if scope not in FACET_SCOPES:
        raise InvalidParameter(f"type must be 'run' or 'job'; got {scope[:40]!r}")
    run_id = run_id_of(conn, text)
    uuid_text = str(conn.execute(select(R.uuid).where(R.id == run_id)).scalar_one())
    return {"runId": uuid_text, "facets": _facets(conn, [run_id], scope).get(run_id, {})}


def job_runs(
    conn: Connection, namespace: str, name: str, *, limit: int, offset: int
) -> dict[str, Any]:
    """Return a visible job's runs, newest first, with their total count."""
    check_page(limit, offset)
    job = job_node(conn, namespace, name)
    where = (R.job_id == job, R.kind == "run", R.start_us.is_not(None))
    total = conn.execute(select(func.count()).select_from(runs).where(*where)).scalar_one()
    ids = ids_of(
        conn,
        select(R.id)
        .where(*where)
        .order_by(R.start_us.desc(), R.uuid.desc())
        .limit(limit)
        .offset(offset),
    )
    found = runs_json(conn, ids)
    return {"runs": [found[i] for i in ids], "totalCount": int(total)}
