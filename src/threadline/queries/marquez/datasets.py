"""Marquez's Dataset: identity, schema with field tags, tags, facets, current version."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Row, func, select

from threadline.queries.marquez.columns import dataset_column_lineage
from threadline.queries.marquez.common import (
    DEFAULT_SOURCE,
    check_page,
    dataset_node,
    entity_id,
    facet_text,
    facets_of,
    ids_of,
    namespace_row,
    rows_in,
    tags_of,
)
from threadline.store.tables import dataset_facets, dataset_fields, dataset_versions, datasets
from threadline.times import format_iso_us

D = datasets.c
DATASET_TYPE = "DB_TABLE"  # what Marquez records for every dataset that OpenLineage reports


def _ordered(rows: Sequence[Row[Any]]) -> list[Row[Any]]:
    """Order fields as the schema lists them: by ordinal, nested fields after their parent."""
    by_id = {int(row.id): row for row in rows}
    keys: dict[int, tuple[int, ...]] = {}

    def key(row: Row[Any], seen: int = 0) -> tuple[int, ...]:
        if int(row.id) not in keys:
            parent = by_id.get(row.parent_id) if row.parent_id is not None else None
            head = key(parent, seen + 1) if parent is not None and seen < 64 else ()
            keys[int(row.id)] = (*head, row.ordinal if row.ordinal is not None else 1 << 30)
        return keys[int(row.id)]

    return sorted(rows, key=lambda row: (key(row), row.path))


def schema_fields(conn: Connection, dataset_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """Return the current schema of each dataset as Marquez fields, with field tags."""
    f = dataset_fields.c
    rows = rows_in(
        conn,
        lambda chunk: select(
            f.id, f.dataset_id, f.path, f.type, f.description, f.ordinal, f.parent_id
        ).where(f.dataset_id.in_(chunk), f.in_schema.is_(True)),
        dataset_ids,
    )
    field_tags = tags_of(conn, [int(row.id) for row in rows])
    found: dict[int, list[dict[str, Any]]] = {}
    for row in _ordered(rows):
        found.setdefault(int(row.dataset_id), []).append(
            {
                "name": row.path,
                "type": row.type,
                "tags": field_tags.get(int(row.id), []),
                "description": row.description,
            }
        )
    return found


def _current_versions(conn: Connection, ids: Iterable[int]) -> dict[int, tuple[str, int]]:
    v = dataset_versions.c
    return {
        int(row.dataset_id): (row.version, int(row.created_us))
        for row in rows_in(
            conn,
            lambda chunk: (
                select(v.dataset_id, v.version, v.created_us)
                .join(datasets, D.current_version_id == v.id)
                .where(D.id.in_(chunk))
            ),
            ids,
        )
    }


def datasets_json(conn: Connection, dataset_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Return Marquez's Dataset JSON of each dataset, in one batched read per table."""
    wanted = sorted(set(dataset_ids))
    rows = rows_in(conn, lambda chunk: select(datasets).where(D.id.in_(chunk)), wanted)
    fields, tags = schema_fields(conn, wanted), tags_of(conn, wanted)
    facets = facets_of(conn, dataset_facets, "dataset_id", wanted)
    current, columns = _current_versions(conn, wanted), dataset_column_lineage(conn, wanted)
    found: dict[int, dict[str, Any]] = {}
    for d in rows:
        node, own = int(d.id), facets.get(int(d.id), {})
        version, modified = current.get(node, (None, None))
        found[node] = {
            "id": entity_id(d.namespace, d.name),
            "type": DATASET_TYPE,
            "name": d.name,
            "physicalName": d.name,
            "createdAt": format_iso_us(d.created_us),
            "updatedAt": format_iso_us(d.updated_us),
            "namespace": d.namespace,
            "sourceName": facet_text(own, "dataSource", "name") or DEFAULT_SOURCE,
            "fields": fields.get(node, []),
            "tags": tags.get(node, []),
            "lastModifiedAt": format_iso_us(modified),
            "lastLifecycleState": d.lifecycle_state,
            "description": facet_text(own, "documentation", "description"),
            "currentVersion": version,
            "columnLineage": columns.get(node),
            "facets": own,
            "deleted": bool(d.is_deleted),
        }
    return found


def dataset_json(conn: Connection, node: int) -> dict[str, Any]:
    """Return one dataset's Marquez JSON."""
    return datasets_json(conn, [node])[node]


def dataset(conn: Connection, namespace: str, name: str) -> dict[str, Any]:
    """Return a visible dataset by name (``GET /namespaces/{ns}/datasets/{ds}``)."""
    return dataset_json(conn, dataset_node(conn, namespace, name))


def list_datasets(conn: Connection, namespace: str, *, limit: int, offset: int) -> dict[str, Any]:
    """Return a namespace's visible datasets by name, with their total count."""
    check_page(limit, offset)
    ns = namespace_row(conn, namespace)
    where = (D.namespace_id == ns.id, D.is_hidden.is_(False))
    total = conn.execute(select(func.count()).select_from(datasets).where(*where)).scalar_one()
    ids = ids_of(conn, select(D.id).where(*where).order_by(D.name).limit(limit).offset(offset))
    found = datasets_json(conn, ids)
    return {"datasets": [found[i] for i in ids], "totalCount": int(total)}
