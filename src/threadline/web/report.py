"""Render an audit report as one self-contained, readable HTML page (every value escaped)."""

from __future__ import annotations

from html import escape
from typing import Any

STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:70rem;color:#1a1a1a}
body{padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #d0d0d0;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}code{font-size:.9em;word-break:break-all}
.ok{color:#0a6b2e;font-weight:600}.bad{color:#a40000;font-weight:600}
"""


def _cell(value: Any) -> str:
    if value is None or value == "":
        return "<td>—</td>"
    if isinstance(value, bool):
        return f"<td>{'yes' if value else 'no'}</td>"
    if isinstance(value, (dict, list)):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        return (
            "<td>" + "<br>".join(f"{escape(str(k))}: {escape(str(v))}" for k, v in items) + "</td>"
        )
    return f"<td><code>{escape(str(value))}</code></td>"


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """Return an HTML table of the given columns (a note when there are no rows)."""
    if not rows:
        return "<p>None.</p>"
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(_cell(r.get(c)) for c in columns) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_report(report: dict[str, Any]) -> str:
    """Return the audit report as HTML."""
    lineage, check, chain = report["lineage"], report["reproducibility"], report["chain"]
    training = lineage["training"] or {}
    verdict = (
        '<span class="ok">verified</span>'
        if chain["verified"]
        else f'<span class="bad">BROKEN at {escape(str(chain["broken"]))}</span>'
    )
    repro = (
        '<span class="ok">reproducible</span>'
        if check["reproducible"]
        else '<span class="bad">not reproducible</span>'
    )
    parts = [
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(report['title'])}"
        f"</title><style>{STYLE}</style></head><body><h1>{escape(report['title'])}</h1>",
        f"<p>Generated {escape(report['generatedAt'])}. Event log: {verdict} "
        f"({chain['checked']} events; head {chain['headSeq']} "
        f"<code>{escape(str(chain['headHash']))}</code>). Model: {repro}.</p>",
        "<h2>Model version</h2>",
        table(
            [
                {
                    "model": lineage["model"],
                    "version": lineage["version"],
                    "alias": lineage["alias"],
                    "created": lineage["createdAt"],
                }
            ],
            ["model", "version", "alias", "created"],
        ),
        "<h2>Training run</h2>",
        table(
            [training] if training else [],
            ["id", "job", "state", "startedAt", "endedAt", "code", "params", "metrics"],
        ),
        "<h2>Training data</h2>",
        table(lineage["trainingData"], ["id", "kind", "pinned", "createdAt"]),
        "<h2>Raw sources</h2>",
        table(lineage["rawSources"], ["id", "kind", "pinned", "createdAt"]),
        "<h2>Every run upstream</h2>",
        table(lineage["upstreamRuns"], ["id", "job", "kind", "state", "startedAt", "code"]),
        "<h2>Validation</h2>",
        table(lineage["validations"], ["id", "job", "state", "results"]),
        "<h2>Registry history</h2>",
        table(lineage["registry"]["history"], ["at", "type", "version", "label", "actor"]),
        "<h2>Deployments</h2>",
        table(lineage["deployments"], ["id", "environment", "deployedBy", "createdAt"]),
        "<h2>Prediction sets</h2>",
        table(lineage["predictions"], ["id", "createdAt", "distance"]),
        "<h2>Reproducibility problems</h2>",
        table(check["problems"], ["node", "problem"]),
        "<h2>Evidence in the event log</h2>",
        table(report["evidence"], ["seq", "eventTime", "eventType", "job", "run", "sha256"]),
        "</body></html>",
    ]
    return "\n".join(parts)
