"""Project a dataset's facets: latest per key, schema history and fields, symlinks, lifecycle."""

from __future__ import annotations

import bisect
from typing import Any

from sqlalchemy import or_, select, tuple_, update

from threadline.model import DatasetRecord
from threadline.openlineage.checks import is_deleted
from threadline.projection.context import Ctx, dumps, ident, loads
from threadline.projection.entities import dataset_id, ensure_fields, field_id
from threadline.projection.models import project_registry
from threadline.store.tables import (
    dataset_facets,
    dataset_fields,
    dataset_symlinks,
    datasets,
)

# Facets whose presence decides a dataset's semantic kind (model, endpoint, predictions...).
KIND_FACETS = ("datasetType", "threadline_model", "threadline_endpoint", "threadline_predictions")


def project_dataset(ctx: Ctx, record: DatasetRecord, t: int, key: str) -> int:
    """Project one dataset mention: identity, facets and what they imply. Return its id."""
    ds = dataset_id(ctx, record.namespace, record.name, t)
    facets = record.facets
    if not facets:
        return ds
    ctx.upsert_later(
        dataset_facets,
        [
            {
                "dataset_id": ds,
                "name": name,
                "facet": dumps(facet),
                "event_time_us": t,
                "event_key": key,
                "deleted": is_deleted(facet),
            }
            for name, facet in facets.items()
        ],
        ["dataset_id", "name"],
        ["facet", "deleted"],
    )
    schema = facets.get("schema")
    if schema is not None and not is_deleted(schema):
        _project_schema(ctx, ds, schema, t, key)
    symlinks = facets.get("symlinks")
    if symlinks is not None and not is_deleted(symlinks):
        _project_symlinks(ctx, ds, symlinks)
    lifecycle = facets.get("lifecycleStateChange")
    if lifecycle is not None and not is_deleted(lifecycle):
        _project_lifecycle(ctx, ds, lifecycle, t, key)
    if any(name in facets for name in KIND_FACETS):
        _refresh_kind(ctx, ds)
    registry = facets.get("threadline_registry")
    if registry is not None and not is_deleted(registry):
        project_registry(ctx, ds, registry, t)
    return ds


def flatten_schema(fields: list[dict[str, Any]], prefix: str = "") -> list[dict[str, Any]]:
    """Return schema fields depth-first with dotted paths for nested fields."""
    flat: list[dict[str, Any]] = []
    for ordinal, field in enumerate(fields):
        path = f"{prefix}{field['name']}"
        flat.append(
            {
                "path": path,
                "name": field["name"],
                "type": field.get("type"),
                "description": field.get("description"),
                "ordinal": ordinal,
                "parent": prefix[:-1] or None,
            }
        )
        flat.extend(flatten_schema(field.get("fields") or [], f"{path}."))
    return flat


def _history(ctx: Ctx, ds: int) -> list[list[Any]]:
    """Return the dataset's schema change points: [observed_us, event_key, hash, id, fields].

    Read once per transaction, in order, and kept as this module changes them (it is
    the only writer of ``dataset_schemas``).
    """
    found = ctx.schemas.get(ds)
    if found is None:
        rows = ctx.sql.all(
            "SELECT observed_us, event_key, schema_hash, id, fields FROM dataset_schemas "
            "WHERE dataset_id = ? ORDER BY observed_us, event_key",
            (ds,),
        )
        found = ctx.schemas[ds] = [
            [int(a), str(b), str(c), int(d), loads(e)] for a, b, c, d, e in rows
        ]
    return found


def _project_schema(ctx: Ctx, ds: int, facet: dict[str, Any], t: int, key: str) -> None:
    flat = flatten_schema(facet.get("fields") or [])
    canonical = dumps([[f["path"], f["type"], f["description"]] for f in flat])
    schema_hash = ident(canonical)
    history = _history(ctx, ds)
    at = bisect.bisect_left(history, (t, key), key=lambda point: (point[0], point[1]))
    if at > 0 and history[at - 1][2] == schema_hash:
        return  # the schema was already this at an earlier time: nothing changes
    if at == len(history) or (history[at][0], history[at][1]) != (t, key):
        # Not recorded yet (an event naming the dataset twice records its first schema).
        new_id = ctx.ids.insert(
            "dataset_schemas",
            ("dataset_id", "observed_us", "event_key", "schema_hash", "fields"),
            (ds, t, key, schema_hash, dumps(flat)),
        )
        history.insert(at, [t, key, schema_hash, int(new_id), flat])
    following = history[at + 1] if at + 1 < len(history) else None
    if following is not None and following[2] == schema_hash:
        # Keep only change points: the next observation repeats this one.
        ctx.sql.run("DELETE FROM dataset_schemas WHERE id = ?", (following[3],))
        del history[at + 1]
    _refresh_fields(ctx, ds)


