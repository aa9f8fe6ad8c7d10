"""Project the model facets: registry history, per-request predictions, job kinds."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from threadline.openlineage.checks import is_deleted
from threadline.projection.context import Ctx, dumps, loads
from threadline.store.tables import job_facets, jobs, prediction_records, registry_changes
from threadline.times import parse_iso_us


def _time(text: Any, default: int) -> int:
    try:
        return parse_iso_us(text) if isinstance(text, str) else default
    except ValueError:
        return default


def project_registry(ctx: Ctx, ds: int, facet: dict[str, Any], t: int) -> None:
    """Append registry changes (versions, aliases, stages) to the model's history."""
    c = registry_changes.c
    for change in facet.get("changes") or []:
        if not isinstance(change, dict) or not change.get("type") or change.get("version") is None:
            continue
        at = _time(change.get("at"), t)
        label = str(change.get("alias") or change.get("stage") or "")
        row = {
            "dataset_id": ds,
            "change": str(change["type"])[:24],
            "version": str(change["version"]),
            "label": label,
            "actor": change.get("actor"),
            "at_us": at,
        }
        exists = ctx.conn.execute(
            select(c.id).where(
                c.dataset_id == ds,
                c.change == row["change"],
                c.version == row["version"],
                c.label == label,
                c.at_us == at,
            )
        ).first()
        if exists is None:  # the same change reported again (each sync repeats history) once
            ctx.conn.execute(registry_changes.insert().values(**row))


def project_predictions(
    ctx: Ctx,
    ds: int,
    facet: dict[str, Any],
    *,
    version_id: int | None,
    run_id: int | None,
    t: int,
    key: str,
) -> None:
    """Store the individual prediction records a predictions facet carries."""
    records = facet.get("records") or []
    rows = [
        {
            "dataset_id": ds,
            "version_id": version_id,
            "run_id": run_id,
            "input_hash": str(r.get("inputHash"))[:128],
            "output": dumps(r.get("output")),
            "at_us": _time(r.get("at"), t),
            "event_key": key,
        }
        for r in records
        if isinstance(r, dict) and r.get("inputHash") is not None
    ]
    if rows:
        ctx.conn.execute(prediction_records.insert(), rows)


def refresh_job_kind(ctx: Ctx, job: int) -> None:
    """Set a job's semantic kind from its newest ``threadline_job`` facet."""
    ctx.flush_latest("job_facets")
    text = ctx.conn.execute(
        select(job_facets.c.facet).where(
            job_facets.c.job_id == job, job_facets.c.name == "threadline_job"
        )
    ).scalar()
    facet = loads(text) if text else {}
    kind = facet.get("kind") if isinstance(facet, dict) and not is_deleted(facet) else None
    ctx.conn.execute(update(jobs).where(jobs.c.id == job).values(kind=str(kind or "job")[:32]))
    ctx.touch("node", job)
