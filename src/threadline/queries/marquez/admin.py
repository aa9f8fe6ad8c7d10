"""Validate the targets of Marquez's write endpoints before they are logged as admin events.

Tags, soft deletes and namespace details are recorded as admin events (see
``threadline.admin``); their projection silently ignores a target that does not exist,
so the API checks first and answers 404 instead.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from threadline.errors import InvalidParameter, NotFound
from threadline.queries.marquez.common import dataset_node, job_node, text_param
from threadline.queries.marquez.datasets import dataset_json
from threadline.queries.marquez.jobs import job_json
from threadline.queries.marquez.namespaces import namespace
from threadline.store.codec import ident
from threadline.store.tables import dataset_fields

KINDS = ("dataset", "job", "namespace")
MAX_TAG = 255


def tag_name(text: str) -> str:
    """Return a tag name, refusing a blank, overlong or unstorable one."""
    name = text_param("tag", text.strip())
    if not name or len(name) > MAX_TAG:
        raise InvalidParameter(f"a tag name has 1 to {MAX_TAG} characters; got {len(name)}")
    return name


def description(text: str | None) -> str | None:
    """Return a description (of a tag or namespace), refusing an unstorable one."""
    return None if text is None else text_param("description", text)


def tag_target(
    conn: Connection, kind: str, namespace_name: str, name: str, field: str | None = None
) -> dict[str, Any]:
    """Return the admin target of a tag change on a visible dataset, field or job.

    Raises:
        NotFound: the namespace, dataset, job or field does not exist (or is deleted).
    """
    target = {"type": kind, "namespace": namespace_name, "name": name}
    if kind == "job":
        job_node(conn, namespace_name, name)
        return target
    node = dataset_node(conn, namespace_name, name)
    if field is None:
        return target
    f = dataset_fields.c
    if conn.execute(select(f.id).where(f.dataset_id == node, f.ident == ident(field))).first():
        return {**target, "type": "datasetField", "field": field}
    raise NotFound(f"field {field[:80]!r} not found in dataset {name!r}")


def hide_target(
    conn: Connection, kind: str, namespace_name: str, name: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the admin target of a soft delete and the JSON of what it deletes.

    Raises:
        InvalidParameter: an unknown kind.
        NotFound: nothing visible of that name.
    """
    if kind not in KINDS:
        raise InvalidParameter(f"only {', '.join(KINDS)} can be deleted; got {kind!r}")
    if kind == "namespace" or name is None:
        return {"type": "namespace", "name": namespace_name}, namespace(conn, namespace_name)
    target = {"type": kind, "namespace": namespace_name, "name": name}
    if kind == "job":
        return target, job_json(conn, job_node(conn, namespace_name, name))
    return target, dataset_json(conn, dataset_node(conn, namespace_name, name))


def namespace_target(conn: Connection, name: str, owner_name: str) -> dict[str, Any]:
    """Return the admin target of a namespace creation or update (as Marquez's PUT).

    Raises:
        InvalidParameter: the name or owner is empty, too long or holds a NUL character.
    """
    text_param("ownerName", owner_name)
    text_param("namespace", name)
    if not name.strip() or len(name) > 1024:
        raise InvalidParameter("a namespace name has 1 to 1024 characters")
    return {"type": "namespace", "name": name}
