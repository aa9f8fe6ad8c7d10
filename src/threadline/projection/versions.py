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

from threadline.projection.context import Ctx, ident, merge_timed, stable_uuid
from threadline.store.tables import dataset_versions

V = dataset_versions.c


_VERSION_COLUMNS = (
    "dataset_id",
    "ident",
    "version",
    "created_us",
    "run_id",
    "implicit",
    "explicit",
    "facets",
)


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
    # Only this function writes these (non-implicit) versions: what it read or wrote
    # earlier in the transaction is still what the row holds.
    row = ctx.versions.get((ds, ident_key))
    # A run's own version (``r:<run>``) of a run new in this transaction cannot exist yet.
    fresh = ident_key.startswith("r:") and run_id in ctx.fresh_runs
    if row is None and not fresh and (ds, ident_key) not in ctx.absent_versions:
        found_row = ctx.sql.first(
            "SELECT id, created_us, run_id, facets FROM dataset_versions "
            "WHERE dataset_id = ? AND ident = ?",
            (ds, ident_key),
        )
        row = list(found_row) if found_row is not None else None
    merged = merge_timed(row[3] if row else None, facets or {}, t, key)
    if row is None:
        version_id = ctx.ids.insert(
            "dataset_versions",
            _VERSION_COLUMNS,
            (ds, ident_key, version, t, run_id, False, explicit, merged or "{}"),
        )
        ctx.versions[(ds, ident_key)] = [version_id, t, run_id, merged or "{}"]
        _note(ctx, ds, version_id, t, run_id)
        _versions_changed(ctx, ds, t)
        return version_id
    ctx.versions[(ds, ident_key)] = row
    found, created_us, found_run = int(row[0]), int(row[1]), row[2]
    values: dict[str, Any] = {}
    if merged is not None:
        values["facets"] = merged
    if t < created_us:
        values["created_us"] = t
        if run_id is not None:
            values["run_id"] = run_id  # the earliest producer of an explicit version
    elif found_run is None and run_id is not None:
        values["run_id"] = run_id
    if "facets" in values:  # nothing in the projection reads them: written at the end
        row[3] = ctx.version_facets[found] = values.pop("facets")
    if values:
        ctx.sql.update("dataset_versions", values, {"id": found})
        row[1] = values.get("created_us", row[1])
        row[2] = values.get("run_id", row[2])
        _note(ctx, ds, found, int(row[1]), row[2])
    if "created_us" in values:
        _versions_changed(ctx, ds, t)
    return found


def _note(ctx: Ctx, ds: int, version_id: int, created_us: int, run_id: int | None) -> None:
    """Keep the dataset's window of versions (if the transaction has one) up to date."""
    window = ctx.version_windows.get(ds)
    if window is not None:
        window.made(version_id, created_us, run_id)


def output_ident(facets: dict[str, Any], run_uuid: str) -> str:
    """Return the ``ident`` of the version a run's output makes (see ``output_version``)."""
    named = explicit_version(facets)
    return f"v:{_short(named)}" if named is not None else f"r:{run_uuid}"


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
            ident_key=output_ident(facets, run_uuid),
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
        ident_key=output_ident(facets, run_uuid),
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


def _implicit_version(ctx: Ctx, ds: int, t: int, row: tuple[Any, ...] | None) -> int:
    """Return the dataset's implicit version read at ``t``: ``row`` is its (id, created)."""
    window = ctx.version_windows.get(ds)
    if row is None:
        version = stable_uuid(ctx.idents[ds], "initial")
        made = ctx.ids.insert(
            "dataset_versions",
            _VERSION_COLUMNS,
            (ds, "implicit", version, t, None, True, False, "{}"),
        )
        if window is not None:
            window.implicit = (made, t)
        return made
    if t < row[1]:
        ctx.sql.run("UPDATE dataset_versions SET created_us = ? WHERE id = ?", (t, row[0]))
        if window is not None:
            window.implicit = (int(row[0]), t)
    return int(row[0])


# The newest non-implicit version of a dataset created at or before a time, excluding one
# run's own output: (dataset, time, run) are its parameters, in that order.
_RESOLVE = (
    "SELECT v.id FROM dataset_versions v WHERE v.dataset_id = {ds} AND v.implicit = {false} "
    "AND v.created_us <= {bound} AND v.run_id {distinct} {run} "
    "ORDER BY v.created_us DESC, v.version DESC LIMIT 1"
)


