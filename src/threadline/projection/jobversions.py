"""Compute job versions from a run's inputs, outputs and code identity.

A job version changes when the job's inputs, outputs, source location (and its version),
SQL text or source code change, so the runs that used an old definition can be found.
"""

from __future__ import annotations

import hashlib
from typing import Any, NamedTuple

from threadline.projection.context import Ctx, dumps, loads, stable_uuid
from threadline.projection.runio import flush_io
from threadline.projection.runs import cached_run, flush_runs, set_run
from threadline.store.rawsql import in_chunks

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
    """Compute the run's job version; link the run to it when the batch's rows are flushed.

    The identity is computed now, from what the run is at this event. Finding or making
    the version row waits for ``flush_job_versions``: the run ends up with the version of
    its last identity, as linking after every event would (the versions in between would
    have been dropped as unused), in a few statements for the whole batch.
    """
    names: dict[str, list[str]] = {"in": [], "out": []}
    for direction, namespace, name in _io_names(ctx, run_id):
        names[direction].append(f"{namespace}:{name}")
    facets = {name: loads(facet) for name, facet in _code_facets(ctx, run_id)}
    facets = {name: facet for name, facet in facets.items() if facet.get("_deleted") is not True}
    job_row = ctx.names.get(job) or ctx.sql.first(
        "SELECT namespace, name FROM jobs WHERE id = ?", (job,)
    )
    assert job_row is not None, "the job is projected"
    code = code_identity(facets)
    inputs, outputs = sorted(set(names["in"])), sorted(set(names["out"]))
    identity = dumps([job_row[0], job_row[1], inputs, outputs, code])
    version = stable_uuid("job-version", identity)
    ctx.job_version_due.pop(run_id, None)  # kept in the order of the last identity
    ctx.job_version_due[run_id] = _Due(job, version, inputs, outputs, code)
    ctx.refresh_later(
        "jobs",
        "current_version_id",
        "(SELECT r.job_version_id FROM runs r WHERE r.job_id = jobs.id "
        "AND r.job_version_id IS NOT NULL ORDER BY r.start_us DESC, r.uuid DESC LIMIT 1)",
        job,
    )


def flush_job_versions(ctx: Ctx) -> None:
    """Link the runs to their job versions (found or made); drop the ones left unused."""
    due = ctx.job_version_due
    if not due:
        return
    ctx.job_version_due = {}
    _find_versions(ctx, {(d.job, d.version) for d in due.values()} - ctx.job_versions.keys())
    replaced: dict[int, None] = {}
    for run_id, d in due.items():
        run_row = cached_run(ctx, run_id)  # the run is projected
        version_id = ctx.job_versions.get((d.job, d.version))
        if version_id is None:
            names = ("job_id", "version", "created_us", "inputs", "outputs", *d.code)
            values = (
                d.job,
                d.version,
                int(run_row["start_us"]),
                dumps(d.inputs),
                dumps(d.outputs),
                *d.code.values(),
            )
            version_id = ctx.job_versions[(d.job, d.version)] = ctx.ids.insert(
                "job_versions", names, values
            )
        old_version = run_row["job_version_id"]
        set_run(ctx, run_id, {"job_version_id": version_id})
        _date_version(ctx, version_id)
        if old_version is not None and old_version != version_id:
            replaced[int(old_version)] = None
    _drop_unused(ctx, list(replaced))


class _Due(NamedTuple):
    """A run's job version identity, to be linked (``flush_job_versions``)."""

    job: int
    version: str
    inputs: list[str]
    outputs: list[str]
    code: dict[str, str | None]


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


def _find_versions(ctx: Ctx, wanted: set[tuple[int, str]]) -> None:
    """Remember the ids of the wanted (job, version) rows that exist.

    Only this module writes job versions: what it found or made is still there, unless it
    deleted it since (``_drop_unused``).
    """
    versions = sorted({version for _job, version in wanted})
    for marks, chunk in in_chunks(versions):
        for job, version, found in ctx.sql.all(
            f"SELECT job_id, version, id FROM job_versions WHERE version IN ({marks})", chunk
        ):
            if (int(job), str(version)) in wanted:
                ctx.job_versions[(int(job), str(version))] = int(found)


def _date_version(ctx: Ctx, version_id: int) -> None:
    """Date a job version by the earliest run that uses it."""
    ctx.refresh_later(
        "job_versions",
        "created_us",
        "(SELECT min(r.start_us) FROM runs r WHERE r.job_version_id = job_versions.id)",
        version_id,
    )


def _drop_unused(ctx: Ctx, replaced: list[int]) -> None:
    """Delete the replaced job versions no run uses any more; date the others."""
    if not replaced:
        return
    flush_runs(ctx)
    used = {
        int(row[0])
        for marks, chunk in in_chunks(replaced)
        for row in ctx.sql.all(
            f"SELECT DISTINCT job_version_id FROM runs WHERE job_version_id IN ({marks})", chunk
        )
    }
    unused = [version_id for version_id in replaced if version_id not in used]
    ctx.sql.many("DELETE FROM job_versions WHERE id = ?", [(v,) for v in unused])
    gone = set(unused)
    for key in [key for key, found in ctx.job_versions.items() if found in gone]:
        del ctx.job_versions[key]
    for version_id in replaced:
        if version_id in used:
            _date_version(ctx, version_id)


def refresh_latest_run(ctx: Ctx, job: int) -> None:
    """Point the job at its newest run (by start time)."""
    ctx.refresh_later(
        "jobs",
        "latest_run_id",
        "(SELECT r.id FROM runs r WHERE r.job_id = jobs.id AND r.kind = 'run' "
        "AND r.start_us IS NOT NULL ORDER BY r.start_us DESC, r.uuid DESC LIMIT 1)",
        job,
    )
