"""Marquez's search: datasets and jobs whose name contains the query, case-insensitively.

Beyond Marquez (which matches names only) a dataset also matches on a column name and a
job on its SQL text: both are a scan of rows already narrowed to one table each.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, exists, func, or_, select

from threadline.errors import InvalidParameter
from threadline.queries.marquez.common import MAX_PAGE, text_param
from threadline.refs import format_ref
from threadline.store.tables import dataset_fields, datasets, job_facets, jobs
from threadline.times import format_iso_us, parse_iso_us

FILTERS = ("DATASET", "JOB")
SORTS = ("NAME", "UPDATE_AT")


def _choice(name: str, value: str | None, allowed: tuple[str, ...]) -> str | None:
    if value is None or value == "":
        return None
    upper = value.strip().upper()
    if upper not in allowed:
        raise InvalidParameter(f"{name} must be one of {', '.join(allowed)}; got {value[:40]!r}")
    return upper


def _day(name: str, value: str | None) -> int | None:
    if not value:
        return None
    try:
        return parse_iso_us(value)
    except ValueError as exc:
        raise InvalidParameter(f"{name}: {exc}") from None


def _matches(kind: str, text: str) -> ColumnElement[bool]:
    if kind == "DATASET":
        f = dataset_fields.c
        column = exists().where(
            f.dataset_id == datasets.c.id, func.lower(f.path).contains(text, autoescape=True)
        )
        return or_(func.lower(datasets.c.name).contains(text, autoescape=True), column)
    jf = job_facets.c
    sql = exists().where(
        jf.job_id == jobs.c.id,
        jf.name == "sql",
        jf.deleted.is_(False),
        func.lower(jf.facet).contains(text, autoescape=True),
    )
    return or_(func.lower(jobs.c.name).contains(text, autoescape=True), sql)


def _search_one(
    conn: Connection, kind: str, text: str, window: dict[str, Any], sort: str, limit: int
) -> list[dict[str, Any]]:
    table = datasets if kind == "DATASET" else jobs
    c = table.c
    query = select(c.namespace, c.name, c.updated_us).where(
        c.is_hidden.is_(False), _matches(kind, text)
    )
    if window["namespace"]:
        query = query.where(c.namespace == window["namespace"])
    if window["after"] is not None:
        query = query.where(c.updated_us >= window["after"])
    if window["before"] is not None:
        query = query.where(c.updated_us <= window["before"])
    order = (c.name, c.namespace) if sort == "NAME" else (c.updated_us.desc(), c.name)
    ref_kind = "dataset" if kind == "DATASET" else "job"
    return [
        {
            "type": kind,
            "name": row.name,
            "updatedAt": format_iso_us(row.updated_us),
            "namespace": row.namespace,
            "nodeId": format_ref(ref_kind, row.namespace, row.name),
            "_updated": int(row.updated_us),
        }
        for row in conn.execute(query.order_by(*order).limit(limit))
    ]


def search(
    conn: Connection,
    q: str | None,
    *,
    filter: str | None = None,
    sort: str | None = None,
    limit: int = 10,
    namespace: str | None = None,
    before: str | None = None,
    after: str | None = None,
) -> dict[str, Any]:
    """Return up to ``limit`` matching datasets and jobs (``GET /search``).

    Raises:
        InvalidParameter: a blank query, an unknown filter or sort, a bad limit or date.
    """
    if q is None or not text_param("q", q).strip():
        raise InvalidParameter("q must not be blank")
    kind = _choice("filter", filter, FILTERS)
    order = _choice("sort", sort, SORTS) or "NAME"
    if not 0 <= limit <= MAX_PAGE:
        raise InvalidParameter(f"limit must be between 0 and {MAX_PAGE}; got {limit}")
    window = {
        "namespace": text_param("namespace", namespace) if namespace else None,
        "after": _day("after", after),
        "before": _day("before", before),
    }
    text = q.strip().lower()
    found: list[dict[str, Any]] = []
    for each in FILTERS:
        if kind in (None, each):
            found.extend(_search_one(conn, each, text, window, order, limit))
    if order == "NAME":
        found.sort(key=lambda r: (r["name"], r["namespace"], r["type"]))
    else:
        found.sort(key=lambda r: (-r["_updated"], r["name"], r["type"]))
    results = [{k: v for k, v in r.items() if k != "_updated"} for r in found[:limit]]
    return {"totalCount": len(results), "results": results}
