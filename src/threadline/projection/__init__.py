"""Project logged events into the lineage model, inside the transaction that logged them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from threadline.model import DatasetRecord, EventKind, ParsedEvent
from threadline.projection import columns
from threadline.projection.admin import project_admin
from threadline.projection.context import Ctx, ident, stable_uuid
from threadline.projection.datasetfacets import project_dataset
from threadline.projection.edges import flush_sweeps, resweep
from threadline.projection.entities import job_id
from threadline.projection.jobversions import (
    flush_job_versions,
    refresh_job_version,
    refresh_latest_run,
)
from threadline.projection.models import project_predictions
from threadline.projection.prefetch import prefetch
from threadline.projection.runio import add_input, add_output, flush_io
from threadline.projection.runs import (
    apply_nominal_time,
    apply_parent,
    apply_state,
    cached_run,
    flush_runs,
    is_streaming,
    run_row,
    store_facets,
)
from threadline.projection.versions import event_version, flush_rebinds, flush_version_facets


def project(
    conn: Connection, events: Sequence[tuple[ParsedEvent, int]], *, read_ahead: bool = True
) -> None:
    """Project events (already appended to the log, with their sequence numbers).

    Without ``read_ahead`` every row is looked up when first met, not read ahead
    (``prefetch``): the projection is the same, in more statements.
    """
    ctx = Ctx(conn)
    due = read_ahead
    for at, (event, seq) in enumerate(events):
        ctx.seq = seq
        if due:
            prefetch(ctx, _until_admin(events, at))
            due = False
        if event.kind is EventKind.RUN:
            _run_event(ctx, event)
        elif event.kind is EventKind.JOB:
            _job_event(ctx, event)
        elif event.kind is EventKind.DATASET:
            _dataset_event(ctx, event)
        elif event.admin is not None:
            _flush(ctx)  # an admin event may hide what the pending spans un-hide
            project_admin(ctx, event.admin, event.event_time_us)
            due = read_ahead
        ctx.end_event()
    _flush(ctx)


def _flush(ctx: Ctx) -> None:
    """Write what the events so far deferred (each flush may need the ones before it)."""
    ctx.flush_spans()
    flush_job_versions(ctx)
    ctx.flush_latest()
    flush_runs(ctx)
    flush_version_facets(ctx)
    flush_io(ctx)
    flush_rebinds(ctx)
    columns.flush_edges(ctx)
    flush_sweeps(ctx)
    ctx.flush_later()
    ctx.flush_changes()
    ctx.version_windows.clear()  # implicit versions were settled (``flush_rebinds``)


def _until_admin(events: Sequence[tuple[ParsedEvent, int]], start: int) -> list[ParsedEvent]:
    """Return the events from ``start`` up to the next admin event."""
    found = []
    for event, _seq in events[start:]:
        if event.admin is not None:
            break
        found.append(event)
    return found


def _io(
    ctx: Ctx, event: ParsedEvent, run_id: int, run_uuid: str, job: int, *, versioned: bool
) -> None:
    t, key = event.event_time_us, event.event_key
    for record in event.inputs:
        ds = project_dataset(ctx, record, t, key)
        add_input(
            ctx,
            run_id,
            ds,
            t=t,
            key=key,
            facets=record.facets,
            io_facets=record.io_facets,
            versioned=versioned,
        )
    targets: list[tuple[int, DatasetRecord]] = []
    for record in event.outputs:
        ds = project_dataset(ctx, record, t, key)
        targets.append((ds, record))
        version_id = add_output(
            ctx,
            run_id,
            run_uuid,
            ds,
            t=t,
            key=key,
            facets=record.facets,
            io_facets=record.io_facets,
            versioned=versioned,
        )
        _predictions(ctx, ds, record, version_id=version_id, run_id=run_id, t=t, key=key)
    found = columns.collect(ctx, job=job, job_facets=event.job_facets, outputs=targets, t=t)
    listed_in = {ctx.datasets[_key(r)].id for r in event.inputs}
    listed_out = {ds for ds, _ in targets}
    for ds in found.extra_inputs:
        if ds not in listed_in:
            add_input(ctx, run_id, ds, t=t, key=key, facets={}, io_facets={}, versioned=versioned)
    for ds in found.extra_outputs:
        if ds not in listed_out:
            add_output(
                ctx,
                run_id,
                run_uuid,
                ds,
                t=t,
                key=key,
                facets={},
                io_facets={},
                versioned=versioned,
            )
    columns.store_edges(ctx, run_id, found, t)


def _predictions(
    ctx: Ctx,
    ds: int,
    record: DatasetRecord,
    *,
    version_id: int | None,
    run_id: int | None,
    t: int,
    key: str,
) -> None:
    facet = record.facets.get("threadline_predictions")
    if facet is not None and facet.get("records"):
        project_predictions(ctx, ds, facet, version_id=version_id, run_id=run_id, t=t, key=key)


def _key(record: DatasetRecord) -> str:
    return ident(record.namespace, record.name)


def _asserter(ctx: Ctx, run_id: int, job: int) -> int:
    """Return the run's asserter: its job (a run keeps the job of its first event)."""
    found = ctx.run_asserters[run_id]  # as ``run_row`` just read or wrote it
    return int(found) if found is not None else job


