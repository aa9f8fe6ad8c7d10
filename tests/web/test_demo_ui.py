"""The NEPSE demo in the browser: its model, registry history and lineage, as a user opens them.

The demo runs once for this module (about a minute), as ``threadline demo --no-serve``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from typer.testing import CliRunner

from tests.web.conftest import screenshot, serve
from tests.web.helpers import exported, wait_drawn
from threadline.cli.main import app

pytestmark = [pytest.mark.slow, pytest.mark.integration]
MODEL = "nepse-price"


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live server over the database ``threadline demo`` recorded."""
    workdir = tmp_path_factory.mktemp("nepse-ui") / "threadline-demo"
    result = CliRunner().invoke(app, ["demo", "--no-serve", "--workdir", str(workdir)])
    assert result.exit_code == 0, result.output
    yield from serve(workdir / "threadline.db")


def test_demo_model_is_found_and_its_story_shown(page: Any, demo_site: str) -> None:
    registry = httpx.get(
        f"{demo_site}/api/threadline/v1/models/registry", params={"model": MODEL}
    ).json()
    assert registry["aliases"]["champion"] == "2"
    page.goto(f"{demo_site}/#mode=model")
    page.fill("#search", MODEL)
    page.wait_for_selector("#search-results li.kind-model")
    page.keyboard.press("Enter")
    wait_drawn(page, 0)
    panel = page.locator("#mode-panel")
    expect(panel).to_contain_text(f"Model {registry['model']} version")
    aliases = panel.locator("table[aria-label='Registry aliases']").inner_text()
    assert "champion" in aliases
    history = panel.locator("table[aria-label='Alias and stage history'] tbody tr")
    assert history.count() == len(registry["history"]) > 0
    expect(panel).to_contain_text("Prediction sets")
    dot = exported(page, "dot")
    assert f'"{registry["model"]}"' in dot and "shape=diamond" in dot
    screenshot(page, "30-demo-model")
