"""Project runs: identity, accumulated facets, state by event time, parent and root runs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from threadline.model import RunState
from threadline.openlineage import run_uuid
from threadline.openlineage.checks import is_deleted
from threadline.projection.context import Ctx, dumps, loads
from threadline.projection.entities import job_id
from threadline.projection.models import refresh_job_kind
from threadline.store.tables import job_facets, jobs, run_facets, runs
from threadline.times import parse_iso_us

R = runs.c
_TERMINAL = {state.value for state in RunState if state.terminal}


RUN_COLUMNS = (
    "start_us",
    "created_us",
    "updated_us",
    "job_id",
    "external_id",
    "asserter_id",
    "job_version_id",
    "state",
    "state_us",
    "state_key",
    "started_us",
    "ended_us",
)
"""The columns of a run the projection reads back; only this module and job versions set them."""


def cached_run(ctx: Ctx, run_id: int) -> dict[str, Any]:
    """Return what the transaction knows of a run's row (``run_row`` has read or made it)."""
    return ctx.run_rows[run_id]


def set_run(ctx: Ctx, run_id: int, values: dict[str, Any]) -> None:
    """Set columns of a run's row: remembered now, written by ``flush_runs``."""
    if values:
        ctx.run_rows[run_id].update(values)
        ctx.run_dirty.setdefault(run_id, {}).update(values)


def flush_runs(ctx: Ctx) -> None:
    """Write the runs' changed columns; whoever reads ``runs`` with SQL calls this first."""
    groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for run_id, values in ctx.run_dirty.items():
        names = tuple(sorted(values))
        groups.setdefault(names, []).append((*(values[n] for n in names), run_id))
    ctx.run_dirty.clear()
    for names, rows in groups.items():
        ctx.update_rows(runs, names, rows)


def _read_run(ctx: Ctx, uuid: str) -> dict[str, Any] | None:
    cached = ctx.runs.get(uuid)
    if cached is not None:
        return ctx.run_rows[cached]
    if ("runs", uuid) in ctx.absent:  # read ahead (see ``prefetch``): not there
        return None
    row = ctx.sql.first(f"SELECT id, {', '.join(RUN_COLUMNS)} FROM runs WHERE uuid = ?", (uuid,))
    if row is None:
        return None
    found = dict(zip(("id", *RUN_COLUMNS), row, strict=True))
    ctx.runs[uuid] = int(row[0])
    ctx.run_rows[int(row[0])] = found
    return found


def run_row(
    ctx: Ctx,
    uuid: str,
    *,
    job: int | None,
    t: int | None,
    kind: str = "run",
    asserter: int | None = None,
    external_id: str | None = None,
) -> int:
    """Find or create a run; ``t`` None makes a placeholder (a parent seen only by reference).

    Returns the run id.
    """
    row = _read_run(ctx, uuid)
    stamp = t if t is not None else 0
    if row is None:
        asserter_id = asserter if asserter is not None else job
        new_id = ctx.ids.insert(
            "runs",
            (
                "uuid",
                "external_id",
                "kind",
                "job_id",
                "asserter_id",
                "start_us",
                "created_us",
                "updated_us",
            ),
            (uuid, external_id, kind, job, asserter_id, t, stamp, stamp),
        )
        ctx.runs[uuid] = new_id
        ctx.run_rows[new_id] = dict.fromkeys(RUN_COLUMNS) | {
            "id": new_id,
            "start_us": t,
            "created_us": stamp,
            "updated_us": stamp,
            "job_id": job,
            "external_id": external_id,
            "asserter_id": asserter_id,
        }
        ctx.run_asserters[new_id] = asserter_id
        ctx.io_known.add(new_id)  # its run_io rows are all written by this transaction
        ctx.fresh_runs.add(new_id)
        ctx.touch("run", new_id)
        return new_id
    found = int(row["id"])
    start_us, created_us, updated_us = row["start_us"], row["created_us"], row["updated_us"]
    ctx.touch("run", found)
    values: dict[str, Any] = {}
    if row["job_id"] is None and job is not None:
        values.update(job_id=job, asserter_id=asserter if asserter is not None else job)
    if external_id and not row["external_id"]:
        values["external_id"] = external_id
    if t is not None:
        if start_us is None or t < start_us:
            values["start_us"] = t
        if start_us is None or t < created_us:
            values["created_us"] = t
        if t > updated_us:
            values["updated_us"] = t
    set_run(ctx, found, values)
    ctx.run_asserters[found] = row["asserter_id"]
    return found