def _run_event(ctx: Ctx, event: ParsedEvent) -> None:
    assert event.job is not None and event.run_uuid is not None
    t, key = event.event_time_us, event.event_key
    job = job_id(ctx, event.job.namespace, event.job.name, t)
    run_id = run_row(ctx, event.run_uuid, job=job, t=t, external_id=event.run_external_id)
    ctx.asserter = _asserter(ctx, run_id, job)
    store_facets(ctx, run_id, job, run=event.run_facets, job_level=event.job_facets, t=t, key=key)
    since, state = t, None
    if event.event_type is not None:
        state, withdrawn = apply_state(ctx, run_id, event.event_type, t, key)
        since = min(t, withdrawn) if withdrawn is not None else t
    if "parent" in event.run_facets:
        apply_parent(ctx, run_id, job, t, key)
    if "nominalTime" in event.run_facets:
        apply_nominal_time(ctx, run_id)
    _io(ctx, event, run_id, event.run_uuid, job, versioned=True)
    if event.event_type is None:  # otherwise ``apply_state`` said; nothing else sets it
        state = cached_run(ctx, run_id)["state"]
    if state in ("COMPLETE", "FAIL", "ABORT") or is_streaming(event.job_facets):
        refresh_job_version(ctx, run_id, job)
    refresh_latest_run(ctx, job)
    resweep(ctx, ctx.asserter, since)


def _job_event(ctx: Ctx, event: ParsedEvent) -> None:
    """A JobEvent is a static declaration: a run-less assertion of the job's lineage."""
    assert event.job is not None
    t, key = event.event_time_us, event.event_key
    job = job_id(ctx, event.job.namespace, event.job.name, t)
    uuid = stable_uuid("job_event", key)
    run_id = run_row(ctx, uuid, job=job, t=t, kind="job_event")
    ctx.asserter = job
    store_facets(ctx, run_id, job, run={}, job_level=event.job_facets, t=t, key=key)
    _io(ctx, event, run_id, uuid, job, versioned=False)
    refresh_job_version(ctx, run_id, job)
    resweep(ctx, job, t)


def _dataset_event(ctx: Ctx, event: ParsedEvent) -> None:
    """A DatasetEvent records a dataset version; lineage facets on it derive it directly."""
    assert event.dataset is not None
    t, key = event.event_time_us, event.event_key
    record = event.dataset
    ds = project_dataset(ctx, record, t, key)
    version_id = event_version(ctx, ds, t=t, facets=record.facets, key=key)
    _predictions(ctx, ds, record, version_id=version_id, run_id=None, t=t, key=key)
    found = columns.collect(ctx, job=None, job_facets={}, outputs=[(ds, record)], t=t)
    for source in found.extra_inputs:
        found.edge(source, ds, "derived")
    if not found.edges:
        return
    uuid = stable_uuid("dataset_event", key)
    run_id = run_row(ctx, uuid, job=None, t=t, kind="dataset_event", asserter=ds)
    ctx.asserter = ds
    columns.store_edges(ctx, run_id, found, t)
    resweep(ctx, ds, t)
