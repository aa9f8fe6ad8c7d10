"""The real openlineage-python HTTP transport works against `threadline serve` unchanged."""

from __future__ import annotations

import uuid

import httpx
import pytest
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import (
    DatasetEvent,
    InputDataset,
    Job,
    JobEvent,
    OutputDataset,
    Run,
    RunEvent,
    RunState,
    StaticDataset,
)
from openlineage.client.transport.http import HttpConfig, HttpTransport

from tests.events import PRODUCER, at, columns, schema
from threadline.store import Store


@pytest.mark.parametrize("compression", [None, "gzip"])
def test_openlineage_http_transport_delivers_every_event_kind(
    live_server: str, store: Store, compression: str | None
) -> None:
    config = HttpConfig.from_dict(
        {
            "url": live_server,
            "compression": compression,
            "auth": {"type": "api_key", "apiKey": "not-checked-yet"},
        }
    )
    client = OpenLineageClient(transport=HttpTransport(config))
    run_id = str(uuid.uuid4())
    job = Job(namespace="client-test", name="load")
    client.emit(
        RunEvent(
            eventType=RunState.START,
            eventTime=at(1),
            run=Run(runId=run_id),
            job=job,
            producer=PRODUCER,
            inputs=[InputDataset(namespace="db", name="src")],
        )
    )
    client.emit(
        RunEvent(
            eventType=RunState.COMPLETE,
            eventTime=at(2),
            run=Run(runId=run_id),
            job=job,
            producer=PRODUCER,
            outputs=[
                OutputDataset(
                    namespace="db",
                    name="dst",
                    facets={
                        "schema": schema("id"),
                        "columnLineage": columns({"id": [("db", "src", "id")]}),
                    },
                )
            ],
        )
    )
    client.emit(
        DatasetEvent(
            eventTime=at(3), producer=PRODUCER, dataset=StaticDataset(namespace="db", name="dst")
        )
    )
    client.emit(
        JobEvent(
            eventTime=at(4),
            producer=PRODUCER,
            job=job,
            inputs=[InputDataset(namespace="db", name="src")],
        )
    )
    client.close()
    page = httpx.get(f"{live_server}/api/v1/events/lineage", params={"sortDirection": "asc"}).json()
    assert page["totalCount"] == 4
    assert [e["schemaURL"].rsplit("/", 1)[-1] for e in page["events"]] == [
        "RunEvent",
        "RunEvent",
        "DatasetEvent",
        "JobEvent",
    ]
    assert page["events"][1]["outputs"][0]["facets"]["schema"]["fields"][0]["name"] == "id"
    assert store.verify().ok
