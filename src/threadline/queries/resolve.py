"""Resolve node references against the store, and suggest the closest names when they miss."""

from __future__ import annotations

import difflib

from sqlalchemy import Connection, func, select

from threadline.errors import NotFound
from threadline.model import Resolved
from threadline.refs import NodeRef, candidates, format_ref
from threadline.store.codec import ident
from threadline.store.rawsql import RawSql
from threadline.store.tables import dataset_fields, dataset_versions, datasets, jobs, runs


def resolve(conn: Connection, text: str | NodeRef) -> Resolved:
    """Return what a reference names: text (every reading tried) or its exact parts.

    Raises:
        InvalidParameter: the reference is malformed.
        NotFound: nothing of that name exists (with the closest matches).
    """
    readings = [text] if isinstance(text, NodeRef) else candidates(text)
    for reading in readings:
        found = _lookup(conn, reading)
        if found is not None:
            return found
    raise NotFound(f"no node {str(text)[:200]!r}", suggest(conn, readings[0]))


def _entity(conn: Connection, kind: str, namespace: str, name: str) -> int | None:
    # Every lineage request resolves its root: on the driver's cursor, not a built statement.
    table = "datasets" if kind in ("dataset", "datasetField") else "jobs"
    query = f"SELECT id FROM {table} WHERE ident = ?"
    found = RawSql(conn).scalar(query, (ident(namespace, name),))
    return int(found) if found is not None else None


def _lookup(conn: Connection, ref: NodeRef) -> Resolved | None:
    if ref.type == "run":
        row = conn.execute(
            select(runs.c.id, runs.c.job_id).where(runs.c.uuid == ref.run_id)
        ).first()
        if row is None:
            return None
        return Resolved(str(ref), "run", int(row.id), job=row.job_id)
    node = _entity(conn, ref.type, ref.namespace, ref.name)
    if node is None:
        return None
    if ref.type == "job":
        return None if ref.version else Resolved(str(ref), "job", node, job=node)
    if ref.type == "datasetField":
        f = dataset_fields.c
        field = conn.execute(
            select(f.id).where(f.dataset_id == node, f.ident == ident(ref.field or ""))
        ).scalar()
        return Resolved(str(ref), "datasetField", int(field), dataset=node) if field else None
    if ref.version:
        v = dataset_versions.c
        version = conn.execute(
            select(v.id).where(v.dataset_id == node, v.version == ref.version)
        ).scalar()
        return Resolved(str(ref), "datasetVersion", int(version), dataset=node) if version else None
    return Resolved(str(ref), "dataset", node, dataset=node)


def suggest(conn: Connection, ref: NodeRef, limit: int = 5) -> list[str]:
    """Return up to ``limit`` existing references closest to a missing one."""
    if ref.type == "run":
        return []
    table = jobs if ref.type == "job" else datasets
    kind = "job" if ref.type == "job" else "dataset"
    tail = ref.name.rsplit(".", 1)[-1].rsplit("/", 1)[-1][-24:]
    pool: dict[str, str] = {}
    queries = [
        select(table.c.namespace, table.c.name)
        .where(table.c.name.contains(tail, autoescape=True))
        .limit(200)
    ]
    queries.append(
        select(table.c.namespace, table.c.name).order_by(func.length(table.c.name)).limit(2000)
    )
    for query in queries:
        for row in conn.execute(query):
            pool[format_ref(kind, row.namespace, row.name)] = row.name
    wanted = format_ref(kind, ref.namespace, ref.name)
    close = difflib.get_close_matches(wanted, list(pool), n=limit, cutoff=0.4)
    return close
