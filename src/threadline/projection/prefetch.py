"""Read ahead the namespaces, datasets, jobs and fields a run of events names, in one go.

Looking each one up when it is first met costs a statement (a round trip on PostgreSQL)
per entity per transaction; reading them all before the events are projected costs one
per few hundred. What is not found is remembered as absent, so creating it needs no
look-up either. Admin events change rows behind these caches (``Ctx.forget``), so a read
ahead covers the events up to the next admin event only.

With the entities come the rows the projection of the events reads next, sent in the
same round trip (``RawSql.all_of``): the runs the events name and their inputs and
outputs, the schema history of the datasets that carry a schema, and the versions the
runs' outputs would make. Only the projection writes those rows, and it reads each one
once per transaction, so reading them first gives what reading them when met would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from threadline.model import DatasetRecord, EventKind, ParsedEvent
from threadline.openlineage.checks import is_deleted
from threadline.projection.context import Ctx, EntityState, IoRow, loads
from threadline.projection.runs import RUN_COLUMNS
from threadline.projection.versions import explicit_version, output_ident
from threadline.projection.versionwindow import READ_AHEAD, VersionWindow
from threadline.store.rawsql import BINARY_ARRAY

_CHUNK = 300
"""Names per statement: each dataset's name appears twice, within SQLite's 999 parameters."""
_INPUTS = 400
"""Datasets whose versions are read ahead: a SELECT each on SQLite, within its limit of 500."""


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
    reads = [_read(ctx, todo[start : start + _CHUNK]) for start in range(0, len(todo), _CHUNK)]
    extra = _Extra(ctx, events)
    answers = ctx.sql.all_of([query for query, _keep in reads] + extra.queries())
    for (_query, keep), rows in zip(reads, answers, strict=False):
        keep(rows)
    extra.keep(answers[len(reads) :])


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
        return f"= ANY(CAST({BINARY_ARRAY} AS text[]))"
    params += keys
    return f"IN ({', '.join('?' * len(keys))})"


Keep = Callable[[list[tuple[Any, ...]]], None]
Query = tuple[str, list[Any]]


def _read(ctx: Ctx, items: list[tuple[str, str]]) -> tuple[Query, Keep]:
    """Select entities and the fields of the datasets among them, one statement in all."""
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

    def keep(rows: list[tuple[Any, ...]]) -> None:
        caches = {"namespaces": ctx.namespaces, "datasets": ctx.datasets, "jobs": ctx.jobs}
        fields: list[tuple[int, str, int]] = []
        for table, key, node, created, updated, hidden, dataset in rows:
            if table == "fields":
                fields.append((int(dataset), str(key), int(node)))
            else:
                caches[table][key] = EntityState(
                    int(node), int(created), int(updated), bool(hidden)
                )
        for table, keys in by_table.items():
            ctx.absent.update((table, key) for key in keys if key not in caches[table])
        named = set(datasets)
        fresh = {st.id for key, st in ctx.datasets.items() if key in named} - ctx.fields_loaded
        ctx.fields.update({(ds, key): node for ds, key, node in fields if ds in fresh})
        ctx.fields_loaded.update(fresh)

    return (" UNION ALL ".join(parts), params), keep


class _Extra:
    """The runs, run inputs and outputs, schema histories and output versions read ahead."""

    def __init__(self, ctx: Ctx, events: Sequence[ParsedEvent]) -> None:
        self.ctx = ctx
        self.runs: dict[str, None] = {}
        self.schemas: dict[str, None] = {}  # dataset idents
        self.versions: dict[tuple[str, str], None] = {}  # (dataset ident, version ident)
        self.inputs: dict[str, None] = {}  # idents of datasets read without a named version
        for event in events:
            if event.kind is not EventKind.RUN or event.run_uuid is None:
                continue
            if event.run_uuid not in ctx.runs:
                self.runs[event.run_uuid] = None
            for record in (*event.inputs, *event.outputs):
                schema = record.facets.get("schema")
                if schema is not None and not is_deleted(schema):
                    self.schemas[ctx.ident(record.namespace, record.name)] = None
            for record in event.inputs:
                if explicit_version(record.facets) is None:
                    self.inputs[ctx.ident(record.namespace, record.name)] = None
            for record in event.outputs:
                ident = output_ident(record.facets, event.run_uuid)
                self.versions[(ctx.ident(record.namespace, record.name), ident)] = None
        self.runs = dict.fromkeys(r for r in self.runs if ("runs", r) not in ctx.absent)

    def queries(self) -> list[Query]:
        """Return the statements to send (none when there is nothing to ask)."""
        found: list[Query] = []
        runs = list(self.runs)[:_CHUNK]  # more runs than that are looked up when met
        schemas = list(self.schemas)[:_CHUNK]
        versions = list(self.versions)[: _CHUNK // 2]
        inputs = list(self.inputs)[:_INPUTS]
        self.runs, self.schemas = dict.fromkeys(runs), dict.fromkeys(schemas)
        self.versions, self.inputs = dict.fromkeys(versions), dict.fromkeys(inputs)
        if runs:
            params: list[Any] = []
            among = _among(self.ctx, runs, params)
            found.append(
                (f"SELECT uuid, id, {', '.join(RUN_COLUMNS)} FROM runs WHERE uuid {among}", params)
            )
            params = []
            found.append(
                (
                    "SELECT io.run_id, io.dataset_id, io.direction, io.version_id, io.bound_us, "
                    "io.explicit_version, io.facets FROM run_io io JOIN runs r ON r.id = io.run_id "
                    f"WHERE r.uuid {_among(self.ctx, runs, params)}",
                    params,
                )
            )
        if schemas:
            params = []
            found.append(
                (
                    "SELECT d.ident, s.observed_us, s.event_key, s.schema_hash, s.id, s.fields "
                    "FROM dataset_schemas s JOIN datasets d ON d.id = s.dataset_id "
                    f"WHERE d.ident {_among(self.ctx, schemas, params)} "
                    "ORDER BY s.dataset_id, s.observed_us, s.event_key",
                    params,
                )
            )
        if versions:
            params = []
            datasets = _among(self.ctx, list(dict.fromkeys(d for d, _v in versions)), params)
            idents = _among(self.ctx, list(dict.fromkeys(v for _d, v in versions)), params)
            found.append(
                (
                    "SELECT d.ident, v.ident, v.id, v.created_us, v.run_id, v.facets "
                    "FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id "
                    f"WHERE d.ident {datasets} AND v.ident {idents}",
                    params,
                )
            )
        if inputs:
            found.append(_windows(self.ctx, inputs))
        return found

    def keep(self, answers: list[list[tuple[Any, ...]]]) -> None:
        """Fill the caches from the answers to ``queries`` (in their order)."""
        at = 0
        if self.runs:
            self._runs(answers[0], answers[1])
            at = 2
        if self.schemas:
            self._schemas(answers[at])
            at += 1
        if self.versions:
            self._versions(answers[at])
            at += 1
        if self.inputs:
            self._windows(answers[at])

    def _runs(self, rows: list[tuple[Any, ...]], io: list[tuple[Any, ...]]) -> None:
        ctx = self.ctx
        for uuid, *row in rows:
            if uuid not in ctx.runs:
                run = int(row[0])
                ctx.runs[str(uuid)] = run
                ctx.run_rows[run] = dict(zip(("id", *RUN_COLUMNS), row, strict=True))
                ctx.io_rows[run] = {}
                ctx.io_known.add(run)
        ctx.absent.update(("runs", uuid) for uuid in self.runs if uuid not in ctx.runs)
        for run, dataset, way, *rest in io:
            rows_of_run = ctx.io_rows.get(int(run))
            if rows_of_run is not None:
                rows_of_run.setdefault((int(dataset), str(way)), IoRow(*rest))

    def _schemas(self, rows: list[tuple[Any, ...]]) -> None:
        ctx = self.ctx
        found: dict[str, list[list[Any]]] = {key: [] for key in self.schemas}
        for key, observed, event_key, schema_hash, point, fields in rows:
            found[str(key)].append([int(observed), str(event_key), str(schema_hash), int(point)])
            found[str(key)][-1].append(loads(fields))
        for key, history in found.items():
            state = ctx.datasets.get(key)
            if state is not None and state.id not in ctx.schemas:
                ctx.schemas[state.id] = history

    def _versions(self, rows: list[tuple[Any, ...]]) -> None:
        ctx = self.ctx
        found = {(str(d), str(v)): list(rest) for d, v, *rest in rows}
        for dataset, version in self.versions:
            state = ctx.datasets.get(dataset)
            if state is None or (state.id, version) in ctx.versions:
                continue
            row = found.get((dataset, version))
            if row is None:
                ctx.absent_versions.add((state.id, version))
            else:
                ctx.versions[(state.id, version)] = row

    def _windows(self, rows: list[tuple[Any, ...]]) -> None:
        ctx = self.ctx
        newest: dict[str, list[tuple[int, int, int | None]]] = {key: [] for key in self.inputs}
        implicit: dict[str, tuple[int, int]] = {}
        for key, version_id, created, run_id, is_implicit in rows:
            if is_implicit:
                implicit[str(key)] = (int(version_id), int(created))
            else:
                newest[str(key)].append((int(version_id), int(created), run_id))
        for key, found in newest.items():
            state = ctx.datasets.get(key)
            if state is not None and state.id not in ctx.version_windows:
                ctx.version_windows[state.id] = VersionWindow.read(found, implicit.get(key))


def _windows(ctx: Ctx, inputs: list[str]) -> Query:
    """Select the newest versions of each dataset (``READ_AHEAD``) and its implicit one."""
    columns = "d.ident, v.id, v.created_us, v.run_id, v.implicit"
    joined = "FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id"
    if ctx.dialect == "postgresql":  # one text for any number of datasets: planned once
        params: list[Any] = []
        named = _among(ctx, inputs, params)
        among = _among(ctx, inputs, params)
        return (
            f"SELECT {columns} FROM datasets d CROSS JOIN LATERAL (SELECT v.id, v.created_us, "
            "v.run_id, v.implicit FROM dataset_versions v WHERE v.dataset_id = d.id "
            f"AND v.implicit = false ORDER BY v.created_us DESC LIMIT {READ_AHEAD}) AS v "
            f"WHERE d.ident {named} UNION ALL SELECT {columns} {joined} "
            f"WHERE d.ident {among} AND v.ident = 'implicit'",
            params,
        )
    parts = [
        f"SELECT * FROM (SELECT {columns} {joined} WHERE d.ident = ? AND v.implicit = 0 "
        f"ORDER BY v.created_us DESC LIMIT {READ_AHEAD}) AS w{at}"
        for at in range(len(inputs))
    ]
    params = list(inputs)
    parts.append(
        f"SELECT {columns} {joined} WHERE d.ident {_among(ctx, inputs, params)} "
        "AND v.ident = 'implicit'"
    )
    return " UNION ALL ".join(parts), params
