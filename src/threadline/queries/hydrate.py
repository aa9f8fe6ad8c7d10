"""Describe reached nodes in one batched read per table: names, kinds, versions, run states."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select

from threadline.index.loader import chunks
from threadline.model import NodeInfo
from threadline.refs import format_ref
from threadline.store.tables import dataset_fields, dataset_versions, datasets, jobs, runs


def describe_entities(conn: Connection, node_ids: Iterable[int]) -> dict[int, NodeInfo]:
    """Describe datasets, jobs and fields by node id."""
    wanted = sorted(set(node_ids))
    found: dict[int, NodeInfo] = {}
    for table, kind in ((datasets, "dataset"), (jobs, "job")):
        c = table.c
        for chunk in chunks(wanted):
            for row in conn.execute(
                select(c.id, c.namespace, c.name, c.kind).where(c.id.in_(chunk))
            ):
                found[int(row.id)] = NodeInfo(
                    format_ref(kind, row.namespace, row.name),
                    kind,
                    row.kind,
                    row.namespace,
                    row.name,
                )
    missing = [n for n in wanted if n not in found]
    f, d = dataset_fields.c, datasets.c
    for chunk in chunks(missing):
        for row in conn.execute(
            select(f.id, f.path, f.type, d.namespace, d.name)
            .join(datasets, d.id == f.dataset_id)
            .where(f.id.in_(chunk))
        ):
            found[int(row.id)] = NodeInfo(
                format_ref("datasetField", row.namespace, row.name, row.path),
                "datasetField",
                row.type or "field",
                row.namespace,
                row.name,
                field=row.path,
            )
    return found


def describe_versions(conn: Connection, version_ids: Iterable[int]) -> dict[int, NodeInfo]:
    """Describe dataset versions by version id."""
    v, d = dataset_versions.c, datasets.c
    found: dict[int, NodeInfo] = {}
    for chunk in chunks(sorted(set(version_ids))):
        for row in conn.execute(
            select(v.id, v.version, d.namespace, d.name, d.kind)
            .join(datasets, d.id == v.dataset_id)
            .where(v.id.in_(chunk))
        ):
            found[int(row.id)] = NodeInfo(
                format_ref("dataset", row.namespace, row.name, version=row.version),
                "datasetVersion",
                row.kind,
                row.namespace,
                row.name,
                version=row.version,
            )
    return found


def describe_runs(conn: Connection, run_ids: Iterable[int]) -> dict[int, NodeInfo]:
    """Describe runs by run id (named after their job)."""
    r, j = runs.c, jobs.c
    found: dict[int, NodeInfo] = {}
    for chunk in chunks(sorted(set(run_ids))):
        for row in conn.execute(
            select(r.id, r.uuid, r.state, j.namespace, j.name, j.kind)
            .join(jobs, j.id == r.job_id, isouter=True)
            .where(r.id.in_(chunk))
        ):
            found[int(row.id)] = NodeInfo(
                f"run:{row.uuid}",
                "run",
                row.kind or "job",
                row.namespace or "",
                row.name or "",
                state=row.state,
            )
    return found
