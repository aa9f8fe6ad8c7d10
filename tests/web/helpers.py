"""Driving the UI the way a person does, and reading back what it shows."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode


def rendered(page: Any) -> int:
    """Return how many times the graph has been drawn so far."""
    value = page.get_attribute("#graph", "data-rendered")
    return int(value or 0)


def wait_drawn(page: Any, after: int) -> None:
    """Wait until the graph has been drawn again after the count ``after``."""
    page.wait_for_function(
        "n => Number(document.getElementById('graph').dataset.rendered || 0) > n", arg=after
    )


def open_view(page: Any, base: str, **state: Any) -> None:
    """Open a deep link (the URL's hash holds the view) and wait for its graph."""
    page.goto(f"{base}/#{urlencode(state)}")
    wait_drawn(page, 0)


def exported(page: Any, kind: str) -> str:
    """Export the view as DOT or Mermaid text and return the text shown."""
    page.click(f"[data-export={kind}]")
    text: str = page.input_value("#export-text")
    page.click("#export-close")
    return text


def status(page: Any) -> str:
    """Return the graph's status line (how many nodes are shown and hidden)."""
    text: str = page.inner_text("#graph-status")
    return text
