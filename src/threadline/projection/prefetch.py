"""Read ahead the namespaces, datasets, jobs and fields a run of events names, in one go.

Looking each one up when it is first met costs a statement (a round trip on PostgreSQL)
per entity per transaction; reading them all before the events are projected costs one
per few hundred. What is not found is remembered as absent, so creating it needs no
look-up either. Admin events change rows behind these caches (``Ctx.forget``), so a read
ahead covers the events up to the next admin event only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from threadline.model import DatasetRecord, ParsedEvent
from threadline.openlineage.checks import is_deleted
from threadline.projection.context import Ctx, EntityState

_CHUNK = 300
"""Names per statement: each dataset's name appears twice, within SQLite's 999 parameters."""


def prefetch(ctx: Ctx, events: Sequence[ParsedEvent]) -> None:
    """Cache the entities (and the fields of the datasets) that ``events`` name."""
    wanted: dict[tuple[str, str], None] = {}  # (table, ident), in order of first mention
    for event in events:
        if event.job is not None:
            _named(ctx, wanted, "jobs", event.job.namespace, event.job.name)
        records = (*event.inputs, *event.outputs, *((event.dataset,) if event.dataset else ()))
        for record in records:
            _dataset(ctx, wanted, record)
    todo = [item for item in wanted if not _known(ctx, *item)]
    for start in range(0, len(todo), _CHUNK):
        _read(ctx, todo[start : start + _CHUNK])


def _named(
    ctx: Ctx, wanted: dict[tuple[str, str], None], table: str, namespace: Any, name: Any
) -> None:
    if isinstance(namespace, str) and isinstance(name, str):
        wanted[(table, ctx.ident(namespace, name))] = None
        wanted[("namespaces", ctx.ident(namespace))] = None


def _dataset(ctx: Ctx, wanted: dict[tuple[str, str], None], record: DatasetRecord) -> None:
    _named(ctx, wanted, "datasets", record.namespace, record.name)
    facet = record.facets.get("columnLineage")
    if not isinstance(facet, dict) or is_deleted(facet):
        return
    for entry in (facet.get("fields") or {}).values():
        for item in _items(entry.get("inputFields") if isinstance(entry, dict) else None):
            _named(ctx, wanted, "datasets", item.get("namespace"), item.get("name"))
    for item in _items(facet.get("dataset")):
        _named(ctx, wanted, "datasets", item.get("namespace"), item.get("name"))


def _items(value: Any) -> Iterable[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _known(ctx: Ctx, table: str, key: str) -> bool:
    cache = {"namespaces": ctx.namespaces, "datasets": ctx.datasets, "jobs": ctx.jobs}[table]
    return key in cache or (table, key) in ctx.absent


def _among(ctx: Ctx, keys: list[str], params: list[Any]) -> str:
    """Return a membership test for ``keys``, adding its parameters.

    PostgreSQL gets one array parameter: the same text for any number of keys, so the
    statement is prepared and planned once, not once per request.
    """
    if ctx.dialect == "postgresql":
        params.append(keys)
        return "= ANY(CAST(? AS text[]))"
    params += keys
    return f"IN ({', '.join('?' * len(keys))})"


def _read(ctx: Ctx, items: list[tuple[str, str]]) -> None:
    """Read entities and the fields of the datasets among them, one statement in all."""
    by_table: dict[str, list[str]] = {}
    for table, key in items:
        by_table.setdefault(table, []).append(key)
    parts: list[str] = []
    params: list[Any] = []
    for table, keys in by_table.items():
        parts.append(
            f"SELECT '{table}', ident, id, created_us, updated_us, is_hidden, 0 FROM {table} "
            f"WHERE ident {_among(ctx, keys, params)}"
        )
    datasets = by_table.get("datasets", [])
    if datasets:
        parts.append(
            "SELECT 'fields', f.ident, f.id, 0, 0, d.is_hidden, f.dataset_id "
            "FROM dataset_fields f JOIN datasets d ON d.id = f.dataset_id "
            f"WHERE d.ident {_among(ctx, datasets, params)}"
        )
    caches = {"namespaces": ctx.namespaces, "datasets": ctx.datasets, "jobs": ctx.jobs}
    fields: list[tuple[int, str, int]] = []
    for table, key, node, created, updated, hidden, dataset in ctx.sql.all(
        " UNION ALL ".join(parts), params
    ):
        if table == "fields":
            fields.append((int(dataset), str(key), int(node)))
        else:
            caches[table][key] = EntityState(int(node), int(created), int(updated), bool(hidden))
    for table, keys in by_table.items():
        ctx.absent.update((table, key) for key in keys if key not in caches[table])
    named = set(datasets)
    fresh = {state.id for key, state in ctx.datasets.items() if key in named} - ctx.fields_loaded
    ctx.fields.update({(ds, key): node for ds, key, node in fields if ds in fresh})
    ctx.fields_loaded.update(fresh)
