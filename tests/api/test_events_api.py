"""The event log over HTTP: re-sends, the batch answer, paging events by time, health."""

from __future__ import annotations

from typing import Any

import orjson

from tests.events import RunState, at, run_event

EVENTS = "/api/v1/events/lineage"


def _post_minutes(client: Any, *minutes: float) -> list[dict[str, Any]]:
    sent = [run_event(RunState.COMPLETE, m, run=f"r{m}", job=("tests", f"j{m}")) for m in minutes]
    for event in sent:
        assert client.post("/api/v1/lineage", json=event).status_code == 201
    return sent


def test_identical_resend_answers_200_and_is_stored_once(client: Any) -> None:
    event = run_event(RunState.START, 1)
    first = client.post("/api/v1/lineage", json=event)
    again = client.post("/api/v1/lineage", json=event)
    assert (first.status_code, first.json()) == (201, {"seq": 1, "duplicate": False})
    assert (again.status_code, again.json()) == (200, {"seq": 1, "duplicate": True})
    assert client.get(EVENTS).json()["totalCount"] == 1


def test_successful_batch_answer_has_the_openlineage_shape(client: Any) -> None:
    batch = [run_event(RunState.START, 1), run_event(RunState.COMPLETE, 2)]
    answer = client.post("/api/v1/lineage/batch", content=orjson.dumps(batch))
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "success"
    assert body["failed_events"] == []
    assert body["summary"]["received"] == 2
    assert body["summary"]["successful"] == 2
    assert body["summary"]["failed"] == 0


def test_events_page_by_time_newest_first_by_default(client: Any) -> None:
    _post_minutes(client, 1, 2, 3, 4)
    times = [e["eventTime"] for e in client.get(EVENTS).json()["events"]]
    assert times == sorted(times, reverse=True) and len(times) == 4
    window = client.get(EVENTS, params={"after": at(2), "before": at(3)}).json()
    assert [e["run"]["runId"] for e in window["events"]] == [
        run_event(None, 0, run=r)["run"]["runId"] for r in ("r3", "r2")
    ]
    page = client.get(EVENTS, params={"sortDirection": "asc", "limit": 2, "offset": 1}).json()
    assert [e["job"]["name"] for e in page["events"]] == ["j2", "j3"]
    assert page["totalCount"] == 4


def test_events_paging_refuses_bad_parameters_with_400(client: Any) -> None:
    for params in (
        {"before": "yesterday"},
        {"after": "2024-13-01T00:00:00Z"},
        {"limit": -1},
        {"limit": 10_001},
        {"offset": -5},
        {"sortDirection": "sideways"},
    ):
        answer = client.get(EVENTS, params=params)
        assert answer.status_code == 400, params
        assert answer.json()["error"] == "invalid_parameter", params
        assert answer.json()["message"]


def test_health_reports_the_database_and_the_log_head(client: Any, dialect: str) -> None:
    _post_minutes(client, 1, 2)
    health = client.get("/health").json()
    assert health["status"] == "ok"
    assert health["database"] == dialect
    assert health["headSeq"] == 2
