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
FLAG_BITS = 3  # a node's flags: hidden, deleted, renamed
# Kinds the projection gives by default: tried first, so a store using only these needs
# no statement to list the kinds it has.
USUAL_KINDS = ("dataset", "job", "model", "endpoint", "predictions")


def _aggregate(expression: str, *, pg: bool) -> str:
    if pg:
        return f"string_agg(CAST({expression} AS TEXT), ',')"
    return f"group_concat({expression}, ',')"


def _parse(text: str | None, count: int | None) -> I64:
    values = np.fromstring(text or "", dtype=np.int64, sep=",")
    if count is not None and values.size != count:
        raise ValueError(f"read {values.size} values of {count} rows")
    return values


def largest(conn: Connection, table: str, column: str) -> int | None:
    """Return a column's largest value (an index lookup when the column has an index)."""
    # One min() or max() per statement: with two, SQLite scans the whole table.
    found = RawSql(conn).scalar(f"SELECT max({column}) FROM {table}")
    return int(found) if found is not None else None


def read_columns(
    conn: Connection,
    table: str,
    expressions: Sequence[str],
    *,
    where: str = "",
    key: str = "id",
    params: Sequence[Any] = (),
    sparse: Sequence[bool] = (),
    span: int = RANGE,
) -> list[I64]:
    """Return one int64 array per integer SQL expression over the table's rows.

    Args:
        conn: a connection in a read transaction.
        table: the table to read.
        expressions: integer-valued SQL expressions (``?`` placeholders take ``params``).
        where: a condition the rows must meet, or empty for every row.
        key: an integer column of the table to read it by ranges of.
        params: values of the placeholders in ``expressions``.
        sparse: per expression, whether it is NULL on some rows: those rows are skipped
            (the aggregate leaves NULLs out), so the caller knows which rows it holds.
        span: how many key values one statement reads at most.
    """
    sql = RawSql(conn)
    pg = conn.dialect.name == "postgresql"
    low = sql.scalar(f"SELECT min({key}) FROM {table}")
    high = largest(conn, table, key)
    found: list[list[I64]] = [[] for _ in expressions]
    skips = [bool(sparse[i]) if i < len(sparse) else False for i in range(len(expressions))]
    if low is not None and high is not None:
        columns = ", ".join(_aggregate(e, pg=pg) for e in expressions)
        whole = high - int(low) < span  # one statement: no range test per row
        for start in range(int(low), high + 1, span):
            conditions = [] if whole else [f"{key} >= {start}", f"{key} < {start + span}"]
            if where:
                conditions.append(f"({where})")
            clause = f" WHERE {' AND '.join(conditions)}" if conditions else ""
            row = sql.first(f"SELECT count(*), {columns} FROM {table}{clause}", params)
            assert row is not None  # an aggregate always returns a row
            for i, text in enumerate(row[1:]):
                found[i].append(_parse(text, None if skips[i] else int(row[0])))
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


def _packed(fields: Sequence[tuple[str, int]]) -> str:
    """Return SQL of non-negative values, each below ``2**bits``, as one number (``unpack``)."""
    text = f"CAST({fields[0][0]} AS BIGINT)"
    for expression, bits in fields[1:]:
        text = f"({text}) * {1 << bits} + {expression}"
    return text


def unpack(values: I64, bits: Sequence[int]) -> list[I64]:
    """Split numbers made by ``_packed`` into their fields (of these widths, first to last)."""
    found = []
    for width in reversed(bits[1:]):
        found.append(values & ((1 << width) - 1))
        values = values >> width
    return [values, *reversed(found)]


def width(*largest_values: int | None) -> int:
    """Return the bits that hold every value up to the largest of these."""
    return max(int(v or 0) for v in largest_values).bit_length() or 1


def edge_columns(conn: Connection) -> dict[str, I64]:
    """Return every lineage edge as parallel columns (src, dst, kind, vfrom, vto, group).

    One aggregated statement, with few and short texts: source, destination, kind,
    "still open" and whose the asserter is are one number; an asserter that is neither
    the edge's destination nor its source (a job asserts its inputs and outputs) and a
    retired edge's end are in columns holding only those edges; times are offsets from
    the first edge's.
    """
    nodes = width(largest(conn, "edges", "src"), largest(conn, "edges", "dst"))
    first = RawSql(conn).scalar("SELECT valid_from_us FROM edges ORDER BY id LIMIT 1")
    t0 = int(first or 0)
    kinds = " ".join(f"WHEN '{name}' THEN {code}" for name, code in EDGE_KINDS.items())
    whose = "CASE asserter WHEN dst THEN 0 WHEN src THEN 1 ELSE 2 END"
    fields = [
        ("src", nodes),
        ("dst", nodes),
        (whose, 2),
        (flag(conn, "valid_to_us IS NULL"), 1),
        (f"CASE kind {kinds} ELSE 0 END", 4),
    ]
    wide = 2 * nodes + 7 > 63  # ids past 2**28: the source in a column of its own
    packed, others, since, until, *own = read_columns(
        conn,
        "edges",
        [
            _packed(fields[wide:]),
            "CASE WHEN asserter = dst OR asserter = src THEN NULL ELSE asserter END",
            f"valid_from_us - {t0}",
            f"valid_to_us - {t0}",
            *(["src"] if wide else []),
        ],
        sparse=(False, True, False, True, False),
    )
    src, dst, asserted_by, is_open, kind = (
        [own[0], *unpack(packed, [b for _e, b in fields[1:]])]
        if wide
        else unpack(packed, [b for _e, b in fields])
    )
    group = np.where(asserted_by == 0, dst, src)
    other, retired = asserted_by == 2, is_open == 0
    if others.size != int(other.sum()) or until.size != int(retired.sum()):
        raise ValueError("the sparse edge columns do not match the edges read")
    group[other] = others
    vto = np.full(src.size, OPEN)
    vto[retired] = until + t0
    return {"src": src, "dst": dst, "kind": kind, "vfrom": since + t0, "vto": vto, "group": group}


def _with_kinds(conn: Connection, table: str, flags: str, names: list[str]) -> list[I64]:
    """Read a table's (id, namespace, kind, flags) as one number each (as few as fit).

    Kinds are read as codes into ``names``, which is extended with any kind not in it
    (then the table is read again).
    """
    for attempt in range(2):
        codes = {name: code for code, name in enumerate(names) if code}
        kind, params = case("kind", codes)
        fields = [
            ("id", width(largest(conn, table, "id"))),
            ("namespace_id", width(largest(conn, table, "namespace_id"))),
            (kind, width(len(names))),
            (flags, FLAG_BITS),
        ]
        bits = [b for _e, b in fields]
        if sum(bits) <= 63:
            (values,) = read_columns(conn, table, [_packed(fields)], params=params)
            found = unpack(values, bits)
        else:
            ids, values = read_columns(conn, table, ["id", _packed(fields[1:])], params=params)
            found = [ids, *unpack(values, bits[1:])]
        if attempt or not (found[2] == 0).any():
            return found
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
    bits = [width(largest(conn, "dataset_fields", c)) for c in ("id", "dataset_id")]
    (fields,) = read_columns(
        conn, "dataset_fields", [_packed(list(zip(("id", "dataset_id"), bits, strict=True)))]
    )
    field_id, field_dataset = unpack(fields, bits)
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
