"""Read whole projection tables into numpy arrays: one aggregated string per column.

A million rows fetched as driver tuples cost a Python object per value, which is most of
a full load. Aggregated in the database instead (``group_concat`` on SQLite,
``string_agg`` on PostgreSQL), each column arrives as one comma-separated string that
numpy parses in C. Every column of one statement aggregates the same rows in the same
order, and a count read alongside checks that nothing was lost. Tables are read in key
ranges, so no string comes near either database's size limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection

from threadline.index.graph import OPEN
from threadline.index.loader import EDGE_KINDS, NODE_DATASET, NODE_FIELD, NODE_JOB, STATE_CODES
from threadline.store.rawsql import RawSql

I64 = npt.NDArray[np.int64]
RANGE = 1 << 21  # key values per statement: a few MB of text per column
OPEN_BIT = 16  # above every edge kind code
ID_BITS = 31  # ids are below 2**31 (the index holds them as int32)
FLAG_SPACE = 8  # a node's flags take three bits
# Kinds the projection gives by default: tried first, so a store using only these needs
# no statement to list the kinds it has.
USUAL_KINDS = ("dataset", "job", "model", "endpoint", "predictions")


def _aggregate(expression: str, *, pg: bool) -> str:
    if pg:
        return f"string_agg(CAST({expression} AS TEXT), ',')"
    return f"group_concat({expression}, ',')"


def _parse(text: str | None, count: int) -> I64:
    values = np.fromstring(text or "", dtype=np.int64, sep=",")
    if values.size != count:
        raise ValueError(f"read {values.size} values of {count} rows")
    return values


def read_columns(
    conn: Connection,
    table: str,
    expressions: Sequence[str],
    *,
    where: str = "",
    key: str = "id",
    params: Sequence[Any] = (),
) -> list[I64]:
    """Return one int64 array per integer SQL expression over the table's rows.

    Args:
        conn: a connection in a read transaction.
        table: the table to read.
        expressions: integer-valued SQL expressions (``?`` placeholders take ``params``).
        where: a condition the rows must meet, or empty for every row.
        key: an integer column of the table to read it by ranges of.
        params: values of the placeholders in ``expressions``.
    """
    sql = RawSql(conn)
    pg = conn.dialect.name == "postgresql"
    low, high = sql.first(f"SELECT min({key}), max({key}) FROM {table}") or (None, None)
    found: list[list[I64]] = [[] for _ in expressions]
    if low is not None:
        columns = ", ".join(_aggregate(e, pg=pg) for e in expressions)
        whole = int(high) - int(low) < RANGE  # one statement: no range test per row
        for start in range(int(low), int(high) + 1, RANGE):
            conditions = [] if whole else [f"{key} >= {start}", f"{key} < {start + RANGE}"]
            if where:
                conditions.append(f"({where})")
            clause = f" WHERE {' AND '.join(conditions)}" if conditions else ""
            row = sql.first(f"SELECT count(*), {columns} FROM {table}{clause}", params)
            assert row is not None  # an aggregate always returns a row
            for i, text in enumerate(row[1:]):
                found[i].append(_parse(text, int(row[0])))
    return [np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64) for parts in found]


def case(expression: str, codes: dict[str, int], default: int = 0) -> tuple[str, list[str]]:
    """Return SQL mapping text values of ``expression`` to integer codes, and its parameters."""
    if not codes:
        return str(default), []
    whens = " ".join(f"WHEN ? THEN {code}" for code in codes.values())
    return f"CASE {expression} {whens} ELSE {default} END", list(codes)


def flag(conn: Connection, condition: str) -> str:
    """Return SQL of a boolean column or condition as 0 or 1 (SQLite's booleans already are)."""
    return (
        f"CAST(({condition}) AS INTEGER)" if conn.dialect.name == "postgresql" else f"({condition})"
    )


def _pair(high: str, low: str) -> str:
    """Return SQL of two ids below 2**31 as one number (``unpair`` splits it)."""
    return f"CAST({high} AS BIGINT) * {1 << ID_BITS} + {low}"


def unpair(values: I64) -> tuple[I64, I64]:
    """Split numbers made by ``_pair`` into their two ids."""
    return values >> ID_BITS, values & ((1 << ID_BITS) - 1)


def edge_columns(conn: Connection) -> dict[str, I64]:
    """Return every lineage edge as parallel columns (src, dst, kind, vfrom, vto, group).

    One aggregated statement, with few and short texts: source and destination are one
    number; times are offsets from the first edge's, and an open edge's end is 0; and
    one number carries the edge's kind, whether it is open and its asserter, which is -1
    or -2 when it is the edge's destination or source (a job's inputs and outputs;
    asserter ids are positive).
    """
    first = RawSql(conn).scalar("SELECT valid_from_us FROM edges ORDER BY id LIMIT 1")
    t0 = int(first or 0)
    kinds = " ".join(f"WHEN '{name}' THEN {code}" for name, code in EDGE_KINDS.items())
    asserter = "CASE asserter WHEN dst THEN -1 WHEN src THEN -2 ELSE asserter END"
    is_open = flag(conn, "valid_to_us IS NULL")
    ends, meta, since, until = read_columns(
        conn,
        "edges",
        [
            _pair("src", "dst"),
            f"CAST({asserter} AS BIGINT) * 32 + CASE kind {kinds} ELSE 0 END"
            f" + {OPEN_BIT} * {is_open}",
            f"valid_from_us - {t0}",
            f"CASE WHEN valid_to_us IS NULL THEN 0 ELSE valid_to_us - {t0} END",
        ],
    )
    src, dst = unpair(ends)
    group, code = meta >> 5, meta & 31  # an arithmetic shift: -1 and -2 stay themselves
    group = np.where(group == -1, dst, np.where(group == -2, src, group))
    return {
        "src": src,
        "dst": dst,
        "kind": code & (OPEN_BIT - 1),
        "vfrom": since + t0,
        "vto": np.where(code >= OPEN_BIT, OPEN, until + t0),
        "group": group,
    }


def _with_kinds(conn: Connection, table: str, flags: str, names: list[str]) -> list[I64]:
    """Read a table's ids and (namespace, kind, flags) as one number each: ``_split_kinds``.

    Kinds are read as codes into ``names``, which is extended with any kind not in it
    (then the table is read again).
    """
    for attempt in range(2):
        codes = {name: code for code, name in enumerate(names) if code}
        kind, params = case("kind", codes)
        space = 1 << max(len(names), 2).bit_length()
        packed = f"(CAST(namespace_id AS BIGINT) * {space} + {kind}) * {FLAG_SPACE} + {flags}"
        ids, values = read_columns(conn, table, ["id", packed], params=params)
        kinds = (values // FLAG_SPACE) % space
        if attempt or not (kinds == 0).any():
            return [ids, values // FLAG_SPACE // space, kinds, values % FLAG_SPACE]
        others = RawSql(conn).all(f"SELECT DISTINCT kind FROM {table}")
        names.extend(sorted({str(k) for (k,) in others} - set(names)))
    raise AssertionError("unreachable")


def node_columns(conn: Connection) -> tuple[dict[str, I64], tuple[str, ...]]:
    """Return every node as columns and the kind names its kind codes index.

    The columns are those of ``loader.node_rows``: id, type, kind, namespace, hidden,
    deleted and dataset (of a field); and renamed (a dataset with a previous name).
    """
    names = ["", "field", *USUAL_KINDS]
    hidden, deleted = flag(conn, "is_hidden"), flag(conn, "is_deleted")
    renamed = flag(conn, "previous_name IS NOT NULL")
    ds_id, ds_ns, ds_kind, ds_flags = _with_kinds(
        conn, "datasets", f"{hidden} + 2 * {deleted} + 4 * {renamed}", names
    )
    job_id, job_ns, job_kind, job_hidden = _with_kinds(conn, "jobs", hidden, names)
    (fields,) = read_columns(conn, "dataset_fields", [_pair("id", "dataset_id")])
    field_id, field_dataset = unpair(fields)
    sizes = (ds_id.size, job_id.size, field_id.size)

    def joined(dataset: I64 | int, job: I64 | int, field: I64 | int) -> I64:
        parts = [
            np.broadcast_to(np.asarray(p, dtype=np.int64), (k,))
            for p, k in zip((dataset, job, field), sizes, strict=True)
        ]
        return np.concatenate(parts)

    columns = {
        "id": joined(ds_id, job_id, field_id),
        "type": joined(NODE_DATASET, NODE_JOB, NODE_FIELD),
        "kind": joined(ds_kind, job_kind, names.index("field")),
        "namespace": joined(ds_ns, job_ns, -1),
        "hidden": joined(ds_flags & 1, job_hidden, 0),
        "deleted": joined((ds_flags >> 1) & 1, 0, 0),
        "dataset": joined(-1, -1, field_dataset),
        "renamed": joined(ds_flags >> 2, 0, 0),
    }
    return columns, tuple(names)


def version_columns(conn: Connection) -> dict[str, I64]:
    """Return every dataset version as columns (id, dataset, created)."""
    ids, dataset, created = read_columns(
        conn, "dataset_versions", ["id", "dataset_id", "created_us"]
    )
    return {"id": ids, "dataset": dataset, "created": created}


def run_columns(conn: Connection) -> dict[str, I64]:
    """Return every run as columns (id, job, start, state code), as ``loader.run_rows``."""
    named = {name: code for name, code in STATE_CODES.items() if name is not None}
    state, params = case("state", named, default=3)
    ids, job, start, code = read_columns(
        conn,
        "runs",
        [
            "id",
            "COALESCE(job_id, -1)",
            f"COALESCE(start_us, {OPEN})",
            f"CASE WHEN state IS NULL THEN {STATE_CODES[None]} ELSE {state} END",
        ],
        params=params,
    )
    return {"id": ids, "job": job, "start": start, "state": code}


def version_edge_columns(conn: Connection) -> dict[str, I64]:
    """Return every version-level edge as columns, as ``loader.load_version_edges``."""
    run, version, reads, bound = read_columns(
        conn,
        "run_io",
        ["run_id", "version_id", "CASE direction WHEN 'in' THEN 1 ELSE 0 END", "bound_us"],
        where="version_id IS NOT NULL",
        key="run_id",
    )
    run_node, version_node, read = 2 * run + 1, 2 * version, reads == 1
    return {
        "src": np.where(read, version_node, run_node),
        "dst": np.where(read, run_node, version_node),
        "kind": np.where(read, EDGE_KINDS["read"], EDGE_KINDS["wrote"]),
        "vfrom": bound,
        "vto": np.full(run.size, OPEN),
        "group": run,
    }
