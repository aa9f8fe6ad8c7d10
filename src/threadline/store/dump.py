"""A canonical dump of the projections: surrogate ids replaced by natural keys, rows sorted.

Two stores hold the same lineage exactly when their dumps are equal, whatever order the
events arrived in or whichever database holds them. ``threadline rebuild`` is proven
exact by comparing the dump before and after.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, select

from threadline.store.tables import (
    PROJECTION_TABLES,
    dataset_fields,
    dataset_versions,
    datasets,
    job_versions,
    jobs,
    namespaces,
    nodes,
    runs,
    tags,
)

# Columns holding an id of another table, and which table that is.
_REFS: dict[str, dict[str, str]] = {
    "namespaces": {"id": "namespace"},
    "datasets": {
        "id": "node",
        "namespace_id": "namespace",
        "current_version_id": "dataset_version",
    },
    "dataset_symlinks": {"dataset_id": "node"},
    "dataset_facets": {"dataset_id": "node"},
    "dataset_schemas": {"id": "drop", "dataset_id": "node"},
    "dataset_fields": {"id": "node", "dataset_id": "node", "parent_id": "node"},
    "dataset_versions": {"id": "dataset_version", "dataset_id": "node", "run_id": "run"},
    "jobs": {
        "id": "node",
        "namespace_id": "namespace",
        "parent_job_id": "node",
        "root_job_id": "node",
        "current_version_id": "job_version",
        "latest_run_id": "run",
    },
    "job_facets": {"job_id": "node"},
    "job_versions": {"id": "job_version", "job_id": "node"},
    "runs": {
        "id": "run",
        "job_id": "node",
        "asserter_id": "node",
        "job_version_id": "job_version",
        "parent_run_id": "run",
        "root_run_id": "run",
    },
    "run_facets": {"run_id": "run"},
    "run_io": {
        "run_id": "run",
        "dataset_id": "node",
        "version_id": "dataset_version",
        "asserter": "node",
    },
    "run_edges": {"run_id": "run", "src": "node", "dst": "node", "asserter": "node"},
    "node_tags": {"node_id": "node", "tag_id": "tag"},
    "tags": {"id": "drop"},
    "registry_changes": {"id": "drop", "dataset_id": "node"},
    "prediction_records": {
        "id": "drop",
        "dataset_id": "node",
        "version_id": "dataset_version",
        "run_id": "run",
    },
    "edges": {"id": "drop", "src": "node", "dst": "node", "asserter": "node"},
    "nodes": {"id": "node"},
}


def _natural_keys(conn: Connection) -> dict[str, dict[int, Any]]:
    keys: dict[str, dict[int, Any]] = {"namespace": {}, "node": {}, "run": {}}
    keys["tag"] = {int(r.id): r.name for r in conn.execute(select(tags.c.id, tags.c.name))}
    for row in conn.execute(select(namespaces.c.id, namespaces.c.name)):
        keys["namespace"][row.id] = row.name
    for table, kind in ((datasets, "dataset"), (jobs, "job")):
        for row in conn.execute(select(table.c.id, table.c.namespace, table.c.name)):
            keys["node"][row.id] = (kind, row.namespace, row.name)
    for row in conn.execute(
        select(dataset_fields.c.id, dataset_fields.c.dataset_id, dataset_fields.c.path)
    ):
        keys["node"][row.id] = ("field", keys["node"][row.dataset_id], row.path)
    for row in conn.execute(select(runs.c.id, runs.c.uuid)):
        keys["run"][row.id] = row.uuid
    keys["dataset_version"] = {
        row.id: (keys["node"][row.dataset_id], row.ident)
        for row in conn.execute(
            select(dataset_versions.c.id, dataset_versions.c.dataset_id, dataset_versions.c.ident)
        )
    }
    keys["job_version"] = {
        row.id: (keys["node"][row.job_id], row.version)
        for row in conn.execute(
            select(job_versions.c.id, job_versions.c.job_id, job_versions.c.version)
        )
    }
    return keys


def _dump_table(conn: Connection, table: Table, keys: dict[str, dict[int, Any]]) -> list[Any]:
    refs = _REFS.get(table.name, {})
    rows = []
    for row in conn.execute(select(table)).mappings():
        out = []
        for column, value in row.items():
            ref = refs.get(column)
            if ref == "drop":
                continue
            if ref is not None and value is not None:
                value = keys[ref].get(value, ("dangling", ref, value))
            if isinstance(value, (bytes, memoryview)):
                value = bytes(value).hex()
            out.append((column, value))
        rows.append(tuple(out))
    return sorted(rows, key=repr)


def canonical_dump(conn: Connection) -> dict[str, list[Any]]:
    """Return every projection table with natural keys in place of surrogate ids."""
    keys = _natural_keys(conn)
    # The change feed records arrival order by design; it is not part of the lineage.
    dump = {
        table.name: _dump_table(conn, table, keys)
        for table in PROJECTION_TABLES
        if table.name != "changes"
    }
    dump["nodes"] = sorted(
        (
            (keys["node"].get(r.id, ("dangling", r.id)), r.kind)
            for r in conn.execute(select(nodes.c.id, nodes.c.kind))
        ),
        key=repr,
    )
    return dump
