"""Marquez's Namespace and Tag: the two small catalogues of the API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, select

from threadline.errors import NotFound
from threadline.queries.marquez.common import DEFAULT_OWNER, check_page, namespace_row
from threadline.store.tables import namespaces, tags
from threadline.times import format_iso_us


def _namespace_json(row: Row[Any]) -> dict[str, Any]:
    return {
        "name": row.name,
        "createdAt": format_iso_us(row.created_us),
        "updatedAt": format_iso_us(row.updated_us),
        "ownerName": row.owner_name or DEFAULT_OWNER,
        "description": row.description,
        "isHidden": bool(row.is_hidden),
    }


def namespace(conn: Connection, name: str) -> dict[str, Any]:
    """Return one namespace; a soft-deleted one answers with ``isHidden`` set, as in Marquez."""
    return _namespace_json(namespace_row(conn, name))


def list_namespaces(conn: Connection, *, limit: int, offset: int) -> dict[str, Any]:
    """Return namespaces by name; Marquez lists soft-deleted ones too, flagged ``isHidden``."""
    check_page(limit, offset)
    rows = conn.execute(
        select(namespaces).order_by(namespaces.c.name).limit(limit).offset(offset)
    ).all()
    return {"namespaces": [_namespace_json(row) for row in rows]}


def tag(conn: Connection, name: str) -> dict[str, Any]:
    """Return one tag.

    Raises:
        NotFound: no tag of that name.
    """
    row = conn.execute(select(tags.c.name, tags.c.description).where(tags.c.name == name)).first()
    if row is None:
        raise NotFound(f"tag {name[:80]!r} not found")
    return {"name": row.name, "description": row.description}


def list_tags(conn: Connection, *, limit: int, offset: int) -> dict[str, Any]:
    """Return tags by name."""
    check_page(limit, offset)
    rows = conn.execute(
        select(tags.c.name, tags.c.description).order_by(tags.c.name).limit(limit).offset(offset)
    )
    return {"tags": [{"name": row.name, "description": row.description} for row in rows]}
