"""One schema, two dialects: the same events give the very same projections on both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import fresh_database
from tests.store.test_rebuild import _ingest, rich_events
from threadline.service import LineageService
from threadline.settings import Settings
from threadline.store import Store


def _service(dialect: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    for url in fresh_database(dialect, request, tmp_path):
        settings = Settings(database_url=url, sqlite_synchronous="NORMAL")
        store = Store(settings)
        yield LineageService(store, settings)
        store.close()


@pytest.mark.postgres
def test_sqlite_and_postgresql_project_the_same_events_identically(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    dumps = []
    for dialect in ("sqlite", "postgresql"):
        for service in _service(dialect, request, tmp_path):
            _ingest(service, rich_events())
            dumps.append(service.store.dump())
            assert service.store.verify().ok
    sqlite, postgresql = dumps
    assert sorted(sqlite) == sorted(postgresql)
    for table in sqlite:
        assert sqlite[table] == postgresql[table], table
