"""Compute job versions from a run's inputs, outputs and code identity.

A job version changes when the job's inputs, outputs, source location (and its version),
SQL text or source code change, so the runs that used an old definition can be found.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select

from threadline.projection.context import Ctx, dumps, loads, stable_uuid
from threadline.projection.runio import flush_io
from threadline.projection.runs import cached_run, flush_runs, set_run
from threadline.store.tables import job_versions, runs

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
    names: dict[str, list[str]] = {"in": [], "out": []}
    for direction, namespace, name in _io_names(ctx, run_id):
        names[direction].append(f"{namespace}:{name}")
    facets = {name: loads(facet) for name, facet in _code_facets(ctx, run_id)}
    facets = {name: facet for name, facet in facets.items() if facet.get("_deleted") is not True}
    job_row = ctx.names.get(job) or ctx.sql.first(
        "SELECT namespace, name FROM jobs WHERE id = ?", (job,)
    )
    assert job_row is not None, "the job is projected"
    run_row = cached_run(ctx, run_id)  # the run is projected
    start_us, old_version = run_row["start_us"], run_row["job_version_id"]
    code = code_identity(facets)
    inputs, outputs = sorted(set(names["in"])), sorted(set(names["out"]))
    identity = dumps([job_row[0], job_row[1], inputs, outputs, code])
    version = stable_uuid("job-version", identity)
    version_id = _version_row(ctx, job, version, int(start_us), inputs, outputs, code)
    set_run(ctx, run_id, {"job_version_id": version_id})
    _date_version(ctx, version_id)
    if old_version is not None and old_version != version_id:
        _drop_if_unused(ctx, int(old_version))
    ctx.refresh_later(
        "UPDATE jobs SET current_version_id = (SELECT r.job_version_id FROM runs r "
        "WHERE r.job_id = ? AND r.job_version_id IS NOT NULL "
        "ORDER BY r.start_us DESC, r.uuid DESC LIMIT 1) WHERE id = ?",
        (job, job),
    )


def _code_facets(ctx: Ctx, run_id: int) -> list[tuple[str, str]]:
    """Return (name, JSON text) of the run's newest code-identifying job facets."""
    if run_id in ctx.fresh_runs:  # the transaction saw every facet of a run it created
        known = ctx.run_job_facets.get(run_id, {})
        return [(name, known[name][2]) for name in CODE_FACETS if name in known]
    ctx.flush_latest("run_facets")
    return [
        (str(name), str(facet))
        for name, facet in ctx.sql.all(
            "SELECT name, facet FROM run_facets WHERE run_id = ? AND scope = 'job' "
            f"AND name IN ({', '.join('?' * len(CODE_FACETS))})",
            (run_id, *CODE_FACETS),
        )
    ]


def _io_names(ctx: Ctx, run_id: int) -> list[tuple[str, str, str]]:
    """Return (direction, namespace, name) of every dataset the run read or wrote."""
    rows = ctx.io_rows.get(run_id, {})
    if run_id in ctx.io_known and all(ds in ctx.names for ds, _way in rows):
        return [(way, *ctx.names[ds]) for ds, way in rows]  # the transaction knows them all
    flush_io(ctx)
    return [
        (str(way), str(namespace), str(name))
        for way, namespace, name in ctx.sql.all(
            "SELECT io.direction, d.namespace, d.name FROM run_io io "
            "JOIN datasets d ON d.id = io.dataset_id WHERE io.run_id = ?",
            (run_id,),
        )
    ]


def _version_row(
    ctx: Ctx,
    job: int,
    version: str,
    t: int,
    inputs: list[str],
    outputs: list[str],
    code: dict[str, str | None],
) -> int:
    # Only this module writes job versions: what it found or made is still there, unless
    # it deleted it since (``_drop_if_unused``).
    found = ctx.job_versions.get((job, version))
    if found is None:
        found = ctx.sql.scalar(
            "SELECT id FROM job_versions WHERE job_id = ? AND version = ?", (job, version)
        )
    if found is None:
        names = ("job_id", "version", "created_us", "inputs", "outputs", *code)
        values = (job, version, t, dumps(inputs), dumps(outputs), *code.values())
        found = ctx.ids.insert("job_versions", names, values)
    ctx.job_versions[(job, version)] = int(found)
    return int(found)


def _date_version(ctx: Ctx, version_id: int) -> None:
    """Date a job version by the earliest run that uses it."""
    ctx.refresh_later(
        "UPDATE job_versions SET created_us = (SELECT min(r.start_us) FROM runs r "
        "WHERE r.job_version_id = ?) WHERE id = ?",
        (version_id, version_id),
    )


def _drop_if_unused(ctx: Ctx, version_id: int) -> None:
    """Delete a job version no run uses any more (a run's version was recomputed)."""
    flush_runs(ctx)
    used = ctx.conn.execute(
        select(runs.c.id).where(runs.c.job_version_id == version_id).limit(1)
    ).first()
    if used is None:
        ctx.conn.execute(job_versions.delete().where(job_versions.c.id == version_id))
        gone = [key for key, found in ctx.job_versions.items() if found == version_id]
        for key in gone:
            del ctx.job_versions[key]
    else:
        _date_version(ctx, version_id)


def refresh_latest_run(ctx: Ctx, job: int) -> None:
    """Point the job at its newest run (by start time)."""
    ctx.refresh_later(
        "UPDATE jobs SET latest_run_id = (SELECT r.id FROM runs r WHERE r.job_id = ? "
        "AND r.kind = 'run' AND r.start_us IS NOT NULL "
        "ORDER BY r.start_us DESC, r.uuid DESC LIMIT 1) WHERE id = ?",
        (job, job),
    )
