"""Lookups and batched reads shared by the Marquez read models (404s, paging, tags, facets)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Row, Select, Table, select

from threadline.errors import InvalidParameter, NotFound
from threadline.index.loader import chunks
from threadline.store.codec import ident, loads
from threadline.store.tables import datasets, jobs, namespaces, node_tags, tags

MAX_PAGE = 10_000
MAX_OFFSET = 2**31
DEFAULT_OWNER = "anonymous"  # Marquez's owner of namespaces created by OpenLineage events
DEFAULT_SOURCE = "default"  # Marquez's source of datasets without a dataSource facet
RUN_STATES = {
    None: "NEW",
    "START": "RUNNING",
    "RUNNING": "RUNNING",
    "OTHER": "RUNNING",
    "COMPLETE": "COMPLETED",
    "FAIL": "FAILED",
    "ABORT": "ABORTED",
}
"""OpenLineage run states as Marquez reports them (``NEW`` before any state is known)."""


def check_page(limit: int, offset: int) -> None:
    """Refuse a negative or oversized page.

    Raises:
        InvalidParameter: naming the parameter and its range.
    """
    if not 0 <= limit <= MAX_PAGE:
        raise InvalidParameter(f"limit must be between 0 and {MAX_PAGE}; got {limit}")
    if offset < 0:
        raise InvalidParameter(f"offset must not be negative; got {offset}")
    if offset > MAX_OFFSET:
        raise InvalidParameter(f"offset must be at most {MAX_OFFSET}; got {offset}")


def text_param(name: str, value: str) -> str:
    """Return a text parameter, refusing NUL characters (no database column can hold one).

    Raises:
        InvalidParameter: the text holds a NUL character.
    """
    if "\x00" in value:
        raise InvalidParameter(f"{name} must not contain NUL characters")
    return value


def rows_in(
    conn: Connection, build: Callable[[Sequence[int]], Select[Any]], ids: Iterable[int]
) -> list[Any]:
    """Run a query once per chunk of ids (small enough for an IN list on both dialects)."""
    found: list[Any] = []
    for chunk in chunks(sorted(set(ids))):
        found.extend(conn.execute(build(chunk)))
    return found


def ids_of(conn: Connection, query: Select[Any]) -> list[int]:
    """Return the first column of a query's rows as ints (ids in the query's order)."""
    return [int(row[0]) for row in conn.execute(query)]


def namespace_row(conn: Connection, name: str) -> Row[Any]:
    """Return a namespace's row, hidden or not (Marquez still answers for hidden ones).

    Raises:
        NotFound: no namespace of that name.
    """
    row = conn.execute(select(namespaces).where(namespaces.c.ident == ident(name))).first()
    if row is None:
        raise NotFound(f"namespace {name!r} not found")
    return row


def _visible(conn: Connection, table: Table, kind: str, namespace: str, name: str) -> int:
    namespace_row(conn, namespace)
    c = table.c
    row = conn.execute(select(c.id, c.is_hidden).where(c.ident == ident(namespace, name))).first()
    if row is None or row.is_hidden:
        raise NotFound(f"{kind} {name!r} not found in namespace {namespace!r}")
    return int(row.id)


def dataset_node(conn: Connection, namespace: str, name: str) -> int:
    """Return the node id of a dataset that is not soft-deleted.

    Raises:
        NotFound: unknown namespace, or no visible dataset of that name.
    """
    return _visible(conn, datasets, "dataset", namespace, name)


def job_node(conn: Connection, namespace: str, name: str) -> int:
    """Return the node id of a job that is not soft-deleted.

    Raises:
        NotFound: unknown namespace, or no visible job of that name.
    """
    return _visible(conn, jobs, "job", namespace, name)


def tags_of(conn: Connection, node_ids: Iterable[int]) -> dict[int, list[str]]:
    """Return the tag names of each node (dataset, job or field), sorted."""
    nt, t = node_tags.c, tags.c
    found: dict[int, list[str]] = {}
    for node, name in rows_in(
        conn,
        lambda chunk: (
            select(nt.node_id, t.name).join(tags, t.id == nt.tag_id).where(nt.node_id.in_(chunk))
        ),
        node_ids,
    ):
        found.setdefault(int(node), []).append(name)
    return {node: sorted(names) for node, names in found.items()}


def facets_of(conn: Connection, table: Table, key: str, ids: Iterable[int]) -> dict[int, Any]:
    """Return the latest facets (not deleted) of datasets or jobs, by id."""
    c = table.c
    found: dict[int, dict[str, Any]] = {}
    for owner, name, text in rows_in(
        conn,
        lambda chunk: select(c[key], c.name, c.facet).where(
            c[key].in_(chunk), c.deleted.is_(False)
        ),
        ids,
    ):
        found.setdefault(int(owner), {})[name] = loads(text)
    return {owner: dict(sorted(facets.items())) for owner, facets in found.items()}


def facet_text(facets: dict[str, Any], name: str, key: str) -> str | None:
    """Return a string attribute of a facet, or None when absent or not a string."""
    facet = facets.get(name)
    value = facet.get(key) if isinstance(facet, dict) else None
    return value if isinstance(value, str) else None


def entity_id(namespace: str, name: str) -> dict[str, str]:
    """Return Marquez's identity object of a dataset or job."""
    return {"namespace": namespace, "name": name}