def _refresh_fields(ctx: Ctx, ds: int) -> None:
    """Derive every field's attributes from the newest schema change point holding it.

    Computed from the whole (short) change-point history so that the result does not
    depend on the order in which schemas arrived.
    """
    history: list[list[dict[str, Any]]] = [point[4] for point in _history(ctx, ds)]
    if not history:
        return
    latest: dict[str, dict[str, Any]] = {}
    for flat in history:
        latest.update({f["path"]: f for f in flat})
    current = {f["path"] for f in history[-1]}
    ensure_fields(ctx, [(ds, path, f["name"]) for path, f in latest.items()])
    ids = {path: field_id(ctx, ds, path) for path in latest}
    ctx.sql.run("UPDATE dataset_fields SET in_schema = ? WHERE dataset_id = ?", (False, ds))
    ctx.update_rows(
        dataset_fields,
        ("type", "description", "ordinal", "parent_id", "in_schema"),
        [
            (
                f["type"],
                f["description"],
                f["ordinal"],
                ids.get(f["parent"]) if f["parent"] else None,
                path in current,
                ids[path],
            )
            for path, f in latest.items()
        ],
    )


def _project_symlinks(ctx: Ctx, ds: int, facet: dict[str, Any]) -> None:
    ctx.insert_ignore(
        dataset_symlinks,
        [
            {
                "dataset_id": ds,
                "ident": ident(item["namespace"], item["name"]),
                "namespace": item["namespace"],
                "name": item["name"],
                "type": item.get("type"),
            }
            for item in facet.get("identifiers") or []
        ],
        ["dataset_id", "ident"],
    )


def _project_lifecycle(ctx: Ctx, ds: int, facet: dict[str, Any], t: int, key: str) -> None:
    state = facet["lifecycleStateChange"]
    ctx.touch("node", ds)
    c = datasets.c
    ctx.conn.execute(
        update(datasets)
        .where(
            c.id == ds,
            or_(c.lifecycle_us.is_(None), tuple_(c.lifecycle_us, c.lifecycle_key) < tuple_(t, key)),
        )
        .values(
            lifecycle_state=state, lifecycle_us=t, lifecycle_key=key, is_deleted=state == "DROP"
        )
    )
    previous = facet.get("previousIdentifier")
    if state == "RENAME" and previous:
        dataset_id(ctx, previous["namespace"], previous["name"], t)
        ctx.conn.execute(
            update(datasets)
            .where(c.id == ds, or_(c.renamed_us.is_(None), c.renamed_us <= t))
            .values(
                previous_namespace=previous["namespace"],
                previous_name=previous["name"],
                renamed_us=t,
            )
        )


def _refresh_kind(ctx: Ctx, ds: int) -> None:
    ctx.flush_latest("dataset_facets")
    c = dataset_facets.c
    rows = ctx.conn.execute(
        select(c.name, c.facet).where(
            c.dataset_id == ds, c.name.in_(KIND_FACETS), c.deleted.is_(False)
        )
    ).all()
    present = {row.name: row.facet for row in rows}
    ctx.conn.execute(update(datasets).where(datasets.c.id == ds).values(kind=dataset_kind(present)))
    ctx.touch("node", ds)


def dataset_kind(facets: dict[str, str]) -> str:
    """Return a dataset's semantic kind from its latest kind-deciding facets (JSON text)."""
    for name, kind in (
        ("threadline_model", "model"),
        ("threadline_endpoint", "endpoint"),
        ("threadline_predictions", "predictions"),
    ):
        if name in facets:
            return kind
    if "datasetType" in facets:
        declared = loads(facets["datasetType"]).get("datasetType")
        if isinstance(declared, str) and declared.strip():
            return declared.strip().lower()[:32]
    return "dataset"
