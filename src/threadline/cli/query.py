"""Lineage questions from the command line: upstream, downstream, path, impact, diff, orphans."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from threadline.cli import render
from threadline.cli.backend import backend
from threadline.cli.common import DB_OPTION, fail, out
from threadline.queries.options import DEFAULT_DEPTH, DEFAULT_LIMIT
from threadline.wire import script_json

URL = typer.Option(None, "--url", envvar="THREADLINE_URL", help="Ask a running server instead.")
DEPTH = typer.Option(DEFAULT_DEPTH, "--depth", help="Most edges to follow (dataset -> job is one).")
AS_OF = typer.Option(None, "--as-of", help="Lineage as it was at this time (ISO 8601).")
GRANULARITY = typer.Option("entity", "--granularity", "-g", help="entity, version or column.")
KINDS = typer.Option(None, "--kind", help="Only show nodes of this type or kind (repeatable).")
NAMESPACES = typer.Option(
    None, "--namespace", help="Only show nodes in this namespace (repeatable)."
)
LIMIT = typer.Option(DEFAULT_LIMIT, "--limit", help="Most nodes to return.")
JSON = typer.Option(False, "--json", help="Print JSON.")
DOT = typer.Option(False, "--dot", help="Print a Graphviz digraph.")
MERMAID = typer.Option(False, "--mermaid", help="Print a Mermaid flowchart.")


def _format(json: bool, dot: bool, mermaid: bool) -> str:
    chosen = [name for name, on in (("json", json), ("dot", dot), ("mermaid", mermaid)) if on]
    if len(chosen) > 1:
        raise fail("choose one of --json, --dot, --mermaid")
    return chosen[0] if chosen else "table"


def _params(
    depth: int,
    as_of: str | None,
    granularity: str,
    kinds: list[str] | None,
    namespaces: list[str] | None,
    limit: int,
    direction: str | None = None,
) -> dict[str, Any]:
    return {
        "direction": direction,
        "depth": depth,
        "as_of": as_of,
        "granularity": granularity,
        "kinds": kinds or None,
        "namespaces": namespaces or None,
        "limit": limit,
    }


def _traverse(
    direction: str,
    node: str,
    db: str | None,
    url: str | None,
    depth: int,
    as_of: str | None,
    granularity: str,
    kinds: list[str] | None,
    namespaces: list[str] | None,
    limit: int,
    fmt: str,
) -> None:
    with backend(db, url) as source:
        answer = source.lineage(
            node, **_params(depth, as_of, granularity, kinds, namespaces, limit, direction)
        )
    render.graph(
        answer, fmt, f"{direction} of {node}", script_json(answer) if fmt == "json" else None
    )


def upstream(
    node: str = typer.Argument(
        ..., help="dataset:<ns>:<name>, job:..., datasetField:..., run:<id>"
    ),
    db: str | None = DB_OPTION,
    url: str | None = URL,
    depth: int = DEPTH,
    as_of: str | None = AS_OF,
    granularity: str = GRANULARITY,
    kind: list[str] | None = KINDS,
    namespace: list[str] | None = NAMESPACES,
    limit: int = LIMIT,
    json: bool = JSON,
    dot: bool = DOT,
    mermaid: bool = MERMAID,
) -> None:
    """What feeds this node (everything upstream)."""
    _traverse(
        "upstream",
        node,
        db,
        url,
        depth,
        as_of,
        granularity,
        kind,
        namespace,
        limit,
        _format(json, dot, mermaid),
    )


def downstream(
    node: str = typer.Argument(
        ..., help="dataset:<ns>:<name>, job:..., datasetField:..., run:<id>"
    ),
    db: str | None = DB_OPTION,
    url: str | None = URL,
    depth: int = DEPTH,
    as_of: str | None = AS_OF,
    granularity: str = GRANULARITY,
    kind: list[str] | None = KINDS,
    namespace: list[str] | None = NAMESPACES,
    limit: int = LIMIT,
    json: bool = JSON,
    dot: bool = DOT,
    mermaid: bool = MERMAID,
) -> None:
    """What this node feeds (everything downstream)."""
    _traverse(
        "downstream",
        node,
        db,
        url,
        depth,
        as_of,
        granularity,
        kind,
        namespace,
        limit,
        _format(json, dot, mermaid),
    )


def lineage(
    node: str = typer.Argument(..., help="A node reference."),
    direction: str = typer.Option("both", help="upstream, downstream or both."),
    db: str | None = DB_OPTION,
    url: str | None = URL,
    depth: int = DEPTH,
    as_of: str | None = AS_OF,
    granularity: str = GRANULARITY,
    kind: list[str] | None = KINDS,
    namespace: list[str] | None = NAMESPACES,
    limit: int = LIMIT,
    json: bool = JSON,
    dot: bool = DOT,
    mermaid: bool = MERMAID,
) -> None:
    """Both ways around a node, or one way with --direction."""
    fmt = _format(json, dot, mermaid)
    with backend(db, url) as source:
        answer = source.lineage(
            node, **_params(depth, as_of, granularity, kind, namespace, limit, direction)
        )
    render.graph(answer, fmt, f"lineage of {node}")


def path(
    source: str = typer.Argument(..., help="Where the path starts."),
    target: str = typer.Argument(..., help="Where it ends."),
    direction: str = typer.Option(
        "both", help="downstream (source feeds target), upstream or both."
    ),
    db: str | None = DB_OPTION,
    url: str | None = URL,
    depth: int = DEPTH,
    as_of: str | None = AS_OF,
    granularity: str = GRANULARITY,
    json: bool = JSON,
    dot: bool = DOT,
    mermaid: bool = MERMAID,
) -> None:
    """How one node reaches another: the shortest path and how many paths there are."""
    fmt = _format(json, dot, mermaid)
    with backend(db, url) as sources:
        answer = sources.path(
            source, target, direction=direction, depth=depth, as_of=as_of, granularity=granularity
        )
    if fmt != "table":
        render.graph(answer, fmt, "path")
        return
    if not answer["found"]:
        out.print(f"no path between {source} and {target}")
        return
    for step, node in enumerate(answer["nodes"]):
        out.print(f"{'  ' * step}{'└─ ' if step else ''}{node['id']}", highlight=False)
    capped = "+" if answer["pathCountCapped"] else ""
    count = f"{answer['pathCount']}{capped}"
    out.print(f"{answer['direction']}: {len(answer['edges'])} edges; {count} distinct paths")


def impact(
    node: str = typer.Argument(..., help="The node that changed (or was wrong)."),
    db: str | None = DB_OPTION,
    url: str | None = URL,
    depth: int = DEPTH,
    as_of: str | None = AS_OF,
    granularity: str = GRANULARITY,
    kind: list[str] | None = KINDS,
    namespace: list[str] | None = NAMESPACES,
    limit: int = LIMIT,
    json: bool = JSON,
) -> None:
    """What a change to this node affects, by kind, with severity and owners to notify."""
    with backend(db, url) as source:
        answer = source.impact(node, **_params(depth, as_of, granularity, kind, namespace, limit))
    if json:
        render.print_json(answer)
        return
    table = Table(title=f"impact of {node}", title_justify="left")
    for column in ("severity", "group", "node", "distance", "owners"):
        table.add_column(column, overflow="fold")
    for group, items in answer["groups"].items():
        for item in items:
            table.add_row(
                item["severity"],
                group,
                item["id"],
                str(item["distance"]),
                ", ".join(item["owners"]),
            )
    out.print(table)
    for entry in answer["notify"]:
        out.print(
            f"notify {entry['owner']} ({entry['severity']}): {', '.join(entry['nodes'])}",
            highlight=False,
        )


def diff(
    since: str = typer.Option(..., "--since", help="The earlier time (ISO 8601)."),
    until: str | None = typer.Option(None, "--until", help="The later time (default now)."),
    node: str | None = typer.Argument(None, help="Only the lineage around this node."),
    db: str | None = DB_OPTION,
    url: str | None = URL,
    depth: int = DEPTH,
    granularity: str | None = typer.Option(
        None,
        "--granularity",
        "-g",
        help="Compare only entity edges, column edges and fields, or versions (default all).",
    ),
    kind: list[str] | None = typer.Option(
        None, "--kind", help="Only changes touching nodes of this type or kind (repeatable)."
    ),
    namespace: list[str] | None = typer.Option(
        None, "--namespace", help="Only changes touching nodes in this namespace (repeatable)."
    ),
    limit: int = LIMIT,
    json: bool = JSON,
) -> None:
    """What changed in the lineage between two times: edges, versions, schema fields."""
    filters = {"kinds": kind or None, "namespaces": namespace or None}
    with backend(db, url) as source:
        answer = source.diff(
            since, until, node, depth=depth, granularity=granularity, limit=limit, **filters
        )
    if json:
        render.print_json(answer)
        return
    for sign, key in (("+", "edgesAdded"), ("-", "edgesRetired")):
        for edge in answer[key]:
            out.print(
                f"{sign} {edge['source']} -> {edge['target']} ({edge['kind']})", highlight=False
            )
    for version in answer["versionsCreated"]:
        out.print(
            f"v {version['dataset']}#{version['version']} at {version['createdAt']}",
            highlight=False,
        )
    for sign, key in (("+", "fieldsAdded"), ("-", "fieldsRemoved")):
        for field in answer[key]:
            out.print(
                f"{sign} {field['dataset']} field {field['field']} {field['type'] or ''}",
                highlight=False,
            )


def orphans(
    db: str | None = DB_OPTION,
    url: str | None = URL,
    as_of: str | None = AS_OF,
    kind: list[str] | None = typer.Option(
        None, "--kind", help="Only datasets of this semantic kind (repeatable)."
    ),
    namespace: list[str] | None = NAMESPACES,
    limit: int = LIMIT,
    json: bool = JSON,
) -> None:
    """Datasets nothing writes, nothing reads, or nothing touches."""
    filters = {"kinds": kind or None, "namespaces": namespace or None}
    with backend(db, url) as source:
        answer = source.orphans(as_of=as_of, limit=limit, **filters)
    if json:
        render.print_json(answer)
        return
    for key, label in (
        ("unwritten", "no known writer"),
        ("unread", "no reader"),
        ("isolated", "neither"),
    ):
        for item in answer[key]:
            out.print(f"{label:16} {item['id']}", highlight=False)


def search(
    query: str = typer.Argument(..., help="Words to find in names, columns or SQL."),
    only: str | None = typer.Option(None, "--type", help="dataset or job"),
    db: str | None = DB_OPTION,
    url: str | None = URL,
    limit: int = typer.Option(20, "--limit", help="Most results."),
    json: bool = JSON,
) -> None:
    """Find datasets and jobs by name, column or SQL text."""
    kind = only.upper() if only else None
    with backend(db, url) as source:
        answer = source.search(query, filter=kind, limit=limit)
    if json:
        render.print_json(answer)
        return
    for hit in answer["results"]:
        out.print(f"{hit['type'].lower():8} {hit['nodeId']}", highlight=False)
    out.print(f"{answer['totalCount']} found")


def show(
    node: str = typer.Argument(..., help="A node reference."),
    db: str | None = DB_OPTION,
    url: str | None = URL,
    json: bool = JSON,
) -> None:
    """Everything known about one node: facets, schema, versions, runs."""
    with backend(db, url) as source:
        details = source.node(node)
    if json:
        render.print_json(details)
        return
    for key, value in details.items():
        if isinstance(value, (list, dict)):
            out.print(f"[bold]{key}[/]:")
            render.print_json(value)
        else:
            out.print(f"[bold]{key}[/]: {value}", highlight=False)
