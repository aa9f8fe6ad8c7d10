"""Project namespaces, datasets, jobs and fields: find or create them and keep their times."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Table, select, update

from threadline.projection.context import Ctx, EntityState, ident
from threadline.store.tables import dataset_fields, datasets, jobs, namespaces, nodes


def _new_node(ctx: Ctx, kind: str) -> int:
    node = int(
        ctx.conn.execute(nodes.insert().values(kind=kind).returning(nodes.c.id)).scalar_one()
    )
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
        c = table.c
        row = ctx.conn.execute(
            select(c.id, c.created_us, c.updated_us, c.is_hidden).where(c.ident == key)
        ).first()
        if row is None:
            state = EntityState(create(), t, t, False)
            cache[key] = state
            return state.id
        state = EntityState(
            int(row.id), int(row.created_us), int(row.updated_us), bool(row.is_hidden)
        )
        cache[key] = state
    if state.hidden and table is not namespaces:
        ctx.touch("node", state.id)
    if state.hidden or t < state.created_us or t > state.updated_us:
        state.created_us, state.updated_us = min(t, state.created_us), max(t, state.updated_us)
        state.hidden = False
        ctx.conn.execute(
            update(table)
            .where(table.c.id == state.id)
            .values(is_hidden=False, created_us=state.created_us, updated_us=state.updated_us)
        )
    return state.id


def namespace_id(ctx: Ctx, name: str, t: int) -> int:
    """Return the namespace's id, creating it if needed."""

    def create() -> int:
        return int(
            ctx.conn.execute(
                namespaces.insert()
                .values(ident=key, name=name, created_us=t, updated_us=t)
                .returning(namespaces.c.id)
            ).scalar_one()
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
        ctx.conn.execute(
            table.insert().values(
                id=node,
                ident=key,
                namespace=namespace,
                name=name,
                namespace_id=ns,
                created_us=t,
                updated_us=t,
            )
        )
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
    c = dataset_fields.c
    found = ctx.conn.execute(select(c.id).where(c.dataset_id == dataset, c.ident == key)).scalar()
    if found is None:
        found = _new_node(ctx, "field")
        ctx.conn.execute(
            dataset_fields.insert().values(
                id=found, dataset_id=dataset, ident=key, path=path, name=name or path
            )
        )
    ctx.fields[(dataset, key)] = int(found)
    return int(found)
