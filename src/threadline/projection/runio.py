"""Project what a run read and wrote, each bound to a dataset version."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from threadline.projection.context import Ctx, merge_timed
from threadline.projection.versions import explicit_version, input_version, output_version
from threadline.store.tables import run_io

IO = run_io.c


def _existing(ctx: Ctx, run_id: int, ds: int, direction: str) -> Any:
    return ctx.conn.execute(
        select(IO.version_id, IO.bound_us, IO.explicit_version, IO.facets).where(
            IO.run_id == run_id, IO.dataset_id == ds, IO.direction == direction
        )
    ).first()


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
        ctx.conn.execute(
            run_io.insert().values(
                run_id=run_id,
                dataset_id=ds,
                direction="in",
                asserter=ctx.asserter,
                version_id=version_id,
                bound_us=t,
                explicit_version=named,
                facets=merge_timed(None, io_facets, t, key) or "{}",
            )
        )
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
    if values:
        ctx.conn.execute(
            update(run_io)
            .where(IO.run_id == run_id, IO.dataset_id == ds, IO.direction == "in")
            .values(**values)
        )


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
        ctx.conn.execute(
            run_io.insert().values(
                run_id=run_id,
                dataset_id=ds,
                direction="out",
                asserter=ctx.asserter,
                version_id=version_id,
                bound_us=t,
                explicit_version=explicit_version(facets),
                facets=merge_timed(None, io_facets, t, key) or "{}",
            )
        )
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
    if values:
        ctx.conn.execute(
            update(run_io)
            .where(IO.run_id == run_id, IO.dataset_id == ds, IO.direction == "out")
            .values(**values)
        )
    return version_id
