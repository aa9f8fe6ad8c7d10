"""The front page lists what is recorded and links to working answers; every name is escaped."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

from threadline.facets import facet
from threadline.sdk import Model, Tracker

NAME = '<img src=x onerror="alert(1)">'


def test_home_of_an_empty_store_says_so(client: Any) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "The event log holds 0 entries" in page.text
    assert "<p>None.</p>" in page.text


def test_home_lists_models_with_links_that_answer(client: Any, db_url: str, tmp_path: Path) -> None:
    changes = [{"type": "alias_set", "alias": "prod", "version": "3", "at": "2026-01-01T00:00Z"}]
    tracker = Tracker(db=db_url, namespace="ml", spool=tmp_path / "spool")
    try:
        for name in ("churn", NAME):
            model = Model(
                name,
                version="3",
                facets={"threadline_registry": facet("threadline_registry", changes=changes)},
            )
            with tracker.step("train", outputs=[model], kind="training"):
                pass
    finally:
        tracker.close()
    page = client.get("/").text
    assert NAME not in page and "&lt;img src=x" in page
    assert "dataset:models:churn" in page and "prod: 3" in page
    links = [unescape(h) for h in re.findall(r'href="([^"]+)"', page)]
    assert len([h for h in links if "audit/report" in h]) == 2
    for href in links:
        answer = client.get(href)
        assert answer.status_code == 200, href
