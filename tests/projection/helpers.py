"""Read projections back in terms of names, for assertions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from tests.events import rid
from threadline.service import LineageService
from threadline.store import Store
from threadline.store.tables import (
    dataset_fields,
    dataset_versions,
    datasets,
    edges,
    jobs,
    run_io,
    runs,
)


def ingest(service: LineageService, *events: dict[str, Any]) -> None:
    """Ingest events one request at a time, failing on any rejection."""
    for event in events:
        outcome = service.ingest_values([event])
        assert not outcome.failed, outcome.failed


def label(conn: Connection, node: int) -> str:
    """Return a readable name for a node: ``ns:name`` or ``ns:name.field``."""
    for table in (datasets, jobs):
        row = conn.execute(
            select(table.c.namespace, table.c.name).where(table.c.id == node)
        ).first()
        if row is not None:
            return f"{row.namespace}:{row.name}"
    f = conn.execute(
        select(dataset_fields.c.dataset_id, dataset_fields.c.path).where(
            dataset_fields.c.id == node
        )
    ).one()
    return f"{label(conn, f.dataset_id)}#{f.path}"


def edge_set(store: Store, *, kinds: tuple[str, ...] | None = None) -> set[tuple[Any, ...]]:
    """Return edges as (src, dst, kind, valid_from_us, valid_to_us) with readable names."""
    with store.read() as conn:
        rows = conn.execute(select(edges)).all()
        return {
            (label(conn, r.src), label(conn, r.dst), r.kind, r.valid_from_us, r.valid_to_us)
            for r in rows
            if kinds is None or r.kind in kinds
        }


def dataset_row(store: Store, ns: str, name: str) -> dict[str, Any]:
    """Return a dataset's row."""
    with store.read() as conn:
        return dict(
            conn.execute(
                select(datasets).where(datasets.c.namespace == ns, datasets.c.name == name)
            )
            .mappings()
            .one()
        )


def job_row(store: Store, ns: str, name: str) -> dict[str, Any]:
    """Return a job's row."""
    with store.read() as conn:
        return dict(
            conn.execute(select(jobs).where(jobs.c.namespace == ns, jobs.c.name == name))
            .mappings()
            .one()
        )


def run_row(store: Store, name: str) -> dict[str, Any]:
    """Return the row of run ``rid(name)``."""
    with store.read() as conn:
        return dict(conn.execute(select(runs).where(runs.c.uuid == rid(name))).mappings().one())


def versions(store: Store, ns: str, name: str) -> list[dict[str, Any]]:
    """Return a dataset's versions, oldest first."""
    ds = dataset_row(store, ns, name)["id"]
    with store.read() as conn:
        return [
            dict(r)
            for r in conn.execute(
                select(dataset_versions)
                .where(dataset_versions.c.dataset_id == ds)
                .order_by(dataset_versions.c.created_us, dataset_versions.c.version)
            ).mappings()
        ]


def bound_version(store: Store, run_name: str, ns: str, name: str, direction: str = "in") -> str:
    """Return the version string a run's input (or output) is bound to."""
    ds = dataset_row(store, ns, name)["id"]
    run_id = run_row(store, run_name)["id"]
    with store.read() as conn:
        vid = conn.execute(
            select(run_io.c.version_id).where(
                run_io.c.run_id == run_id,
                run_io.c.dataset_id == ds,
                run_io.c.direction == direction,
            )
        ).scalar_one()
        return str(
            conn.execute(
                select(dataset_versions.c.version).where(dataset_versions.c.id == vid)
            ).scalar_one()
        )


def fields(store: Store, ns: str, name: str) -> list[tuple[Any, ...]]:
    """Return a dataset's current schema fields as (path, type, parent path)."""
    ds = dataset_row(store, ns, name)["id"]
    with store.read() as conn:
        rows = (
            conn.execute(
                select(dataset_fields).where(
                    dataset_fields.c.dataset_id == ds, dataset_fields.c.in_schema.is_(True)
                )
            )
            .mappings()
            .all()
        )
        paths = {r["id"]: r["path"] for r in rows}
        return sorted((r["path"], r["type"], paths.get(r["parent_id"])) for r in rows)
