"""Column lineage as Marquez shows it: fields, their direct input fields and transformations."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from threadline.queries.marquez.common import rows_in
from threadline.store.codec import loads
from threadline.store.tables import (
    dataset_fields,
    dataset_versions,
    datasets,
    edges,
    run_edges,
    runs,
)


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """A dataset field with its dataset's identity and current version."""

    id: int
    dataset_id: int
    namespace: str
    dataset: str
    path: str
    type: str | None
    dataset_version: str | None


def fields_info(conn: Connection, field_ids: Iterable[int]) -> dict[int, FieldInfo]:
    """Describe fields by node id."""
    f, d, v = dataset_fields.c, datasets.c, dataset_versions.c
    return {
        int(row.id): FieldInfo(
            int(row.id),
            int(row.dataset_id),
            row.namespace,
            row.name,
            row.path,
            row.type,
            row.version,
        )
        for row in rows_in(
            conn,
            lambda chunk: (
                select(f.id, f.dataset_id, f.path, f.type, d.namespace, d.name, v.version)
                .join(datasets, d.id == f.dataset_id)
                .join(dataset_versions, v.id == d.current_version_id, isouter=True)
                .where(f.id.in_(chunk))
            ),
            field_ids,
        )
    }


def transformation(facets: dict[str, Any]) -> tuple[str | None, str | None]:
    """Return (description, type) of a column edge, from either form of the facet.

    The old form names ``transformationDescription``/``transformationType``; the current
    one lists ``transformations`` whose first entry's subtype (IDENTITY, AGGREGATION...)
    plays the part of the old type, or its type (DIRECT, INDIRECT) without a subtype.
    """
    description = facets.get("transformationDescription")
    kind = facets.get("transformationType")
    listed = facets.get("transformations") or []
    first = listed[0] if listed and isinstance(listed[0], dict) else {}
    description = description or first.get("description")
    kind = kind or first.get("subtype") or first.get("type")
    return (
        description if isinstance(description, str) else None,
        kind if isinstance(kind, str) else None,
    )


def _edge_facets(conn: Connection, field_ids: Iterable[int]) -> dict[tuple[int, int], Any]:
    re_, r = run_edges.c, runs.c
    rows = rows_in(
        conn,
        lambda chunk: (
            select(re_.src, re_.dst, re_.facets, r.start_us)
            .join(runs, r.id == re_.run_id)
            .where(re_.dst.in_(chunk), re_.kind == "column")
        ),
        field_ids,
    )
    found: dict[tuple[int, int], Any] = {}
    for row in sorted(rows, key=lambda x: x.start_us or 0, reverse=True):
        found.setdefault((int(row.src), int(row.dst)), loads(row.facets))
    return found


def current_inputs(conn: Connection, field_ids: Iterable[int]) -> dict[int, list[int]]:
    """Return each field's current direct input fields (the column edges into it)."""
    e = edges.c
    found: dict[int, set[int]] = {}
    for src, dst in rows_in(
        conn,
        lambda chunk: select(e.src, e.dst).where(
            e.dst.in_(chunk), e.kind == "column", e.valid_to_us.is_(None)
        ),
        field_ids,
    ):
        found.setdefault(int(dst), set()).add(int(src))
    return {dst: sorted(srcs) for dst, srcs in found.items()}


def input_fields(
    conn: Connection, inputs: dict[int, list[int]], *, versioned: bool
) -> dict[int, list[dict[str, Any]]]:
    """Return Marquez's ``inputFields`` of each field from its input field ids."""
    wanted = {src for srcs in inputs.values() for src in srcs}
    info = fields_info(conn, wanted)
    facets = _edge_facets(conn, inputs)
    found: dict[int, list[dict[str, Any]]] = {}
    for dst, srcs in inputs.items():
        items = []
        for src in srcs:
            if src not in info:
                continue
            source = info[src]
            description, kind = transformation(facets.get((src, dst)) or {})
            item: dict[str, Any] = {"namespace": source.namespace, "dataset": source.dataset}
            if versioned:
                item["datasetVersion"] = source.dataset_version
            item |= {
                "field": source.path,
                "transformationDescription": description,
                "transformationType": kind,
            }
            items.append(item)
        found[dst] = sorted(items, key=lambda i: (i["namespace"], i["dataset"], i["field"]))
    return found


def dataset_column_lineage(conn: Connection, dataset_ids: Iterable[int]) -> dict[int, Any]:
    """Return the ``columnLineage`` of each dataset that has any (Marquez's enrichment)."""
    f = dataset_fields.c
    fields = rows_in(
        conn,
        lambda chunk: select(f.id, f.dataset_id, f.path).where(f.dataset_id.in_(chunk)),
        dataset_ids,
    )
    inputs = current_inputs(conn, [int(row.id) for row in fields])
    described = input_fields(conn, inputs, versioned=False)
    found: dict[int, list[dict[str, Any]]] = {}
    for row in sorted(fields, key=lambda r: r.path):
        items = described.get(int(row.id))
        if not items:
            continue
        found.setdefault(int(row.dataset_id), []).append(
            {
                "name": row.path,
                "inputFields": items,
                "transformationDescription": items[0]["transformationDescription"],
                "transformationType": items[0]["transformationType"],
            }
        )
    return dict(found)