def apply_state(
    ctx: Ctx, run_id: int, state: RunState, t: int, key: str
) -> tuple[str | None, int | None]:
    """Apply a run state: a terminal state always beats a non-terminal one, then time.

    Returns the run's state afterwards, and the time of a COMPLETE statement this event
    moved or withdrew, if any.
    """
    row = cached_run(ctx, run_id)  # a run is projected before its state
    old_state, state_us, state_key = row["state"], row["state_us"], row["state_key"]
    started_us, ended_us = row["started_us"], row["ended_us"]
    values: dict[str, Any] = {}
    withdrawn = None
    new_rank = (state.terminal, t, key)
    if old_state is None or new_rank > (old_state in _TERMINAL, state_us, state_key):
        values.update(
            state=state.value, state_us=t, state_key=key, ended_us=t if state.terminal else None
        )
        if old_state == "COMPLETE":
            withdrawn = int(ended_us)
    if state is RunState.START and (started_us is None or t < started_us):
        values["started_us"] = t
    set_run(ctx, run_id, values)
    return values.get("state", old_state), withdrawn


def store_facets(
    ctx: Ctx,
    run_id: int,
    job: int,
    *,
    run: dict[str, Any],
    job_level: dict[str, Any],
    t: int,
    key: str,
) -> None:
    """Accumulate a run's facets (and its job's) keeping the newest value of each."""
    rows = [
        {
            "run_id": run_id,
            "scope": scope,
            "name": name,
            "facet": dumps(facet),
            "event_time_us": t,
            "event_key": key,
        }
        for scope, facets in (("run", run), ("job", job_level))
        for name, facet in facets.items()
    ]
    ctx.upsert_later(run_facets, rows, ["run_id", "scope", "name"], ["facet"])
    if run_id in ctx.fresh_runs:  # all of its job facets are the ones seen here
        known = ctx.run_job_facets.setdefault(run_id, {})
        for row in rows:
            name = str(row["name"])
            old = known.get(name)
            if row["scope"] == "job" and (old is None or (t, key) > old[:2]):
                known[name] = (t, key, str(row["facet"]))
    ctx.upsert_later(
        job_facets,
        [
            {
                "job_id": job,
                "name": name,
                "facet": dumps(facet),
                "event_time_us": t,
                "event_key": key,
                "deleted": is_deleted(facet),
            }
            for name, facet in job_level.items()
        ],
        ["job_id", "name"],
        ["facet", "deleted"],
    )
    if "threadline_job" in job_level:
        refresh_job_kind(ctx, job)


def _stored_run_facet(ctx: Ctx, run_id: int, name: str) -> dict[str, Any] | None:
    ctx.flush_latest("run_facets")
    f = run_facets.c
    text = ctx.conn.execute(
        select(f.facet).where(f.run_id == run_id, f.scope == "run", f.name == name)
    ).scalar()
    facet = loads(text) if text else None
    return None if facet is None or is_deleted(facet) else facet


def apply_parent(ctx: Ctx, run_id: int, job: int, t: int, key: str) -> None:
    """Link a run (and its job) to the parent and root named by its newest parent facet."""
    flush_runs(ctx)  # the root's job is read below
    facet = _stored_run_facet(ctx, run_id, "parent")
    if facet is None:
        return
    parent_job = job_id(ctx, facet["job"]["namespace"], facet["job"]["name"], t)
    parent_run = run_row(ctx, run_uuid(facet["run"]["runId"]), job=parent_job, t=None)
    root = facet.get("root")
    if root:
        root_job = job_id(ctx, root["job"]["namespace"], root["job"]["name"], t)
        root_run = run_row(ctx, run_uuid(root["run"]["runId"]), job=root_job, t=None)
    else:
        parents_root = ctx.conn.execute(select(R.root_run_id).where(R.id == parent_run)).scalar()
        root_run = int(parents_root) if parents_root is not None else parent_run
        root_job_value = ctx.conn.execute(select(R.job_id).where(R.id == root_run)).scalar()
        root_job = int(root_job_value) if root_job_value is not None else parent_job
    ctx.conn.execute(
        update(runs).where(R.id == run_id).values(parent_run_id=parent_run, root_run_id=root_run)
    )
    j = jobs.c
    ctx.conn.execute(
        update(jobs)
        .where(
            j.id == job,
            (j.parent_us.is_(None))
            | ((j.parent_us < t) | ((j.parent_us == t) & (j.parent_key <= key))),
        )
        .values(parent_job_id=parent_job, root_job_id=root_job, parent_us=t, parent_key=key)
    )


def apply_nominal_time(ctx: Ctx, run_id: int) -> None:
    """Copy the newest nominalTime facet's times onto the run."""
    facet = _stored_run_facet(ctx, run_id, "nominalTime")
    if facet is None:
        return
    start, end = facet.get("nominalStartTime"), facet.get("nominalEndTime")
    ctx.conn.execute(
        update(runs)
        .where(R.id == run_id)
        .values(
            nominal_start_us=parse_iso_us(start) if start else None,
            nominal_end_us=parse_iso_us(end) if end else None,
        )
    )


def is_streaming(job_level: dict[str, Any]) -> bool:
    """Tell whether a job's facets declare it a streaming job."""
    job_type = job_level.get("jobType") or {}
    return str(job_type.get("processingType", "")).upper() == "STREAMING"
