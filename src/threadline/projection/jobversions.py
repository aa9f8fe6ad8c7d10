"""Compute job versions from a run's inputs, outputs and code identity.

A job version changes when the job's inputs, outputs, source location (and its version),
SQL text or source code change, so the runs that used an old definition can be found.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import func, select, update

from threadline.projection.context import Ctx, dumps, loads, stable_uuid
from threadline.store.tables import datasets, job_versions, jobs, run_facets, run_io, runs

CODE_FACETS = ("sourceCodeLocation", "sql", "sourceCode")


def _sha(text: object) -> str | None:
    if not isinstance(text, str) or not text:
        return None
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def code_identity(facets: dict[str, Any]) -> dict[str, str | None]:
    """Return the parts of a job's facets that identify its code."""
    location = facets.get("sourceCodeLocation") or {}
    return {
        "location": location.get("url") if isinstance(location.get("url"), str) else None,
        "source_version": location.get("version")
        if isinstance(location.get("version"), str)
        else None,
        "sql_hash": _sha((facets.get("sql") or {}).get("query")),
        "source_hash": _sha((facets.get("sourceCode") or {}).get("sourceCode")),
    }


def refresh_job_version(ctx: Ctx, run_id: int, job: int) -> None:
    """Compute the run's job version, link the run to it and update the job's current one."""
    io, d = run_io.c, datasets.c
    names: dict[str, list[str]] = {"in": [], "out": []}
    for row in ctx.conn.execute(
        select(io.direction, d.namespace, d.name)
        .join(datasets, d.id == io.dataset_id)
        .where(io.run_id == run_id)
    ):
        names[row.direction].append(f"{row.namespace}:{row.name}")
    f = run_facets.c
    facets = {
        row.name: loads(row.facet)
        for row in ctx.conn.execute(
            select(f.name, f.facet).where(
                f.run_id == run_id, f.scope == "job", f.name.in_(CODE_FACETS)
            )
        )
    }
    facets = {name: facet for name, facet in facets.items() if facet.get("_deleted") is not True}
    job_row = ctx.conn.execute(select(jobs.c.namespace, jobs.c.name).where(jobs.c.id == job)).one()
    run_row = ctx.conn.execute(
        select(runs.c.start_us, runs.c.job_version_id).where(runs.c.id == run_id)
    ).one()
    code = code_identity(facets)
    inputs, outputs = sorted(set(names["in"])), sorted(set(names["out"]))
    identity = dumps([job_row.namespace, job_row.name, inputs, outputs, code])
    version = stable_uuid("job-version", identity)
    version_id = _version_row(ctx, job, version, int(run_row.start_us), inputs, outputs, code)
    ctx.conn.execute(update(runs).where(runs.c.id == run_id).values(job_version_id=version_id))
    _date_version(ctx, version_id)
    if run_row.job_version_id is not None and run_row.job_version_id != version_id:
        _drop_if_unused(ctx, int(run_row.job_version_id))
    latest = (
        select(runs.c.job_version_id)
        .where(runs.c.job_id == job, runs.c.job_version_id.is_not(None))
        .order_by(runs.c.start_us.desc(), runs.c.uuid.desc())
        .limit(1)
        .scalar_subquery()
    )
    ctx.conn.execute(update(jobs).where(jobs.c.id == job).values(current_version_id=latest))


def _version_row(
    ctx: Ctx,
    job: int,
    version: str,
    t: int,
    inputs: list[str],
    outputs: list[str],
    code: dict[str, str | None],
) -> int:
    v = job_versions.c
    row = ctx.conn.execute(
        select(v.id, v.created_us).where(v.job_id == job, v.version == version)
    ).first()
    if row is None:
        return int(
            ctx.conn.execute(
                job_versions.insert()
                .values(
                    job_id=job,
                    version=version,
                    created_us=t,
                    inputs=dumps(inputs),
                    outputs=dumps(outputs),
                    **code,
                )
                .returning(v.id)
            ).scalar_one()
        )
    return int(row.id)


def _date_version(ctx: Ctx, version_id: int) -> None:
    """Date a job version by the earliest run that uses it."""
    first = (
        select(func.min(runs.c.start_us))
        .where(runs.c.job_version_id == version_id)
        .scalar_subquery()
    )
    ctx.conn.execute(
        update(job_versions).where(job_versions.c.id == version_id).values(created_us=first)
    )


def _drop_if_unused(ctx: Ctx, version_id: int) -> None:
    """Delete a job version no run uses any more (a run's version was recomputed)."""
    used = ctx.conn.execute(
        select(runs.c.id).where(runs.c.job_version_id == version_id).limit(1)
    ).first()
    if used is None:
        ctx.conn.execute(job_versions.delete().where(job_versions.c.id == version_id))
    else:
        _date_version(ctx, version_id)


def refresh_latest_run(ctx: Ctx, job: int) -> None:
    """Point the job at its newest run (by start time)."""
    latest = (
        select(runs.c.id)
        .where(runs.c.job_id == job, runs.c.kind == "run", runs.c.start_us.is_not(None))
        .order_by(runs.c.start_us.desc(), runs.c.uuid.desc())
        .limit(1)
        .scalar_subquery()
    )
    ctx.conn.execute(update(jobs).where(jobs.c.id == job).values(latest_run_id=latest))
