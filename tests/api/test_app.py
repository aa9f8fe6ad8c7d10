"""The application's lifecycle: the lineage index is loaded before the first request."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.test_native import get, ref
from threadline.api import create_app
from threadline.demo.sample import sample_events
from threadline.service import LineageService
from threadline.settings import Settings


def test_app_start_loads_the_lineage_index_before_serving(
    service: LineageService, settings: Settings
) -> None:
    service.ingest_values(sample_events())
    head = service.store.head_seq()
    app = create_app(settings)
    with TestClient(app) as client:
        started: LineageService = app.state.service
        loaded = started.index.current
        assert loaded is not None
        assert (loaded.seq, loaded.entity.edge_count > 0) == (head, True)
        answer = get(client, "lineage", node=ref("raw"), direction="upstream")
        assert [n["id"] for n in answer["nodes"]] == [ref("raw"), ref("ingest"), ref("landing")]
        # Nothing was written since the start: the first query used the loaded snapshot.
        assert started.index.current is loaded


def test_app_start_on_an_empty_store_loads_an_empty_index(settings: Settings) -> None:
    app = create_app(settings)
    with TestClient(app):
        loaded = app.state.service.index.current
        assert loaded is not None
        assert (loaded.seq, loaded.edge_count) == (0, 0)
