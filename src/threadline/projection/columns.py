"""Turn ``columnLineage`` and the explicit ``lineage`` facets into edges asserted by a run.

Column edges go field → field (``column``) or field → dataset for dataset-wide
dependencies such as filters and joins (``column_dataset``). The ``lineage`` facets add
entity edges too. Datasets that column lineage names as sources but the event does not
list as inputs (dbt seeds are the common case) become inputs of the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from threadline.model import DatasetRecord
from threadline.openlineage.checks import is_deleted
from threadline.projection.context import Ctx, dumps
from threadline.projection.entities import dataset_id, ensure_fields, field_id, job_id
from threadline.store.tables import run_edges


@dataclass(slots=True)
class Assertions:
    """Edges and extra inputs/outputs one event asserts beyond its dataset lists."""

    edges: dict[tuple[int, int, str], dict[str, Any]] = field(default_factory=dict)
    extra_inputs: dict[int, None] = field(default_factory=dict)
    extra_outputs: dict[int, None] = field(default_factory=dict)

    def edge(self, src: int, dst: int, kind: str, facets: dict[str, Any] | None = None) -> None:
        """Assert an edge; the first description of an edge is kept."""
        self.edges.setdefault((src, dst, kind), facets or {})


def _transform(item: dict[str, Any], entry: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if item.get("transformations"):
        out["transformations"] = item["transformations"]
    if entry:
        for key in ("transformationDescription", "transformationType"):
            if entry.get(key) is not None:
                out[key] = entry[key]
    return out


def column_lineage(ctx: Ctx, target: int, facet: dict[str, Any], t: int, found: Assertions) -> None:
    """Collect the edges of a ``columnLineage`` facet on dataset ``target``."""
    fields: dict[str, Any] = facet.get("fields") or {}
    linked = [
        (out_field, entry, item)
        for out_field, entry in fields.items()
        for item in entry.get("inputFields") or []
    ]
    wide: list[dict[str, Any]] = facet.get("dataset") or []
    named: dict[tuple[str, str], int] = {}  # a facet names the same few datasets many times

    def resolve(item: dict[str, Any]) -> int:
        key = (item["namespace"], item["name"])
        found = named.get(key)
        if found is None:
            found = named[key] = dataset_id(ctx, key[0], key[1], t)
        return found

    sources = [resolve(i) for _o, _e, i in linked]
    wide_sources = [resolve(i) for i in wide]
    # Every field this facet names, created together (targets first, then sources).
    wanted: list[tuple[int, str, str | None]] = [(target, f, None) for f in fields]
    wanted += [(s, i["field"], None) for s, (_o, _e, i) in zip(sources, linked, strict=True)]
    wanted += [(s, i["field"], None) for s, i in zip(wide_sources, wide, strict=True)]
    ensure_fields(ctx, wanted)
    for source, (out_field, entry, item) in zip(sources, linked, strict=True):
        found.extra_inputs[source] = None
        src, dst = field_id(ctx, source, item["field"]), field_id(ctx, target, out_field)
        found.edge(src, dst, "column", _transform(item, entry))
    for source, item in zip(wide_sources, wide, strict=True):
        found.extra_inputs[source] = None
        src = field_id(ctx, source, item["field"])
        found.edge(src, target, "column_dataset", _transform(item))


def _lineage_source(
    ctx: Ctx, item: dict[str, Any], *, t: int, own_job: int | None
) -> tuple[str, int] | None:
    kind = item.get("type") or "DATASET"
    if kind == "JOB":
        if item.get("namespace") and item.get("name"):
            return "job", job_id(ctx, item["namespace"], item["name"], t)
        return ("job", own_job) if own_job is not None else None
    return "dataset", dataset_id(ctx, item["namespace"], item["name"], t)


def dataset_lineage(
    ctx: Ctx,
    target: int,
    facet: dict[str, Any],
    *,
    t: int,
    own_job: int | None,
    found: Assertions,
) -> None:
    """Collect the edges of a dataset ``lineage`` facet (or a job facet's dataset entry).

    With a job (``own_job``), dataset sources become inputs of the job; without one (a
    DatasetEvent) they derive the target directly.
    """
    for item in facet.get("inputs") or []:
        source = _lineage_source(ctx, item, t=t, own_job=own_job)
        if source is None:
            continue
        kind, node = source
        if kind == "job":
            found.edge(node, target, "output", _transform(item))
        elif own_job is not None:
            found.extra_inputs[node] = None
        else:
            found.edge(node, target, "derived", _transform(item))
        if kind == "dataset" and item.get("field"):
            found.edge(
                field_id(ctx, node, item["field"]), target, "column_dataset", _transform(item)
            )
    for out_field, entry in (facet.get("fields") or {}).items():
        dst = field_id(ctx, target, out_field)
        for item in entry.get("inputs") or []:
            source = _lineage_source(ctx, item, t=t, own_job=own_job)
            if source is None or source[0] == "job" or not item.get("field"):
                continue
            if own_job is not None:
                found.extra_inputs[source[1]] = None
            found.edge(field_id(ctx, source[1], item["field"]), dst, "column", _transform(item))


def job_lineage(ctx: Ctx, own_job: int, facet: dict[str, Any], t: int, found: Assertions) -> None:
    """Collect the edges of a job ``lineage`` facet (``entries``, or ``lineage`` in 1-0-0)."""
    for entry in facet.get("entries") or facet.get("lineage") or []:
        kind = entry.get("type") or "DATASET"
        if kind == "DATASET":
            target = dataset_id(ctx, entry["namespace"], entry["name"], t)
            found.extra_outputs[target] = None
            dataset_lineage(ctx, target, entry, t=t, own_job=own_job, found=found)
            continue
        target_job = (
            job_id(ctx, entry["namespace"], entry["name"], t)
            if entry.get("namespace") and entry.get("name")
            else own_job
        )
        for item in entry.get("inputs") or []:
            source = _lineage_source(ctx, item, t=t, own_job=own_job)
            if source is None:
                continue
            if source[0] == "job":
                found.edge(source[1], target_job, "job", _transform(item))
            elif target_job == own_job:
                found.extra_inputs[source[1]] = None
            else:
                found.edge(source[1], target_job, "input", _transform(item))


def collect(
    ctx: Ctx,
    *,
    job: int | None,
    job_facets: dict[str, Any],
    outputs: list[tuple[int, DatasetRecord]],
    t: int,
) -> Assertions:
    """Collect everything the lineage facets of one event assert."""
    found = Assertions()
    for target, record in outputs:
        facet = record.facets.get("columnLineage")
        if facet is not None and not is_deleted(facet):
            column_lineage(ctx, target, facet, t, found)
        facet = record.facets.get("lineage")
        if facet is not None and not is_deleted(facet):
            dataset_lineage(ctx, target, facet, t=t, own_job=job, found=found)
    facet = job_facets.get("lineage")
    if job is not None and facet is not None and not is_deleted(facet):
        job_lineage(ctx, job, facet, t, found)
    return found


def store_edges(ctx: Ctx, run_id: int, found: Assertions, t: int) -> None:
    """Record a run's asserted edges: the first description of each, the earliest time.

    They are written when the batch is done (``flush_edges``): only the edge sweeps,
    which run then too, read them.
    """
    for (src, dst, kind), facets in found.edges.items():
        known = ctx.run_edges.get((run_id, src, dst, kind))
        if known is None:
            ctx.run_edges[(run_id, src, dst, kind)] = [ctx.asserter, t, dumps(facets)]
        elif t < known[1]:
            known[1] = t


def flush_edges(ctx: Ctx) -> None:
    """Write the run edges of the batch, one row per key."""
    ctx.insert_values(
        run_edges,
        ("run_id", "src", "dst", "kind", "asserter", "bound_us", "facets"),
        [(*key, *rest) for key, rest in ctx.run_edges.items()],
        "ON CONFLICT (run_id, src, dst, kind) DO UPDATE SET bound_us = excluded.bound_us "
        "WHERE excluded.bound_us < run_edges.bound_us",
    )
    ctx.run_edges.clear()
