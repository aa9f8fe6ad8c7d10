"""Marquez's DatasetVersion: a dataset as one version left it, with the run that made it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, func, select

from threadline.errors import NotFound
from threadline.queries.marquez.common import (
    DEFAULT_SOURCE,
    check_page,
    dataset_node,
    entity_id,
    facet_text,
    facets_of,
    rows_in,
    tags_of,
    text_param,
)
from threadline.queries.marquez.datasets import DATASET_TYPE
from threadline.queries.marquez.runs import runs_json
from threadline.store.codec import loads, stable_uuid, unwrap_timed
from threadline.store.tables import (
    dataset_facets,
    dataset_fields,
    dataset_schemas,
    dataset_versions,
    datasets,
    runs,
)
from threadline.times import format_iso_us

V = dataset_versions.c


def _flatten(fields: list[Any], prefix: str = "") -> list[dict[str, Any]]:
    """Return schema facet fields depth-first, nested ones named by their dotted path."""
    flat: list[dict[str, Any]] = []
    for field in fields:
        if not isinstance(field, dict) or not isinstance(field.get("name"), str):
            continue
        path = f"{prefix}{field['name']}"
        flat.append(
            {"path": path, "type": field.get("type"), "description": field.get("description")}
        )
        flat.extend(_flatten(field.get("fields") or [], f"{path}."))
    return flat


def _schemas(conn: Connection, dataset: int) -> list[tuple[int, list[dict[str, Any]]]]:
    c = dataset_schemas.c
    rows = conn.execute(
        select(c.observed_us, c.fields).where(c.dataset_id == dataset).order_by(c.observed_us)
    )
    return [(int(row.observed_us), loads(row.fields)) for row in rows]


def _fields_at(
    facets: dict[str, Any], created_us: int, history: list[tuple[int, list[dict[str, Any]]]]
) -> list[dict[str, Any]]:
    """Return the version's schema: its own schema facet, else the dataset's schema then."""
    schema = facets.get("schema")
    if isinstance(schema, dict) and isinstance(schema.get("fields"), list):
        return _flatten(schema["fields"])
    earlier = [flat for t, flat in history if t <= created_us]
    return earlier[-1] if earlier else []


def _schema_version(namespace: str, name: str, fields: list[dict[str, Any]]) -> str | None:
    """Return a stable id of a schema (names and types), like Marquez's schema versions."""
    if not fields:
        return None
    pairs = sorted(f"{f['path']}:{f.get('type')}" for f in fields)
    return stable_uuid("dataset-schema", namespace, name, *pairs)


class _Dataset:
    """What every version of one dataset shares: identity, facets, tags, schema history."""

    def __init__(self, conn: Connection, node: int) -> None:
        self.row = conn.execute(select(datasets).where(datasets.c.id == node)).one()
        self.facets = facets_of(conn, dataset_facets, "dataset_id", [node]).get(node, {})
        self.tags = tags_of(conn, [node]).get(node, [])
        f = dataset_fields.c
        fields = conn.execute(select(f.id, f.path).where(f.dataset_id == node)).all()
        by_id = tags_of(conn, [int(row.id) for row in fields])
        self.field_tags = {row.path: by_id.get(int(row.id), []) for row in fields}
        self.history = _schemas(conn, node)


def _version_json(ds: _Dataset, v: Row[Any], created_by: dict[str, Any] | None) -> dict[str, Any]:
    d, facets = ds.row, unwrap_timed(v.facets)
    flat = _fields_at(facets, int(v.created_us), ds.history)
    lifecycle = facet_text(facets, "lifecycleStateChange", "lifecycleStateChange")
    return {
        "id": {**entity_id(d.namespace, d.name), "version": v.version},
        "type": DATASET_TYPE,
        "name": d.name,
        "physicalName": d.name,
        "createdAt": format_iso_us(v.created_us),
        "version": v.version,
        "namespace": d.namespace,
        "sourceName": facet_text(facets, "dataSource", "name")
        or facet_text(ds.facets, "dataSource", "name")
        or DEFAULT_SOURCE,
        "fields": [
            {
                "name": f["path"],
                "type": f.get("type"),
                "tags": ds.field_tags.get(f["path"], []),
                "description": f.get("description"),
            }
            for f in flat
        ],
        "tags": ds.tags,
        "description": facet_text(facets, "documentation", "description")
        or facet_text(ds.facets, "documentation", "description"),
        "lifecycleState": lifecycle,
        "currentSchemaVersion": _schema_version(d.namespace, d.name, flat),
        "createdByRun": created_by,
        "createdByRunUuid": created_by["id"] if created_by else None,
        "facets": facets,
    }


def _versions_json(conn: Connection, node: int, rows: Sequence[Row[Any]]) -> list[dict[str, Any]]:
    ds = _Dataset(conn, node)
    r = runs.c
    real = rows_in(
        conn,
        lambda chunk: select(r.id).where(r.id.in_(chunk), r.kind == "run"),
        [int(row.run_id) for row in rows if row.run_id is not None],
    )
    made_by = runs_json(conn, [int(row.id) for row in real])
    return [_version_json(ds, row, made_by.get(row.run_id)) for row in rows]


def list_dataset_versions(
    conn: Connection, namespace: str, name: str, *, limit: int, offset: int
) -> dict[str, Any]:
    """Return a visible dataset's versions, newest first, with their total count."""
    check_page(limit, offset)
    node = dataset_node(conn, namespace, name)
    total = conn.execute(
        select(func.count()).select_from(dataset_versions).where(V.dataset_id == node)
    ).scalar_one()
    rows = conn.execute(
        select(dataset_versions)
        .where(V.dataset_id == node)
        .order_by(V.created_us.desc(), V.version.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return {"versions": _versions_json(conn, node, rows), "totalCount": int(total)}


def dataset_version(conn: Connection, namespace: str, name: str, version: str) -> dict[str, Any]:
    """Return one version of a visible dataset.

    Raises:
        NotFound: no such namespace, dataset or version.
    """
    node = dataset_node(conn, namespace, name)
    text_param("version", version)
    row = conn.execute(
        select(dataset_versions).where(V.dataset_id == node, V.version == version)
    ).first()
    if row is None:
        raise NotFound(f"dataset version {version[:80]!r} not found")
    return _versions_json(conn, node, [row])[0]
