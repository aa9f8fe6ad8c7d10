"""Project dataset versions and bind each run input to the version current at its time.

A version is the explicit ``version`` facet when present; otherwise each producing run
makes one, and a DatasetEvent makes one. An input without an explicit version binds to
the newest version created at or before the run's time (excluding the run's own output);
a dataset read before any recorded write binds to its "implicit" initial version. When a
version appears or moves earlier, later inputs are re-bound, so the result does not
depend on the order in which events arrive.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, select, update

from threadline.projection.context import Ctx, ident, merge_timed, stable_uuid
from threadline.store.tables import dataset_versions, datasets, run_io

V = dataset_versions.c


def explicit_version(facets: dict[str, Any]) -> str | None:
    """Return the dataset version named by a ``version`` facet, if any."""
    facet = facets.get("version")
    if facet is None or facet.get("_deleted") is True:
        return None
    value = facet.get("datasetVersion")
    return value if isinstance(value, str) and value else None


def _upsert_version(
    ctx: Ctx,
    ds: int,
    *,
    ident_key: str,
    version: str,
    t: int,
    run_id: int | None,
    explicit: bool,
    facets: dict[str, Any] | None,
    key: str,
) -> int:
    row = ctx.conn.execute(
        select(V.id, V.created_us, V.run_id, V.facets).where(
            V.dataset_id == ds, V.ident == ident_key
        )
    ).first()
    merged = merge_timed(row.facets if row else None, facets or {}, t, key)
    if row is None:
        version_id = int(
            ctx.conn.execute(
                dataset_versions.insert()
                .values(
                    dataset_id=ds,
                    ident=ident_key,
                    version=version,
                    created_us=t,
                    run_id=run_id,
                    explicit=explicit,
                    facets=merged or "{}",
                )
                .returning(V.id)
            ).scalar_one()
        )
        _versions_changed(ctx, ds, t)
        return version_id
    values: dict[str, Any] = {}
    if merged is not None:
        values["facets"] = merged
    if t < row.created_us:
        values["created_us"] = t
        if run_id is not None:
            values["run_id"] = run_id  # the earliest producer of an explicit version
    elif row.run_id is None and run_id is not None:
        values["run_id"] = run_id
    if values:
        ctx.conn.execute(update(dataset_versions).where(V.id == row.id).values(**values))
    if "created_us" in values:
        _versions_changed(ctx, ds, t)
    return int(row.id)


def output_version(
    ctx: Ctx,
    ds: int,
    *,
    run_id: int,
    run_uuid: str,
    t: int,
    facets: dict[str, Any],
    key: str,
) -> int:
    """Return the version a run wrote: the explicit one, else one per (dataset, run)."""
    named = explicit_version(facets)
    if named is not None:
        return _upsert_version(
            ctx,
            ds,
            ident_key=f"v:{_short(named)}",
            version=named,
            t=t,
            run_id=run_id,
            explicit=True,
            facets=facets,
            key=key,
        )
    return _upsert_version(
        ctx,
        ds,
        ident_key=f"r:{run_uuid}",
        version=stable_uuid(ctx.idents[ds], run_uuid),
        t=t,
        run_id=run_id,
        explicit=False,
        facets=facets,
        key=key,
    )


def event_version(ctx: Ctx, ds: int, *, t: int, facets: dict[str, Any], key: str) -> int:
    """Return the version a DatasetEvent records: explicit, else one per event."""
    named = explicit_version(facets)
    if named is not None:
        return _upsert_version(
            ctx,
            ds,
            ident_key=f"v:{_short(named)}",
            version=named,
            t=t,
            run_id=None,
            explicit=True,
            facets=facets,
            key=key,
        )
    return _upsert_version(
        ctx,
        ds,
        ident_key=f"e:{key[:30]}",
        version=stable_uuid(key),
        t=t,
        run_id=None,
        explicit=False,
        facets=facets,
        key=key,
    )


def _short(version: str) -> str:
    return ident(version)


def _implicit_version(ctx: Ctx, ds: int, t: int) -> int:
    row = ctx.conn.execute(
        select(V.id, V.created_us).where(V.dataset_id == ds, V.ident == "implicit")
    ).first()
    if row is None:
        return int(
            ctx.conn.execute(
                dataset_versions.insert()
                .values(
                    dataset_id=ds,
                    ident="implicit",
                    version=stable_uuid(ctx.idents[ds], "initial"),
                    created_us=t,
                    implicit=True,
                )
                .returning(V.id)
            ).scalar_one()
        )
    if t < row.created_us:
        ctx.conn.execute(update(dataset_versions).where(V.id == row.id).values(created_us=t))
    return int(row.id)


def _resolve_query(ds: Any, bound: Any, run: Any) -> Any:
    return (
        select(V.id)
        .where(
            V.dataset_id == ds,
            V.implicit.is_(False),
            V.created_us <= bound,
            V.run_id.is_distinct_from(run),
        )
        .order_by(V.created_us.desc(), V.version.desc())
        .limit(1)
        .scalar_subquery()
    )


def input_version(
    ctx: Ctx, ds: int, *, run_id: int, t: int, facets: dict[str, Any], key: str
) -> tuple[int, str | None]:
    """Return (version id, explicit version name) for a run's input at time ``t``."""
    named = explicit_version(facets)
    if named is not None:
        found = _upsert_version(
            ctx,
            ds,
            ident_key=f"v:{_short(named)}",
            version=named,
            t=t,
            run_id=None,
            explicit=True,
            facets=facets,
            key=key,
        )
        return found, named
    resolved = ctx.conn.execute(select(_resolve_query(ds, t, run_id))).scalar()
    return (int(resolved) if resolved is not None else _implicit_version(ctx, ds, t)), None


def _settle_implicit(ctx: Ctx, ds: int) -> None:
    """Date the implicit version by its earliest reader, or drop it when nobody reads it."""
    implicit = ctx.conn.execute(
        select(V.id).where(V.dataset_id == ds, V.ident == "implicit")
    ).scalar()
    if implicit is None:
        return
    first_read = ctx.conn.execute(
        select(func.min(run_io.c.bound_us)).where(run_io.c.version_id == implicit)
    ).scalar()
    if first_read is None:
        ctx.conn.execute(dataset_versions.delete().where(V.id == implicit))
    else:
        ctx.conn.execute(
            update(dataset_versions).where(V.id == implicit).values(created_us=first_read)
        )


def _versions_changed(ctx: Ctx, ds: int, t: int) -> None:
    """Re-bind inputs read at or after ``t`` and refresh the dataset's current version."""
    ctx.touch("inputs", ds, t)
    io = run_io.c
    resolved = _resolve_query(io.dataset_id, io.bound_us, io.run_id)
    ctx.conn.execute(
        update(run_io)
        .where(
            and_(
                io.dataset_id == ds,
                io.direction == "in",
                io.explicit_version.is_(None),
                io.version_id.is_not(None),
                io.bound_us >= t,
            )
        )
        .values(version_id=func.coalesce(resolved, io.version_id))
    )
    _settle_implicit(ctx, ds)
    current = (
        select(V.id)
        .where(V.dataset_id == ds, V.implicit.is_(False))
        .order_by(V.created_us.desc(), V.version.desc())
        .limit(1)
        .scalar_subquery()
    )
    ctx.conn.execute(update(datasets).where(datasets.c.id == ds).values(current_version_id=current))
