"""Fixtures of the projection tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import fresh_database
from threadline.settings import Settings
from threadline.store import Store


@pytest.fixture
def reference(dialect: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A second fresh store of the same dialect, fed one event per transaction."""
    for url in fresh_database(dialect, request, tmp_path):
        opened = Store(Settings(database_url=url, sqlite_synchronous="NORMAL"))
        yield opened
        opened.close()
