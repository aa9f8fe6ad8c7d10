"""Unusual but legitimate input to ``POST /api/v1/lineage``: accepted (201) and kept verbatim.

Producers in the wild send times without offsets or with nanoseconds, run ids that are not
UUIDs, custom facets, deletion markers, spec 1-0-x events and names holding SQL, HTML, path
segments or any script. Each must be stored as sent, readable back through the events API
and the projections, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import gzip
import hashlib
import uuid
from datetime import datetime, timezone
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from openlineage.client.event_v2 import RunState
from sqlalchemy import select

from tests.api.helpers import BATCH, EVENTS, LINEAGE, nested, valid_run, with_
from tests.events import at_us, body, inp, out, run_event
from threadline.store import Store
from threadline.store.tables import dataset_facets, datasets, events, job_facets, jobs, runs

CUSTOM: dict[str, Any] = {
    "_producer": "https://example.com/producer/1.0",
    "_schemaURL": "https://example.com/schemas/Custom.json#/$defs/Custom",
    "zeta": [1, 2.5, -0.0, None, True, "x", {"deep": []}],
    "alpha": {"empty": {}, "big": 18446744073709551615, "text": '数据 ✓ "quoted" \\ \n'},
}


def post(client: TestClient, event: dict[str, Any]) -> tuple[int, bytes]:
    """Send an event; check it is accepted; return its sequence number and the bytes sent."""
    sent = body(event)
    response = client.post(LINEAGE, content=sent)
    assert response.status_code == 201, response.text
    return int(response.json()["seq"]), sent


def read_back(client: TestClient) -> tuple[bytes, list[Any]]:
    """Return the raw body of the events API and its events, oldest first."""
    response = client.get(EVENTS, params={"sortDirection": "asc"})
    assert response.status_code == 200, response.text
    return response.content, response.json()["events"]


def logged(store: Store, seq: int) -> Any:
    """Return an event's row of the log."""
    with store.read() as conn:
        return conn.execute(select(events).where(events.c.seq == seq)).one()


@pytest.mark.parametrize(
    ("event_time", "expected_us"),
    [
        pytest.param(
            "2024-03-01T12:34:56",
            int(datetime(2024, 3, 1, 12, 34, 56, tzinfo=timezone.utc).timestamp()) * 1_000_000,
            id="no-offset-is-utc",
        ),
        pytest.param("2024-03-01T00:00:00.123456789Z", at_us(0) + 123_456, id="nanoseconds"),
    ],
)
def test_event_time_leniency(
    client: TestClient, store: Store, event_time: str, expected_us: int
) -> None:
    seq, sent = post(client, with_("eventTime", event_time))
    assert logged(store, seq).event_time_us == expected_us
    assert bytes(logged(store, seq).payload) == sent
    assert store.verify().ok


def test_non_uuid_run_id_is_mapped_as_marquez_maps_it(client: TestClient, store: Store) -> None:
    seq, _sent = post(client, with_("run.runId", "my-airflow-run-1"))
    mapped = str(uuid.UUID(bytes=hashlib.md5(b"my-airflow-run-1").digest(), version=3))
    assert logged(store, seq).run_uuid == mapped
    with store.read() as conn:
        row = conn.execute(
            select(runs.c.uuid, runs.c.external_id).where(runs.c.uuid == mapped)
        ).one()
    assert row.external_id == "my-airflow-run-1"
    assert read_back(client)[1][0]["run"]["runId"] == "my-airflow-run-1"


def test_custom_facets_are_stored_verbatim(client: TestClient, store: Store) -> None:
    event = with_("run.facets.myCompany_custom", CUSTOM)
    event["job"]["facets"]["myCompany_job"] = CUSTOM
    event["inputs"][0]["facets"]["myCompany_dataset"] = CUSTOM
    event["inputs"][0]["inputFacets"]["myCompany_input"] = CUSTOM
    event["outputs"][0]["outputFacets"] = {"myCompany_output": CUSTOM}
    _seq, sent = post(client, event)
    raw, [stored] = read_back(client)
    assert sent in raw  # the very bytes sent, key order and all
    assert stored == event
    assert stored["run"]["facets"]["myCompany_custom"] == CUSTOM
    assert stored["outputs"][0]["outputFacets"]["myCompany_output"] == CUSTOM
    with store.read() as conn:
        facet: str = conn.execute(
            select(dataset_facets.c.facet).where(dataset_facets.c.name == "myCompany_dataset")
        ).scalar_one()
    assert orjson.loads(facet) == CUSTOM


def test_deleted_facets_are_accepted(client: TestClient, store: Store) -> None:
    event = with_("outputs.0.facets.schema", {"_deleted": True})
    event["outputs"][0]["facets"]["lifecycleStateChange"] = {"_deleted": True}
    event["job"]["facets"]["sql"] = {"_deleted": True}
    post(client, event)
    with store.read() as conn:
        deleted = {
            *conn.execute(select(dataset_facets.c.name).where(dataset_facets.c.deleted)).scalars(),
            *conn.execute(select(job_facets.c.name).where(job_facets.c.deleted)).scalars(),
        }
    assert deleted == {"schema", "lifecycleStateChange", "sql"}
    assert read_back(client)[1] == [event]