def _false(ctx: Ctx) -> str:
    return "false" if ctx.dialect == "postgresql" else "0"


def _distinct(ctx: Ctx) -> str:
    return "IS DISTINCT FROM" if ctx.dialect == "postgresql" else "IS NOT"


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
    window = ctx.version_windows.get(ds)
    if window is not None:
        known, found_id = window.bound(t, run_id)
        if known:
            if found_id is not None:
                return found_id, None
            return _implicit_version(ctx, ds, t, window.implicit), None
    resolve = _RESOLVE.format(
        ds="?", false=_false(ctx), bound="?", run="?", distinct=_distinct(ctx)
    )
    # The resolved version and, in case there is none, the implicit one: one statement.
    row = ctx.sql.first(
        f"SELECT ({resolve}), i.id, i.created_us FROM (SELECT 1 AS one) AS one "
        "LEFT JOIN dataset_versions i ON i.dataset_id = ? AND i.ident = 'implicit'",
        (ds, t, run_id, ds),
    )
    assert row is not None, "the query has one row"
    if row[0] is not None:
        return int(row[0]), None
    implicit = (row[1], row[2]) if row[1] is not None else None
    return _implicit_version(ctx, ds, t, implicit), None


def _settle_implicit(ctx: Ctx, datasets: list[int]) -> None:
    """Date implicit versions by their earliest reader, or drop the ones nobody reads."""
    for start in range(0, len(datasets), 500):
        chunk = datasets[start : start + 500]
        rows = ctx.sql.all(
            "SELECT v.id, (SELECT min(io.bound_us) FROM run_io io WHERE io.version_id = v.id) "
            "FROM dataset_versions v WHERE v.ident = 'implicit' "
            f"AND v.dataset_id IN ({', '.join('?' * len(chunk))})",
            chunk,
        )
        ctx.sql.many(
            "DELETE FROM dataset_versions WHERE id = ?",
            [(found,) for found, first_read in rows if first_read is None],
        )
        ctx.sql.many(
            "UPDATE dataset_versions SET created_us = ? WHERE id = ?",
            [(first_read, found) for found, first_read in rows if first_read is not None],
        )


def _versions_changed(ctx: Ctx, ds: int, t: int) -> None:
    """Have inputs read at or after ``t`` re-bound, when the batch is done.

    Only the re-binding itself reads an input's bound version back (to settle the
    implicit version); new inputs are resolved against the versions as they are. So
    re-binding once, from the earliest time any event asked for, binds every input as
    re-binding after each event would.
    """
    ctx.touch("inputs", ds, t)
    known = ctx.rebinds.get(ds)
    ctx.rebinds[ds] = t if known is None else min(known, t)


def flush_version_facets(ctx: Ctx) -> None:
    """Write the facets of the versions the batch changed."""
    ctx.update_rows(
        dataset_versions,
        ("facets",),
        [(text, found) for found, text in ctx.version_facets.items()],
    )
    ctx.version_facets.clear()


def flush_rebinds(ctx: Ctx) -> None:
    """Re-bind the inputs the events of the batch asked for; refresh current versions."""
    if not ctx.rebinds:
        return
    asked = list(ctx.rebinds.items())
    ctx.rebinds.clear()
    false = _false(ctx)
    resolved = _RESOLVE.format(
        ds="run_io.dataset_id",
        false=false,
        bound="run_io.bound_us",
        run="run_io.run_id",
        distinct=_distinct(ctx),
    )
    ctx.sql.many(
        f"UPDATE run_io SET version_id = coalesce(({resolved}), run_io.version_id) "
        "WHERE run_io.dataset_id = ? AND run_io.direction = 'in' "
        "AND run_io.explicit_version IS NULL AND run_io.version_id IS NOT NULL "
        "AND run_io.bound_us >= ?",
        asked,
    )
    _settle_implicit(ctx, [ds for ds, _t in asked])
    for ds, _t in asked:
        ctx.refresh_later(
            "datasets",
            "current_version_id",
            "(SELECT v.id FROM dataset_versions v WHERE v.dataset_id = datasets.id "
            f"AND v.implicit = {false} ORDER BY v.created_us DESC, v.version DESC LIMIT 1)",
            ds,
        )
