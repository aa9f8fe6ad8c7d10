"""Project what a run read and wrote, each bound to a dataset version."""

from __future__ import annotations

from typing import Any

from threadline.projection.context import Ctx, IoRow, merge_timed
from threadline.projection.versions import explicit_version, input_version, output_version
from threadline.store.tables import run_io

_COLUMNS = (
    "run_id",
    "dataset_id",
    "direction",
    "asserter",
    "version_id",
    "bound_us",
    "explicit_version",
    "facets",
)


def _existing(ctx: Ctx, run_id: int, ds: int, direction: str) -> IoRow | None:
    """Return the run's row for a dataset and direction; all its rows are read at once."""
    if run_id not in ctx.io_known:
        rows = ctx.sql.all(
            "SELECT dataset_id, direction, version_id, bound_us, explicit_version, facets "
            "FROM run_io WHERE run_id = ?",
            (run_id,),
        )
        ctx.io_rows[run_id] = {(int(d), str(way)): IoRow(*rest) for d, way, *rest in rows}
        ctx.io_known.add(run_id)
    return ctx.io_rows.get(run_id, {}).get((ds, direction))


def _insert(ctx: Ctx, run_id: int, ds: int, direction: str, row: IoRow) -> None:
    """Insert a row when the batch's rows are flushed (``flush_io``), and remember it."""
    ctx.io_pending[(run_id, ds, direction)] = [run_id, ds, direction, ctx.asserter, *row]
    ctx.io_rows.setdefault(run_id, {})[(ds, direction)] = row


def _set(ctx: Ctx, row: IoRow, key: tuple[int, int, str], values: dict[str, Any]) -> None:
    """Write changed columns of a row (or of the row still to be inserted); remember them."""
    if not values:
        return
    pending = ctx.io_pending.get(key)
    if pending is not None:
        for name, value in values.items():
            pending[_COLUMNS.index(name)] = value
    else:
        ctx.sql.update("run_io", values, _where(*key))
    ctx.io_rows[key[0]][key[1:]] = row._replace(**values)


def flush_io(ctx: Ctx) -> None:
    """Insert the run inputs and outputs still pending: a statement per few hundred rows.

    Runs before anything reads ``run_io`` (job versions, re-binding, edge sweeps).
    """
    ctx.insert_values(run_io, _COLUMNS, list(ctx.io_pending.values()))
    ctx.io_pending.clear()


def _where(run_id: int, ds: int, direction: str) -> dict[str, Any]:
    return {"run_id": run_id, "dataset_id": ds, "direction": direction}


def add_input(
    ctx: Ctx,
    run_id: int,
    ds: int,
    *,
    t: int,
    key: str,
    facets: dict[str, Any],
    io_facets: dict[str, Any],
    versioned: bool = True,
) -> None:
    """Record that a run read a dataset, bound to the version current at ``t``."""
    row = _existing(ctx, run_id, ds, "in")
    if row is None:
        version_id, named = (
            input_version(ctx, ds, run_id=run_id, t=t, facets=facets, key=key)
            if versioned
            else (None, None)
        )
        facets_in = merge_timed(None, io_facets, t, key) or "{}"
        _insert(ctx, run_id, ds, "in", IoRow(version_id, t, named, facets_in))
        return
    values: dict[str, Any] = {}
    merged = merge_timed(row.facets, io_facets, t, key)
    if merged is not None:
        values["facets"] = merged
    named = explicit_version(facets)
    rebind = versioned and (
        (named is not None and row.explicit_version is None)
        or (t < row.bound_us and row.explicit_version is None)
    )
    if t < row.bound_us:
        values["bound_us"] = t
    if rebind:
        bound = min(t, row.bound_us)
        values["version_id"], values["explicit_version"] = input_version(
            ctx, ds, run_id=run_id, t=bound, facets=facets, key=key
        )
    _set(ctx, row, (run_id, ds, "in"), values)


def add_output(
    ctx: Ctx,
    run_id: int,
    run_uuid: str,
    ds: int,
    *,
    t: int,
    key: str,
    facets: dict[str, Any],
    io_facets: dict[str, Any],
    versioned: bool = True,
) -> int | None:
    """Record that a run wrote a dataset, creating (or dating) the version it made.

    Returns the id of the dataset version the run wrote (None for static declarations).
    """
    version_id = (
        output_version(ctx, ds, run_id=run_id, run_uuid=run_uuid, t=t, facets=facets, key=key)
        if versioned
        else None
    )
    row = _existing(ctx, run_id, ds, "out")
    if row is None:
        named = explicit_version(facets)
        facets_out = merge_timed(None, io_facets, t, key) or "{}"
        _insert(ctx, run_id, ds, "out", IoRow(version_id, t, named, facets_out))
        return version_id
    values: dict[str, Any] = {}
    merged = merge_timed(row.facets, io_facets, t, key)
    if merged is not None:
        values["facets"] = merged
    if t < row.bound_us:
        values["bound_us"] = t
    if (
        version_id is not None
        and row.version_id != version_id
        and (row.explicit_version is None and explicit_version(facets) is not None)
    ):
        values["version_id"], values["explicit_version"] = version_id, explicit_version(facets)
    _set(ctx, row, (run_id, ds, "out"), values)
    return version_id