def test_spec_1_0_event_is_accepted(client: TestClient, store: Store) -> None:
    url = "https://openlineage.io/spec/1-0-5/OpenLineage.json#/definitions/RunEvent"
    seq, _sent = post(client, with_("schemaURL", url))
    row = logged(store, seq)
    assert (row.kind, row.schema_url, row.event_type) == ("RunEvent", url, "COMPLETE")


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("'; DROP TABLE datasets; --", id="sql"),
        pytest.param("<script>alert(1)</script>", id="html"),
        pytest.param("../../etc/passwd", id="path-traversal"),
        pytest.param("数据集 ✓ ÄÖÜ 🚀", id="unicode"),
    ],
)
def test_hostile_names_are_stored_and_returned_verbatim(
    client: TestClient, store: Store, name: str
) -> None:
    event = run_event(
        RunState.COMPLETE, 1, job=(name, name), inputs=[inp(name, name)], outputs=[out("db", name)]
    )
    _seq, sent = post(client, event)
    raw, stored = read_back(client)
    assert sent in raw
    assert stored == [event]
    with store.read() as conn:
        assert conn.execute(select(jobs.c.namespace, jobs.c.name)).all() == [(name, name)]
        assert sorted(conn.execute(select(datasets.c.namespace, datasets.c.name)).all()) == sorted(
            [(name, name), ("db", name)]
        )
    assert store.verify().ok


def test_gzip_body_is_accepted(client: TestClient) -> None:
    sent = body(valid_run())
    response = client.post(
        LINEAGE, content=gzip.compress(sent), headers={"Content-Encoding": "gzip"}
    )
    assert response.status_code == 201, response.text
    assert sent in read_back(client)[0]


@pytest.mark.parametrize("where", ["run.facets", "job.facets", "outputs.0.facets"])
def test_facet_names_up_to_255_characters_are_stored_longer_refused(
    client: TestClient, store: Store, where: str
) -> None:
    _seq, sent = post(client, with_(f"{where}.{'f' * 255}", CUSTOM))
    assert sent in read_back(client)[0]
    response = client.post(LINEAGE, content=body(with_(f"{where}.{'g' * 300}", CUSTOM)))
    assert response.status_code == 400, response.text
    assert "facet names are at most 255 characters; this one has 300" in response.json()["message"]
    assert len(read_back(client)[1]) == 1
    assert store.verify().ok


def test_nesting_at_the_depth_limit_is_accepted(client: TestClient) -> None:
    # "$" (1) > run (2) > facets (3) > the custom facet's 97 levels: 100 in all.
    response = client.post(LINEAGE, content=body(with_("run.facets.custom", nested(97))))
    assert response.status_code == 201, response.text
    response = client.post(LINEAGE, content=body(with_("run.facets.custom", nested(98))))
    assert response.status_code == 400, response.text
    assert response.json()["message"] == "$: JSON is nested deeper than 100 levels"


def test_nesting_at_the_depth_limit_is_accepted_in_a_batch(client: TestClient) -> None:
    response = client.post(BATCH, content=orjson.dumps([with_("run.facets.custom", nested(97))]))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "success"


def test_nesting_limit_follows_the_settings(settings: Any) -> None:
    from dataclasses import replace

    from threadline.api import create_app

    with TestClient(create_app(replace(settings, max_json_depth=20))) as strict:
        # "$" > run > facets > 17 levels of the custom facet: 20 in all.
        accepted = strict.post(LINEAGE, content=body(with_("run.facets.custom", nested(17))))
        assert accepted.status_code == 201, accepted.text
        refused = strict.post(LINEAGE, content=body(with_("run.facets.custom", nested(18))))
        assert refused.status_code == 400
        assert refused.json()["message"] == "$: JSON is nested deeper than 20 levels"


def test_batch_events_are_logged_byte_for_byte(client: TestClient, store: Store) -> None:
    first = orjson.dumps(run_event(RunState.START, 1), option=orjson.OPT_INDENT_2)
    # Spacing, escapes and number spellings a re-encoding would change.
    second = (
        orjson.dumps(run_event(RunState.COMPLETE, 2))[:-1]
        + b', "x_note": "caf\\u00e9 \\/ \\"q\\"", "x_n": 1.50E+2 }'
    )
    body = b"[\n  " + first + b" ,\r\n\t" + second + b"\n]"
    answer = client.post(BATCH, content=body)
    assert answer.json()["status"] == "success", answer.text
    with store.read() as conn:
        rows = conn.execute(
            select(events.c.payload, events.c.payload_sha256).order_by(events.c.seq)
        )
        stored = [(bytes(r.payload), r.payload_sha256) for r in rows]
    assert stored == [(p, hashlib.sha256(p).hexdigest()) for p in (first, second)]
    assert store.verify().ok
