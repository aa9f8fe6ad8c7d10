"""Where the built web UI lives, and what to say when it has not been built."""

from __future__ import annotations

from pathlib import Path

UI_DIR = Path(__file__).parent / "static" / "ui"
BUILD_HINT = (
    "The web UI is not built. Build it with `make ui` "
    "(or `npm ci && npm run build` in the repository's ui/ directory, Node 20+); "
    "the API is served either way."
)


def ui_index(directory: Path = UI_DIR) -> Path | None:
    """Return the built UI's ``index.html``, or None when the UI has not been built."""
    index = directory / "index.html"
    return index if index.is_file() else None


def ui_notice(url: str, directory: Path = UI_DIR) -> str:
    """Return what ``threadline serve`` says about the web UI: where it is, or how to build it."""
    if ui_index(directory) is None:
        return f"{BUILD_HINT} Serving the API and a plain front page at {url}"
    return f"Web UI at {url}"
