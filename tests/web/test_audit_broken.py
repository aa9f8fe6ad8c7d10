"""The audit view of a log altered behind Threadline's back: the break and the removed payload."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, update

from tests.web.conftest import post_events, screenshot, serve
from threadline.demo.sample import sample_events
from threadline.store.tables import events


@pytest.fixture
def altered_site(tmp_path: Path) -> Iterator[str]:
    """A live server over the sample pipeline whose third entry lost its payload by hand."""
    database = tmp_path / "threadline.db"
    for base in serve(database):
        post_events(base, sample_events())
        engine = create_engine(f"sqlite:///{database}")
        with engine.begin() as conn:
            conn.execute(update(events).where(events.c.seq == 3).values(payload=None))
        engine.dispose()
        yield base


def test_audit_view_shows_where_the_chain_breaks(page: Any, altered_site: str) -> None:
    page.goto(altered_site + "/#mode=audit")
    panel = page.locator("#mode-panel")
    expect(panel.locator(".bad")).to_contain_text("Chain BROKEN at entry 3")
    rows = panel.locator("table[aria-label=Redactions] tbody tr").all_inner_texts()
    assert len(rows) == 1 and rows[0].startswith("3\t2024-03-01T02:")
    screenshot(page, "16-audit-broken")
