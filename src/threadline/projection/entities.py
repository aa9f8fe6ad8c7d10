"""Project namespaces, datasets, jobs and fields: find or create them and keep their times."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Table

from threadline.projection.context import Ctx, EntityState, ident
from threadline.store.tables import datasets, jobs, namespaces


def _new_node(ctx: Ctx, kind: str) -> int:
    node = int(ctx.sql.scalar("INSERT INTO nodes (kind) VALUES (?) RETURNING id", (kind,)))
    ctx.touch("node", node)
    return node


def _entity(
    ctx: Ctx,
    table: Table,
    cache: dict[str, EntityState],
    key: str,
    t: int,
    create: Callable[[], int],
) -> int:
    """Find or create an entity; widen its [created, updated] span to ``t`` and un-hide it.

    A mention by any event un-hides a soft-deleted entity, as in Marquez.
    """
    state = cache.get(key)
    if state is None:
        row = ctx.sql.first(
            f"SELECT id, created_us, updated_us, is_hidden FROM {table.name} WHERE ident = ?",
            (key,),
        )
        if row is None:
            state = EntityState(create(), t, t, False)
            cache[key] = state
            return state.id
        state = EntityState(int(row[0]), int(row[1]), int(row[2]), bool(row[3]))
        cache[key] = state
    if state.hidden and table is not namespaces:
        ctx.touch("node", state.id)
    if state.hidden or t < state.created_us or t > state.updated_us:
        state.created_us, state.updated_us = min(t, state.created_us), max(t, state.updated_us)
        state.hidden = False
        ctx.stale_spans.setdefault(table.name, {})[state.id] = state  # see Ctx.flush_spans
    return state.id


def namespace_id(ctx: Ctx, name: str, t: int) -> int:
    """Return the namespace's id, creating it if needed."""

    def create() -> int:
        return int(
            ctx.sql.scalar(
                "INSERT INTO namespaces (ident, name, created_us, updated_us, is_hidden) "
                "VALUES (?, ?, ?, ?, ?) RETURNING id",
                (key, name, t, t, False),
            )
        )

    key = ident(name)
    return _entity(ctx, namespaces, ctx.namespaces, key, t, create)


def _named(
    ctx: Ctx,
    table: Table,
    cache: dict[str, EntityState],
    kind: str,
    namespace: str,
    name: str,
    t: int,
) -> int:
    def create() -> int:
        ns = namespace_id(ctx, namespace, t)
        node = _new_node(ctx, kind)
        # The flags (is_hidden, and is_deleted on datasets) take their default, false.
        ctx.sql.run(
            f"INSERT INTO {table.name} (id, ident, namespace, name, namespace_id, created_us, "
            "updated_us) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (node, key, namespace, name, ns, t, t),
        )
        if table is datasets:
            ctx.fields_loaded.add(node)  # a new dataset has no fields yet
        return node

    key = ident(namespace, name)
    found = _entity(ctx, table, cache, key, t, create)
    ctx.idents[found] = key
    namespace_id(ctx, namespace, t)
    return found


def dataset_id(ctx: Ctx, namespace: str, name: str, t: int) -> int:
    """Return the dataset's node id, creating namespace, node and dataset as needed."""
    return _named(ctx, datasets, ctx.datasets, "dataset", namespace, name, t)


def job_id(ctx: Ctx, namespace: str, name: str, t: int) -> int:
    """Return the job's node id, creating namespace, node and job as needed."""
    return _named(ctx, jobs, ctx.jobs, "job", namespace, name, t)


def field_id(ctx: Ctx, dataset: int, path: str, name: str | None = None) -> int:
    """Return the node id of a dataset field (``a.b`` for nested), creating it if needed."""
    key = ident(path)
    cached = ctx.fields.get((dataset, key))
    if cached is not None:
        return cached
    if dataset not in ctx.fields_loaded:  # one read for all its fields, not one per field
        rows = ctx.sql.all("SELECT ident, id FROM dataset_fields WHERE dataset_id = ?", (dataset,))
        ctx.fields.update({(dataset, str(f)): int(i) for f, i in rows})
        ctx.fields_loaded.add(dataset)
    found = ctx.fields.get((dataset, key))
    if found is None:
        found = _new_node(ctx, "field")
        ctx.sql.run(
            "INSERT INTO dataset_fields (id, dataset_id, ident, path, name, in_schema) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (found, dataset, key, path, name or path, False),
        )
    ctx.fields[(dataset, key)] = int(found)
    return int(found)
