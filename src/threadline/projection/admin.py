"""Project admin events: tags, tagging, soft deletes (hiding) and namespace details."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update

from threadline.projection.context import Ctx, ident
from threadline.projection.entities import namespace_id
from threadline.store.tables import dataset_fields, datasets, jobs, namespaces, node_tags, tags


def _node(ctx: Ctx, target: dict[str, Any]) -> int | None:
    kind = target["type"]
    table = jobs if kind == "job" else datasets
    found = ctx.conn.execute(
        select(table.c.id).where(table.c.ident == ident(target["namespace"], target["name"]))
    ).scalar()
    if found is None or kind != "datasetField":
        return int(found) if found is not None else None
    field = ctx.conn.execute(
        select(dataset_fields.c.id).where(
            dataset_fields.c.dataset_id == found, dataset_fields.c.ident == ident(target["field"])
        )
    ).scalar()
    return int(field) if field is not None else None


def _tag_id(ctx: Ctx, name: str, t: int, description: str | None = None) -> int:
    row = ctx.conn.execute(select(tags.c.id).where(tags.c.name == name)).scalar()
    if row is None:
        return int(
            ctx.conn.execute(
                tags.insert()
                .values(name=name, description=description, created_us=t, updated_us=t)
                .returning(tags.c.id)
            ).scalar_one()
        )
    if description is not None:
        ctx.conn.execute(
            update(tags).where(tags.c.id == row).values(description=description, updated_us=t)
        )
    return int(row)


def _hide(ctx: Ctx, target: dict[str, Any]) -> None:
    if target["type"] == "namespace":
        ns = ctx.conn.execute(
            select(namespaces.c.id).where(namespaces.c.ident == ident(target["name"]))
        ).scalar()
        if ns is None:
            return
        ctx.conn.execute(update(namespaces).where(namespaces.c.id == ns).values(is_hidden=True))
        for table in (datasets, jobs):
            rows = ctx.conn.execute(select(table.c.id).where(table.c.namespace_id == ns)).all()
            ctx.conn.execute(update(table).where(table.c.namespace_id == ns).values(is_hidden=True))
            for row in rows:
                ctx.touch("node", int(row.id))
        ctx.forget()
        return
    node = _node(ctx, target)
    if node is None:
        return
    table = jobs if target["type"] == "job" else datasets
    ctx.conn.execute(update(table).where(table.c.id == node).values(is_hidden=True))
    ctx.touch("node", node)
    (ctx.jobs if table is jobs else ctx.datasets).pop(
        ident(target["namespace"], target["name"]), None
    )


def project_admin(ctx: Ctx, event: dict[str, Any], t: int) -> None:
    """Apply one admin event."""
    action, target = event["action"], event["target"]
    if action == "createTag":
        _tag_id(ctx, target["name"], t, event.get("description"))
    elif action in ("tag", "untag"):
        node = _node(ctx, target)
        if node is None:
            return
        tag = _tag_id(ctx, event["tag"], t)
        if action == "tag":
            ctx.insert_ignore(
                node_tags, [{"node_id": node, "tag_id": tag, "tagged_us": t}], ["node_id", "tag_id"]
            )
        else:
            ctx.conn.execute(
                delete(node_tags).where(node_tags.c.node_id == node, node_tags.c.tag_id == tag)
            )
    elif action == "hide":
        _hide(ctx, target)
    elif action == "namespace":  # create or update, and un-hide, as Marquez's PUT does
        ns = namespace_id(ctx, target["name"], t)
        ctx.conn.execute(
            update(namespaces)
            .where(namespaces.c.id == ns)
            .values(owner_name=event.get("ownerName"), description=event.get("description"))
        )
