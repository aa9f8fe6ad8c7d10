"""A graph of more than a thousand nodes: 1,000 are drawn, the rest wait behind expanders, and
the drawn graph can be panned without the page stalling."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.test_native import complete
from tests.events import inp, out
from tests.web.conftest import post_events, screenshot, serve
from tests.web.helpers import open_view, status

FANS, WIDTH = 24, 24  # 1 source, 24 jobs, 576 tables, 576 readers, 576 sinks: 1,753 nodes
TOTAL = 1 + FANS + 3 * FANS * WIDTH
ROOT = "dataset:big:source"
LONGEST_FRAME_MS = 500  # a frame gap this long while dragging is a stall


def wide_events() -> list[dict[str, Any]]:
    """A fan-out wide enough to pass the UI's limit of 1,000 drawn nodes."""
    events = []
    for i in range(FANS):
        tables = [out("big", f"t{i}.{j}") for j in range(WIDTH)]
        events.append(complete(1, f"fan{i}", [inp("big", "source")], tables, namespace="big"))
        for j in range(WIDTH):
            reader = complete(
                2, f"read{i}.{j}", [inp("big", f"t{i}.{j}")], [out("big", f"s{i}.{j}")]
            )
            events.append(reader)
    return events


@pytest.fixture(scope="module")
def big_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live server holding only the wide fan-out."""
    for base in serve(tmp_path_factory.mktemp("big") / "threadline.db"):
        post_events(base, wide_events())
        yield base


def longest_frame_while_dragging(page: Any) -> tuple[float, float]:
    """Drag the graph across the window; return the longest frame gap and the drag's time (ms)."""
    page.evaluate(
        """() => {
            window.__frames = [];
            let last = performance.now();
            const tick = (now) => {
                window.__frames.push(now - last);
                last = now;
                if (!window.__stopFrames) requestAnimationFrame(tick);
            };
            requestAnimationFrame(tick);
        }"""
    )
    box = page.locator("#graph").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    started = time.monotonic()
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 300, y - 150, steps=30)
    page.mouse.move(x + 200, y + 100, steps=30)
    page.mouse.up()
    elapsed = (time.monotonic() - started) * 1000
    frames: list[float] = page.evaluate("() => { window.__stopFrames = true; return __frames; }")
    return max(frames[1:]), elapsed


def test_a_thousand_nodes_render_and_pan_without_stalling(page: Any, big_site: str) -> None:
    started = time.monotonic()
    page.set_default_timeout(90_000)
    open_view(page, big_site, node=ROOT, depth=4, direction="downstream")
    drawn_in = time.monotonic() - started
    assert status(page) == f"1000 nodes shown, {TOTAL - 1000} behind “more” expanders."
    before = page.locator("#graph").screenshot()
    longest, elapsed = longest_frame_while_dragging(page)
    after = page.locator("#graph").screenshot()
    assert before != after, "the drag did not move the graph"
    assert longest < LONGEST_FRAME_MS, f"a frame took {longest:.0f} ms while panning"
    assert elapsed < 15_000, f"the drag took {elapsed:.0f} ms"
    assert drawn_in < 60, f"drawing took {drawn_in:.1f} s"
    screenshot(page, "20-thousand-nodes")
