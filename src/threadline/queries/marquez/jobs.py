"""Marquez's Job: identity, parent, current inputs and outputs, latest runs, facets, tags."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, func, or_, select

from threadline.errors import InvalidParameter
from threadline.queries.marquez.common import (
    RUN_STATES,
    check_page,
    entity_id,
    facet_text,
    facets_of,
    ids_of,
    job_node,
    namespace_row,
    rows_in,
    tags_of,
)
from threadline.queries.marquez.runs import runs_json
from threadline.store.codec import stable_uuid
from threadline.store.tables import datasets, edges, job_facets, job_versions, jobs, runs
from threadline.times import format_iso_us

J = jobs.c
LATEST_RUNS = 10


def job_uuid(namespace: str, name: str) -> str:
    """Return a stable UUID for a job (Marquez identifies parent jobs by UUID)."""
    return stable_uuid("job", namespace, name)


def _open_edges(kind: str) -> Callable[[Sequence[int]], Select[Any]]:
    """Build the query of jobs' open input (dataset -> job) or output (job -> dataset) edges."""
    e, d = edges.c, datasets.c
    job, dataset = (e.dst, e.src) if kind == "input" else (e.src, e.dst)

    def build(chunk: Sequence[int]) -> Select[Any]:
        return (
            select(job, d.namespace, d.name)
            .join(datasets, d.id == dataset)
            .where(job.in_(chunk), e.kind == kind, e.valid_to_us.is_(None))
        )

    return build


def _io(conn: Connection, job_ids: Iterable[int]) -> dict[tuple[int, str], list[dict[str, str]]]:
    """Return each job's current inputs and outputs (its open dataset edges)."""
    found: dict[tuple[int, str], set[tuple[str, str]]] = {}
    wanted = list(job_ids)
    for kind in ("input", "output"):
        for job, namespace, name in rows_in(conn, _open_edges(kind), wanted):
            found.setdefault((int(job), kind), set()).add((namespace, name))
    return {key: [entity_id(ns, n) for ns, n in sorted(pairs)] for key, pairs in found.items()}


def _latest_runs(conn: Connection, job_ids: Iterable[int]) -> dict[int, list[int]]:
    r = runs.c
    rank = (
        func.row_number()
        .over(partition_by=r.job_id, order_by=(r.start_us.desc(), r.uuid.desc()))
        .label("rank")
    )
    found: dict[int, list[tuple[int, int]]] = {}
    for chunk_rows in rows_in(
        conn,
        lambda chunk: select(r.job_id, r.id, rank).where(
            r.job_id.in_(chunk), r.kind == "run", r.start_us.is_not(None)
        ),
        job_ids,
    ):
        job, run_id, position = chunk_rows
        if position <= LATEST_RUNS:
            found.setdefault(int(job), []).append((int(position), int(run_id)))
    return {job: [run_id for _p, run_id in sorted(pairs)] for job, pairs in found.items()}


def _names(conn: Connection, job_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    return {
        int(row.id): (row.namespace, row.name)
        for row in rows_in(
            conn, lambda chunk: select(J.id, J.namespace, J.name).where(J.id.in_(chunk)), job_ids
        )
    }


def _versions(conn: Connection, version_ids: Iterable[int]) -> dict[int, tuple[str, str | None]]:
    v = job_versions.c
    return {
        int(row.id): (row.version, row.location)
        for row in rows_in(
            conn,
            lambda chunk: select(v.id, v.version, v.location).where(v.id.in_(chunk)),
            version_ids,
        )
    }


def jobs_json(conn: Connection, job_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Return Marquez's Job JSON of each job, in one batched read per table."""
    wanted = sorted(set(job_ids))
    rows = rows_in(conn, lambda chunk: select(jobs).where(J.id.in_(chunk)), wanted)
    parents = _names(conn, [r.parent_job_id for r in rows if r.parent_job_id is not None])
    versions = _versions(conn, [r.current_version_id for r in rows if r.current_version_id])
    facets = facets_of(conn, job_facets, "job_id", wanted)
    tags, io = tags_of(conn, wanted), _io(conn, wanted)
    latest = _latest_runs(conn, wanted)
    run_json = runs_json(conn, [run for ids in latest.values() for run in ids])
    found: dict[int, dict[str, Any]] = {}
    for j in rows:
        node, own = int(j.id), facets.get(int(j.id), {})
        version, location = versions.get(j.current_version_id, (None, None))
        parent = parents.get(j.parent_job_id)
        processing = facet_text(own, "jobType", "processingType") or ""
        recent = [run_json[run] for run in latest.get(node, []) if run in run_json]
        found[node] = {
            "id": entity_id(j.namespace, j.name),
            "type": "STREAM" if processing.upper() == "STREAMING" else "BATCH",
            "name": j.name,
            "simpleName": j.name,
            "parentJobName": parent[1] if parent else None,
            "parentJobUuid": job_uuid(*parent) if parent else None,
            "createdAt": format_iso_us(j.created_us),
            "updatedAt": format_iso_us(j.updated_us),
            "namespace": j.namespace,
            "inputs": io.get((node, "input"), []),
            "outputs": io.get((node, "output"), []),
            "location": facet_text(own, "sourceCodeLocation", "url") or location,
            "description": facet_text(own, "documentation", "description"),
            "latestRun": run_json.get(j.latest_run_id),
            "latestRuns": recent,
            "facets": own,
            "currentVersion": version,
            "labels": [],
            "tags": tags.get(node, []),
        }
    return found


def job_json(conn: Connection, node: int) -> dict[str, Any]:
    """Return one job's Marquez JSON."""
    return jobs_json(conn, [node])[node]


def job(conn: Connection, namespace: str, name: str) -> dict[str, Any]:
    """Return a visible job by name (``GET /namespaces/{ns}/jobs/{job}``)."""
    return job_json(conn, job_node(conn, namespace, name))


def _state_filter(states: list[str]) -> ColumnElement[bool] | None:
    """Translate Marquez run states (``lastRunStates``) into a filter on the latest run."""
    wanted = {state.strip().upper() for state in states if state.strip()}
    if not wanted:  # not given, or only blank values: no filter
        return None
    unknown = wanted - set(RUN_STATES.values())
    if unknown:
        raise InvalidParameter(
            f"lastRunStates takes {', '.join(sorted(set(RUN_STATES.values())))}; "
            f"got {', '.join(sorted(unknown))[:80]}"
        )
    ours = [ol for ol, marquez in RUN_STATES.items() if ol is not None and marquez in wanted]
    r = runs.c
    parts = [r.state.in_(ours)] if ours else []
    if "NEW" in wanted:
        parts.append(r.state.is_(None))
    return J.latest_run_id.in_(select(r.id).where(or_(*parts)))


def list_jobs(
    conn: Connection, namespace: str | None, *, states: list[str], limit: int, offset: int
) -> dict[str, Any]:
    """Return visible jobs (of a namespace, or all) by name, with their total count."""
    check_page(limit, offset)
    where: list[ColumnElement[bool]] = [J.is_hidden.is_(False)]
    if namespace is not None:
        where.append(J.namespace_id == namespace_row(conn, namespace).id)
    state = _state_filter(states)
    if state is not None:
        where.append(state)
    condition = and_(*where)
    total = conn.execute(select(func.count()).select_from(jobs).where(condition)).scalar_one()
    ids = ids_of(
        conn,
        select(J.id).where(condition).order_by(J.namespace, J.name).limit(limit).offset(offset),
    )
    found = jobs_json(conn, ids)
    return {"jobs": [found[i] for i in ids], "totalCount": int(total)}
