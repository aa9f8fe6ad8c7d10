"""The JSON form of query answers, shared by the HTTP API, the client and the CLI."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from threadline.model import LineageEdge, LineageNode, LineageResult, NodeInfo
from threadline.times import format_iso_us


def node_json(node: LineageNode) -> dict[str, Any]:
    """Encode a reached node (optional parts only when present)."""
    out: dict[str, Any] = {
        "id": node.id,
        "type": node.type,
        "kind": node.kind,
        "namespace": node.namespace,
        "name": node.name,
    }
    for key in ("field", "version", "state"):
        value = getattr(node, key)
        if value is not None:
            out[key] = value
    # Last, so that pre-encoded answers hold one piece per node (``queries.encoded``).
    out["depth"] = node.depth
    return out


def edge_json(edge: LineageEdge) -> dict[str, str]:
    """Encode an edge."""
    return {"source": edge.source, "target": edge.target, "kind": edge.kind}


def info_json(info: NodeInfo) -> dict[str, Any]:
    """Encode a node description."""
    return {k: v for k, v in asdict(info).items() if v is not None} | {"id": info.ref}


def lineage_json(result: LineageResult) -> dict[str, Any]:
    """Encode a traversal answer."""
    return {
        "root": result.root,
        "direction": result.direction,
        "granularity": result.granularity,
        "asOf": format_iso_us(result.as_of),
        "nodes": [node_json(n) for n in result.nodes],
        "edges": [edge_json(e) for e in result.edges],
        "truncated": result.truncated,
        "truncatedReason": result.truncated_reason,
    }


def path_json(result: Any) -> dict[str, Any]:
    """Encode a path answer (``threadline.queries.paths.PathResult``)."""
    return {
        "source": result.source,
        "target": result.target,
        "found": bool(result.nodes),
        "direction": result.direction,
        "nodes": [node_json(n) for n in result.nodes],
        "edges": [edge_json(e) for e in result.edges],
        "pathCount": result.path_count,
        "pathCountCapped": result.path_count_capped,
        "truncated": result.truncated,
        "truncatedReason": result.truncated_reason,
    }


def impact_json(result: Any) -> dict[str, Any]:
    """Encode an impact answer (``threadline.queries.impact.ImpactResult``)."""
    return {
        "root": result.root,
        "asOf": format_iso_us(result.as_of),
        "groups": {
            group: [
                {
                    "id": i.ref,
                    "kind": i.kind,
                    "distance": i.distance,
                    "severity": i.severity,
                    "path": list(i.path),
                    "owners": list(i.owners),
                }
                for i in items
            ]
            for group, items in result.groups.items()
        },
        "notify": list(result.notify),
        "truncated": result.truncated,
        "truncatedReason": result.truncated_reason,
    }


def orphans_json(result: Any) -> dict[str, Any]:
    """Encode an orphans answer (``threadline.queries.changes.OrphansResult``)."""
    return {
        "asOf": format_iso_us(result.as_of),
        "unwritten": [info_json(i) for i in result.unwritten],
        "unread": [info_json(i) for i in result.unread],
        "isolated": [info_json(i) for i in result.isolated],
        "truncated": result.truncated,
        "truncatedReason": result.truncated_reason,
    }


def diff_json(result: Any) -> dict[str, Any]:
    """Encode a diff answer (``threadline.queries.changes.DiffResult``)."""
    return {
        "since": format_iso_us(result.since),
        "until": format_iso_us(result.until),
        "root": result.root,
        "edgesAdded": [edge_json(e) for e in result.edges_added],
        "edgesRetired": [edge_json(e) for e in result.edges_retired],
        "versionsCreated": [
            {**v, "createdAt": format_iso_us(v["createdAt"])} for v in result.versions_created
        ],
        "fieldsAdded": list(result.fields_added),
        "fieldsRemoved": list(result.fields_removed),
        "truncated": result.truncated,
        "truncatedReason": result.truncated_reason,
    }


def script_json(answer: dict[str, Any]) -> dict[str, Any]:
    """Reduce a lineage answer to the stable shape scripts rely on (``--json``)."""
    return {
        "root": answer["root"],
        "nodes": [{"id": n["id"], "kind": n["type"], "depth": n["depth"]} for n in answer["nodes"]],
        "edges": [
            {"source": e["source"], "target": e["target"], "kind": e["kind"]}
            for e in answer["edges"]
        ],
        "truncated": answer["truncated"],
    }
