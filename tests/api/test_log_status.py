"""The log's own routes: the time its events cover and a re-verified hash chain over HTTP."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, update

from tests.api.test_native import NATIVE, get, ingest
from tests.api.test_openapi import example_of, shape_mismatches
from threadline.demo.sample import sample_events
from threadline.store.tables import events


def test_log_range_of_an_empty_log_is_null(client: TestClient) -> None:
    assert get(client, "log/range") == {"firstEventTime": None, "lastEventTime": None, "events": 0}


def test_log_range_spans_the_sample_events(client: TestClient) -> None:
    sample = sample_events()
    ingest(client, sample)
    times = sorted(e["eventTime"] for e in sample)
    answer = get(client, "log/range")
    assert answer["events"] == len(sample)
    assert answer["firstEventTime"].startswith(times[0][:19])
    assert answer["lastEventTime"].startswith(times[-1][:19])


def test_audit_chain_verifies_an_intact_log(client: TestClient) -> None:
    ingest(client, sample_events())
    answer = get(client, "audit/chain")
    head = len(sample_events())
    assert {k: v for k, v in answer.items() if k != "headHash"} == {
        "verified": True,
        "checked": head,
        "redacted": 0,
        "broken": None,
        "headSeq": head,
        "redactions": [],
    }
    assert len(answer["headHash"]) == 64


def test_audit_chain_reports_a_payload_removed_by_hand(client: TestClient, db_url: str) -> None:
    ingest(client, sample_events())
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(update(events).where(events.c.seq == 3).values(payload=None))
    engine.dispose()
    answer = get(client, "audit/chain")
    assert answer["verified"] is False
    assert answer["broken"]["seq"] == 3
    assert [r["seq"] for r in answer["redactions"]] == [3]


def test_log_routes_examples_have_the_shape_of_real_answers(client: TestClient) -> None:
    ingest(client, sample_events())
    spec: dict[str, Any] = client.get("/openapi.json").json()
    for route in ("log/range", "audit/chain"):
        real = get(client, route)
        if route == "audit/chain":
            real["redactions"] = [
                {"seq": 1, "eventTime": "x", "redactedAt": "y", "redactedBy": "z", "reason": "r"}
            ]
        assert shape_mismatches(example_of(spec, f"{NATIVE}/{route}"), real) == []
