"""Project namespaces, datasets, jobs and fields: find or create them and keep their times."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from sqlalchemy import Table

from threadline.projection.context import Ctx, EntityState
from threadline.projection.versionwindow import VersionWindow
from threadline.store.tables import dataset_fields, datasets, jobs, namespaces, nodes

_CHUNK = 500
"""Values per multi-row statement of this module (within every SQLite build's limit)."""


def _new_node(ctx: Ctx, kind: str) -> int:
    node = ctx.ids.insert("nodes", ("kind",), (kind,))
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
        row = (
            None
            if (table.name, key) in ctx.absent  # read ahead (see ``prefetch``): not there
            else ctx.sql.first(
                f"SELECT id, created_us, updated_us, is_hidden FROM {table.name} WHERE ident = ?",
                (key,),
            )
        )
        if row is None:
            ctx.absent.discard((table.name, key))
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
        names = ("ident", "name", "created_us", "updated_us", "is_hidden")
        return ctx.ids.insert("namespaces", names, (key, name, t, t, False))

    key = ctx.ident(name)
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
            ctx.schemas[node] = []  # nor schemas
            ctx.version_windows[node] = VersionWindow(floor=None)  # nor versions
        return node

    key = ctx.ident(namespace, name)
    found = _entity(ctx, table, cache, key, t, create)
    ctx.idents[found] = key
    ctx.names[found] = (namespace, name)
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
    cached = ctx.fields.get((dataset, ctx.ident(path)))
    if cached is not None:
        return cached
    ensure_fields(ctx, [(dataset, path, name)])
    return ctx.fields[(dataset, ctx.ident(path))]


def load_fields(ctx: Ctx, datasets_: Iterable[int]) -> None:
    """Read the fields of datasets not read yet: one statement for all of them."""
    wanted = [ds for ds in dict.fromkeys(datasets_) if ds not in ctx.fields_loaded]
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        rows = ctx.sql.all(
            "SELECT dataset_id, ident, id FROM dataset_fields "
            f"WHERE dataset_id IN ({', '.join('?' * len(chunk))})",
            chunk,
        )
        ctx.fields.update({(int(ds), str(f)): int(i) for ds, f, i in rows})
        ctx.fields_loaded.update(chunk)


def ensure_fields(ctx: Ctx, wanted: Sequence[tuple[int, str, str | None]]) -> None:
    """Create the fields (dataset, path, name) that do not exist yet, a few statements for all.

    New fields get ids in the order they are first wanted, as one call per field would.
    """
    load_fields(ctx, [ds for ds, _path, _name in wanted])
    missing: dict[tuple[int, str], tuple[str, str]] = {}
    for ds, path, name in wanted:
        wanted_key = (ds, ctx.ident(path))
        if wanted_key not in ctx.fields and wanted_key not in missing:
            missing[wanted_key] = (path, name or path)
    if not missing:
        return
    ids = new_nodes(ctx, "field", len(missing))
    rows = []
    for ((ds, key), (path, name)), node in zip(missing.items(), ids, strict=True):
        ctx.fields[(ds, key)] = node
        rows.append((node, ds, key, path, name, False))
    ctx.insert_values(
        dataset_fields, ("id", "dataset_id", "ident", "path", "name", "in_schema"), rows
    )


def new_nodes(ctx: Ctx, kind: str, count: int) -> list[int]:
    """Create ``count`` nodes of a kind; return their ids in ascending (creation) order."""
    if ctx.dialect == "postgresql":  # ids reserved ahead (see ``NewIds``)
        ids = ctx.ids.take("nodes", count)
        ctx.insert_values(nodes, ("id", "kind"), [(node, kind) for node in ids])
    else:
        ids = []
        for start in range(0, count, _CHUNK):
            size = min(_CHUNK, count - start)
            rows = ctx.sql.all(
                f"INSERT INTO nodes (kind) VALUES {', '.join(['(?)'] * size)} RETURNING id",
                [kind] * size,
            )
            ids.extend(sorted(int(row[0]) for row in rows))  # RETURNING's order: unspecified
    for node in ids:
        ctx.touch("node", node)
    return ids
