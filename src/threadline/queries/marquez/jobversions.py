"""Marquez's JobVersion: what a job read and wrote in one version, and its latest run."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Row, func, select

from threadline.errors import NotFound
from threadline.queries.marquez.common import check_page, entity_id, job_node, rows_in, text_param
from threadline.queries.marquez.runs import runs_json
from threadline.store.codec import loads
from threadline.store.tables import datasets, job_versions, jobs, run_facets, run_io, runs
from threadline.times import format_iso_us

V = job_versions.c


def _io(conn: Connection, version_ids: Iterable[int]) -> dict[tuple[int, str], list[Any]]:
    """Return what the runs of each version read ('in') and wrote ('out')."""
    io, r, d = run_io.c, runs.c, datasets.c
    found: dict[tuple[int, str], set[tuple[str, str]]] = {}
    for version, direction, namespace, name in rows_in(
        conn,
        lambda chunk: (
            select(r.job_version_id, io.direction, d.namespace, d.name)
            .join(runs, r.id == io.run_id)
            .join(datasets, d.id == io.dataset_id)
            .where(r.job_version_id.in_(chunk))
        ),
        version_ids,
    ):
        found.setdefault((int(version), direction), set()).add((namespace, name))
    return {key: [entity_id(ns, n) for ns, n in sorted(pairs)] for key, pairs in found.items()}


def _runs(conn: Connection, version_ids: Iterable[int]) -> dict[int, list[tuple[int, str]]]:
    """Return each version's runs (id, kind), newest first."""
    r = runs.c
    rows = rows_in(
        conn,
        lambda chunk: select(r.job_version_id, r.id, r.kind, r.start_us, r.uuid).where(
            r.job_version_id.in_(chunk), r.start_us.is_not(None)
        ),
        version_ids,
    )
    found: dict[int, list[tuple[int, str]]] = {}
    for row in sorted(rows, key=lambda x: (x.start_us, x.uuid), reverse=True):
        found.setdefault(int(row.job_version_id), []).append((int(row.id), row.kind))
    return found


def _job_facets(conn: Connection, run_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    f = run_facets.c
    found: dict[int, dict[str, Any]] = {}
    for run_id, name, text in rows_in(
        conn,
        lambda chunk: select(f.run_id, f.name, f.facet).where(
            f.run_id.in_(chunk), f.scope == "job"
        ),
        run_ids,
    ):
        found.setdefault(int(run_id), {})[name] = loads(text)
    return {run_id: dict(sorted(facets.items())) for run_id, facets in found.items()}


def _versions_json(conn: Connection, rows: Sequence[Row[Any]]) -> list[dict[str, Any]]:
    ids = [int(row.id) for row in rows]
    io, by_version = _io(conn, ids), _runs(conn, ids)
    newest = {v: found[0][0] for v, found in by_version.items()}
    latest_run = {
        v: next((run for run, kind in found if kind == "run"), -1)
        for v, found in by_version.items()
    }
    described = runs_json(conn, [run for run in latest_run.values() if run >= 0])
    facets = _job_facets(conn, newest.values())
    return [
        {
            "id": {**entity_id(row.namespace, row.name), "version": row.version},
            "name": row.name,
            "version": row.version,
            "createdAt": format_iso_us(row.created_us),
            "namespace": row.namespace,
            "inputs": io.get((int(row.id), "in"), []),
            "outputs": io.get((int(row.id), "out"), []),
            "location": row.location,
            "latestRun": described.get(latest_run.get(int(row.id), -1)),
            "facets": facets.get(newest.get(int(row.id), -1), {}),
        }
        for row in rows
    ]


def _select() -> Any:
    j = jobs.c
    return select(V.id, V.version, V.created_us, V.location, j.namespace, j.name).join(
        jobs, j.id == V.job_id
    )


def list_job_versions(
    conn: Connection, namespace: str, name: str, *, limit: int, offset: int
) -> dict[str, Any]:
    """Return a visible job's versions, newest first, with their total count."""
    check_page(limit, offset)
    job = job_node(conn, namespace, name)
    total = conn.execute(
        select(func.count()).select_from(job_versions).where(V.job_id == job)
    ).scalar_one()
    rows = conn.execute(
        _select()
        .where(V.job_id == job)
        .order_by(V.created_us.desc(), V.version.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return {"versions": _versions_json(conn, rows), "totalCount": int(total)}


def job_version(conn: Connection, namespace: str, name: str, version: str) -> dict[str, Any]:
    """Return one version of a visible job.

    Raises:
        NotFound: no such namespace, job or version.
    """
    job = job_node(conn, namespace, name)
    text_param("version", version)
    row = conn.execute(_select().where(V.job_id == job, V.version == version)).first()
    if row is None:
        raise NotFound(f"job version {version[:80]!r} not found")
    return _versions_json(conn, [row])[0]
