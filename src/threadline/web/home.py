"""Render the server's front page: what is recorded, and where to ask about it (all escaped)."""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import quote

from threadline.web.report import STYLE, table

NATIVE = "/api/threadline/v1"


def _link(href: str, text: str) -> str:
    return f'<a href="{escape(href)}">{escape(text)}</a>'


def render_home(models: list[dict[str, Any]], head_seq: int, *, hint: str | None = None) -> str:
    """Return the front page: the log's head, every model with links to its answers.

    ``hint`` is shown first, as a notice (how to build the web UI when it is missing).
    """
    links = []
    for model in models:
        q = quote(f"{model['model']}@{model['latestVersion']}", safe="")
        answers = " · ".join(
            _link(f"{NATIVE}/{path}?model={q}{extra}", text)
            for path, extra, text in (
                ("audit/report", "&format=html", "audit report"),
                ("models/lineage", "", "lineage"),
                ("models/registry", "", "registry"),
                ("models/check", "", "check"),
            )
        )
        name = f"{model['name']}@{model['latestVersion']}"
        links.append(f"<li><code>{escape(name)}</code>: {answers}</li>")
    rows = [
        {"model": m["model"], "latest version": m["latestVersion"], "aliases": m["aliases"]}
        for m in models
    ]
    listing = table(rows, ["model", "latest version", "aliases"])
    notice = f'<p class="notice" role="status">{escape(hint)}</p>\n' if hint else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Threadline</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{STYLE}</style></head><body>
<h1>Threadline</h1>
{notice}<p>The event log holds {head_seq} entries (<code>threadline audit verify</code> proves
they are unaltered).</p>
<h2>Models</h2>
{listing}
<ul>{"".join(links)}</ul>
<h2>Ask</h2>
<ul>
<li>{_link("/docs", "Interactive API documentation")} ({_link("/openapi.json", "OpenAPI")})</li>
<li>{_link("/api/v1/namespaces", "Marquez API: namespaces")}, datasets, jobs, lineage</li>
<li>{_link(f"{NATIVE}/orphans", "Orphan datasets")}, and lineage, path, impact and diff
under <code>{NATIVE}</code></li>
<li>{_link("/api/v1/events/lineage?limit=20", "The newest events, as received")}</li>
</ul>
<p>The command line answers the same questions: <code>threadline --help</code>.</p>
</body></html>
"""
