"""Project what a run read and wrote, each bound to a dataset version."""

from __future__ import annotations

from typing import Any

from threadline.projection.context import Ctx, IoRow, merge_timed
from threadline.projection.versions import explicit_version, input_version, output_version

_INSERT = (
    "INSERT INTO run_io (run_id, dataset_id, direction, asserter, version_id, bound_us, "
    "explicit_version, facets) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def _existing(ctx: Ctx, run_id: int, ds: int, direction: str) -> IoRow | None:
    key = (run_id, ds, direction)
    known = ctx.io_rows.get(key)
    if known is not None or run_id in ctx.fresh_runs:
        return known  # a run created by this transaction has only the rows it inserted
    row = ctx.sql.first(
        "SELECT version_id, bound_us, explicit_version, facets FROM run_io "
        "WHERE run_id = ? AND dataset_id = ? AND direction = ?",
        key,
    )
    if row is None:
        return None
    ctx.io_rows[key] = found = IoRow(*row)
    return found


def _set(ctx: Ctx, row: IoRow, key: tuple[int, int, str], values: dict[str, Any]) -> None:
    """Write changed columns of a row, and remember them."""
    if values:
        ctx.sql.update("run_io", values, _where(*key))
        ctx.io_rows[key] = row._replace(**values)


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
        ctx.sql.run(_INSERT, (run_id, ds, "in", ctx.asserter, version_id, t, named, facets_in))
        ctx.io_rows[(run_id, ds, "in")] = IoRow(version_id, t, named, facets_in)
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
        ctx.sql.run(_INSERT, (run_id, ds, "out", ctx.asserter, version_id, t, named, facets_out))
        ctx.io_rows[(run_id, ds, "out")] = IoRow(version_id, t, named, facets_out)
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
