"""What ``threadline serve`` says about the web UI: where it is, or how to build it."""

from __future__ import annotations

from pathlib import Path

from threadline.web.ui import BUILD_HINT, ui_index, ui_notice


def test_ui_notice_without_a_build_says_how_to_build_it(tmp_path: Path) -> None:
    assert ui_index(tmp_path) is None
    notice = ui_notice("http://127.0.0.1:5000/", tmp_path)
    assert notice.startswith(BUILD_HINT) and "make ui" in notice
    assert notice.endswith("Serving the API and a plain front page at http://127.0.0.1:5000/")


def test_ui_notice_with_a_build_points_at_it(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<!doctype html>")
    assert ui_index(tmp_path) == tmp_path / "index.html"
    assert ui_notice("http://127.0.0.1:5000/", tmp_path) == "Web UI at http://127.0.0.1:5000/"
