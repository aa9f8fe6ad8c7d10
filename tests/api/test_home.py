"""The plain front page (``/overview``, and ``/`` without a built UI) lists what is recorded.

It links to working answers and escapes every name; ``/`` serves the web UI once built.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

from threadline.facets import facet
from threadline.sdk import Model, Tracker

NAME = '<img src=x onerror="alert(1)">'


def test_home_of_an_empty_store_says_so(client: Any) -> None:
    page = client.get("/overview")
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
    page = client.get("/overview").text
    assert NAME not in page and "&lt;img src=x" in page
    assert "dataset:models:churn" in page and "prod: 3" in page
    links = [unescape(h) for h in re.findall(r'href="([^"]+)"', page)]
    assert len([h for h in links if "audit/report" in h]) == 2
    for href in links:
        answer = client.get(href)
        assert answer.status_code == 200, href


def test_root_without_a_built_ui_says_how_to_build_it(client: Any, tmp_path: Path) -> None:
    client.app.state.ui_dir = tmp_path
    page = client.get("/")
    assert page.status_code == 200
    assert "The web UI is not built" in page.text and "make ui" in page.text
    assert "The event log holds 0 entries" in page.text
    assert client.get("/ui/index.html").status_code == 404


def test_root_serves_the_built_ui_and_its_files(client: Any, tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>Threadline UI</title>")
    (tmp_path / "assets" / "app.js").write_text("console.log(1)")
    client.app.state.ui_dir = tmp_path
    page = client.get("/")
    assert page.text == "<!doctype html><title>Threadline UI</title>"
    assert page.headers["content-type"].startswith("text/html")
    script = client.get("/ui/assets/app.js")
    assert script.status_code == 200 and script.text == "console.log(1)"
    assert client.get("/ui/../../pyproject.toml").status_code == 404
    assert client.get("/ui/assets/missing.js").status_code == 404
