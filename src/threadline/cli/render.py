"""Render answers for people (Rich tables) and for tools (JSON, Graphviz DOT, Mermaid)."""

from __future__ import annotations

import re
from typing import Any

import orjson
from rich.table import Table

from threadline.cli.common import out

FORMATS = ("table", "json", "dot", "mermaid")


def print_json(value: Any) -> None:
    """Print JSON exactly (no colour codes, no wrapping)."""
    out.file.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")


def graph_table(answer: dict[str, Any], title: str) -> None:
    """Print a graph answer's nodes as a table, nearest first."""
    table = Table(title=title, title_justify="left")
    for column in ("depth", "node", "type", "kind"):
        table.add_column(column, overflow="fold")
    for node in answer["nodes"]:
        table.add_row(str(node["depth"]), node["id"], node["type"], node["kind"])
    out.print(table)
    out.print(
        f"{len(answer['nodes'])} nodes, {len(answer['edges'])} edges"
        + (
            f" (truncated: {answer.get('truncatedReason') or 'limit'})"
            if answer.get("truncated")
            else ""
        )
    )


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(answer: dict[str, Any]) -> str:
    """Return a graph answer as a Graphviz digraph (left to right)."""
    lines = ["digraph lineage {", "  rankdir=LR;", "  node [fontname=Helvetica];"]
    for node in answer["nodes"]:
        shape = "box" if node["type"] in ("job", "run") else "ellipse"
        label = _dot_quote(node["name"] or node["id"])
        lines.append(f"  {_dot_quote(node['id'])} [label={label}, shape={shape}];")
    for edge in answer["edges"]:
        source, target = _dot_quote(edge["source"]), _dot_quote(edge["target"])
        lines.append(f"  {source} -> {target} [label={_dot_quote(edge['kind'])}];")
    lines.append("}")
    return "\n".join(lines)


def _mermaid_label(text: str) -> str:
    # Mermaid labels are quoted; quotes and angle brackets become entities.
    return re.sub(r'["<>]', lambda m: {'"': "#quot;", "<": "#lt;", ">": "#gt;"}[m.group()], text)


def to_mermaid(answer: dict[str, Any]) -> str:
    """Return a graph answer as a Mermaid flowchart (left to right)."""
    ids = {node["id"]: f"n{i}" for i, node in enumerate(answer["nodes"])}
    lines = ["flowchart LR"]
    for node in answer["nodes"]:
        label = _mermaid_label(node["name"] or node["id"])
        open_, close = ("[", "]") if node["type"] in ("job", "run") else ("([", "])")
        lines.append(f'  {ids[node["id"]]}{open_}"{label}"{close}')
    for edge in answer["edges"]:
        if edge["source"] in ids and edge["target"] in ids:
            lines.append(f"  {ids[edge['source']]} --> {ids[edge['target']]}")
    return "\n".join(lines)


def graph(
    answer: dict[str, Any], fmt: str, title: str, script: dict[str, Any] | None = None
) -> None:
    """Print a graph answer in the chosen format."""
    if fmt == "json":
        print_json(script if script is not None else answer)
    elif fmt == "dot":
        out.file.write(to_dot(answer) + "\n")
    elif fmt == "mermaid":
        out.file.write(to_mermaid(answer) + "\n")
    else:
        graph_table(answer, title)
