"""Prediction logging: batch scoring and per-request logs, traceable to raw data, refused
for model versions Threadline never recorded."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.conftest import free_port
from tests.sdk.conftest import file_ref, logged, states, upstream
from threadline.client import Client
from threadline.errors import NotFound
from threadline.sdk import (
    Dataset,
    EventRefused,
    Model,
    PredictionLogger,
    Tracker,
    content_hash,
    input_hash,
    log_predictions,
)
from threadline.sdk.predictions import predictions_dataset
from threadline.service import LineageService

UNKNOWN = "model version dataset:models:churn#9 is unknown"


def _train(tracker: Tracker, tmp_path: Path) -> tuple[Path, Path]:
    """Record raw -> prep -> features -> train -> churn version 3; return raw and features."""
    raw, features = tmp_path / "raw.csv", tmp_path / "features.csv"
    raw.write_text("id,churned\n1,0\n2,1\n")
    with tracker.step("prep", inputs=[raw], outputs=[features], kind="transformation"):
        features.write_text("id,f\n1,0.5\n2,0.7\n")
    with tracker.step(
        "train", inputs=[features], outputs=[Model("churn", version="3")], kind="training"
    ):
        pass
    return raw, features


def _facet(details: dict[str, Any]) -> dict[str, Any]:
    facet = details["facets"]["threadline_predictions"]
    return {k: v for k, v in facet.items() if not k.startswith("_")}


def _versions(service: LineageService, ref: str) -> list[dict[str, Any]]:
    """Return the dataset's versions, oldest first, each with its own facets."""
    versions = service.node_details(ref)["versions"]
    return [service.node_details(f"{ref}#{v['version']}") for v in reversed(versions)]


def test_log_predictions_records_a_prediction_set_read_from_the_model_version(
    local: Tracker, service: LineageService, tmp_path: Path
) -> None:
    _raw, features = _train(local, tmp_path)
    scores = pd.DataFrame({"id": [1, 2, 3], "score": [0.1, 0.9, 0.4]})
    run_id = log_predictions(
        local,
        model=Model("churn", version="3"),
        inputs=[features],
        outputs=[Dataset("scores", df=scores)],
    )
    details = service.node_details("dataset:sdk:scores")
    assert (details["kind"], _facet(details)) == ("predictions", {"count": 3})
    [version] = details["versions"]
    assert version["createdByRun"] == f"run:{run_id}"
    run = service.node_details(f"run:{run_id}")
    assert (run["state"], run["job"]) == ("COMPLETE", "job:sdk:score")
    assert sorted(i["id"] for i in run["inputs"]) == sorted(
        ["dataset:models:churn#3", file_ref(features, content_hash(features).value)]
    )
    assert states(service, run_id) == ["COMPLETE"]  # one event: admitted or refused whole
    job = service.node_details("job:sdk:score")
    assert job["kind"] == "scoring"
    assert job["facets"]["sourceCodeLocation"]["path"].endswith("tests/sdk/test_predictions.py")


def test_log_predictions_needs_to_know_how_many_predictions(
    local: Tracker, service: LineageService, tmp_path: Path
) -> None:
    _train(local, tmp_path)
    out = tmp_path / "predictions.csv"
    with pytest.raises(ValueError, match="outputs="):
        log_predictions(local, model=Model("churn", version="3"), inputs=[], outputs=[])
    with pytest.raises(ValueError, match="pass count="):
        log_predictions(local, model=Model("churn", version="3"), inputs=[], outputs=[out])
    log_predictions(local, model=Model("churn", version="3"), inputs=[], outputs=[out], count=2)
    assert _facet(service.node_details(file_ref(out))) == {"count": 2}


def test_prediction_logger_sends_batches_by_size_and_on_close(
    local: Tracker, service: LineageService, tmp_path: Path
) -> None:
    _train(local, tmp_path)
    logger = PredictionLogger(
        local, model=Model("churn", version="3"), endpoint="churn-api", batch_size=2
    )
    requests = [{"id": n, "tenure": n * 1.5} for n in range(5)]
    hashes = [logger.log(features, features["id"] % 2) for features in requests]
    assert hashes == [input_hash(f) for f in requests]
    assert len(service.node_details("dataset:predictions:predictions/churn-api")["versions"]) == 2
    logger.close()
    versions = _versions(service, "dataset:predictions:predictions/churn-api")
    facets = [_facet(v) for v in versions]
    assert [f["count"] for f in facets] == [2, 2, 1]
    records = [r for f in facets for r in f["records"]]
    assert [(r["inputHash"], r["output"]) for r in records] == [
        (input_hash(f), f["id"] % 2) for f in requests
    ]
    times = [datetime.fromisoformat(r["at"]) for r in records]
    assert times == sorted(times)
    for version in versions:
        run = service.node_details(version["createdByRun"])
        assert [i["id"] for i in run["inputs"]] == ["dataset:models:churn#3"]
        assert run["job"] == "job:sdk:serve.churn-api"
    logger.close()  # nothing left: no empty batch
    assert len(_versions(service, "dataset:predictions:predictions/churn-api")) == 3


def test_prediction_logger_sends_a_batch_once_it_is_old_enough(
    local: Tracker, service: LineageService, tmp_path: Path
) -> None:
    _train(local, tmp_path)
    logger = PredictionLogger(
        local, model=Model("churn", version="3"), endpoint="slow", flush_seconds=0
    )
    logger.log({"id": 1}, 0.5)
    logger.log({"id": 2}, 0.6)
    versions = _versions(service, "dataset:predictions:predictions/slow")
    assert [_facet(v)["count"] for v in versions] == [1, 1]


def test_predictions_from_an_unknown_model_version_are_refused_with_the_reason(
    local: Tracker, service: LineageService, tmp_path: Path
) -> None:
    _train(local, tmp_path)
    before = logged(service)
    with pytest.raises(EventRefused, match=UNKNOWN):
        log_predictions(
            local,
            model=Model("churn", version="9"),
            inputs=[],
            outputs=[tmp_path / "p.csv"],
            count=1,
        )
    logger = PredictionLogger(local, model=Model("churn", version="9"), endpoint="api")
    logger.log({"id": 1}, 1)
    with pytest.raises(EventRefused, match=UNKNOWN):
        logger.close()
    with pytest.raises(EventRefused, match="dataset:models:ghost#1 is unknown"):
        log_predictions(
            local,
            model=Model("ghost", version="1"),
            inputs=[],
            outputs=[tmp_path / "g.csv"],
            count=0,
        )
    assert logged(service) == before  # nothing of a refused record is stored
    versions = service.node_details("dataset:models:churn")["versions"]
    assert [v["version"] for v in versions] == ["3"]  # no version made up by the attempt
    with pytest.raises(NotFound):
        service.node_details("job:sdk:score")


def test_predictions_over_http_are_refused_with_the_reason_and_not_spooled(
    remote: Tracker, live_server: str, tmp_path: Path
) -> None:
    _train(remote, tmp_path)
    with pytest.raises(EventRefused, match=UNKNOWN):
        log_predictions(
            remote,
            model=Model("churn", version="9"),
            inputs=[],
            outputs=[tmp_path / "p.csv"],
            count=1,
        )
    assert list((tmp_path / "spool").rglob("*.json")) == []
    with Client(live_server) as client:
        versions = client.node("dataset:models:churn")["versions"]
        assert [v["version"] for v in versions] == ["3"]
        with pytest.raises(NotFound):
            client.node("job:sdk:score")


def test_predictions_spooled_while_down_are_refused_at_delivery(
    live_server: str, service: LineageService, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    with Tracker(url=live_server, spool=spool) as online:
        _train(online, tmp_path)
    offline = Tracker(url=f"http://127.0.0.1:{free_port()}", spool=spool)
    for version in ("9", "3"):
        model = Model("churn", version=version)
        log_predictions(offline, model=model, inputs=[], outputs=[tmp_path / "p.csv"], count=0)
    assert len(list(spool.glob("*.json"))) == 2
    assert Tracker(url=live_server, spool=spool).flush() == 0
    [rejected] = (spool / "rejected").glob("*.reason")
    assert UNKNOWN in rejected.read_text()
    assert len(service.node_details("job:default:score")["runs"]) == 1


def test_a_prediction_traces_back_to_the_raw_sources_over_http(
    remote: Tracker, live_server: str, tmp_path: Path
) -> None:
    raw, features = _train(remote, tmp_path)
    out = tmp_path / "predictions.csv"
    out.write_text("id,score\n1,0.2\n")
    run_id = log_predictions(
        remote, model=Model("churn", version="3"), inputs=[], outputs=[out], count=1
    )
    ref = file_ref(out, content_hash(out).value)
    with Client(live_server) as client:
        answer = client.lineage(ref, direction="upstream", granularity="version")
        train = client.node("job:sdk:train")["runs"][0]["id"]
        prep = client.node("job:sdk:prep")["runs"][0]["id"]
    chain = [
        ref,
        f"run:{run_id}",
        "dataset:models:churn#3",
        train,
        file_ref(features, content_hash(features).value),
        prep,
        file_ref(raw, content_hash(raw).value),
    ]
    assert [(n["id"], n["depth"]) for n in answer["nodes"]] == [
        (node, depth) for depth, node in enumerate(chain)
    ]
    assert [n["kind"] for n in answer["nodes"]] == [
        "predictions",
        "scoring",
        "model",
        "training",
        "dataset",
        "transformation",
        "dataset",
    ]
    assert sorted((e["source"], e["target"]) for e in answer["edges"]) == sorted(
        (chain[i + 1], chain[i]) for i in range(len(chain) - 1)
    )


def test_a_logged_request_traces_back_to_the_training_data(
    local: Tracker, service: LineageService, tmp_path: Path
) -> None:
    raw, features = _train(local, tmp_path)
    with PredictionLogger(local, model=Model("churn", version="3"), endpoint="api") as logger:
        logger.log({"id": 7}, 1)
    [version] = service.node_details("dataset:predictions:predictions/api")["versions"]
    answer = upstream(service, f"dataset:predictions:predictions/api#{version['version']}")
    ids = {n["id"] for n in answer["nodes"]}
    assert {
        "dataset:models:churn#3",
        file_ref(features, content_hash(features).value),
        file_ref(raw, content_hash(raw).value),
    } <= ids


def test_a_scoring_step_with_an_unknown_model_version_is_refused(
    local: Tracker, service: LineageService, tmp_path: Path
) -> None:
    _train(local, tmp_path)
    output = predictions_dataset(Dataset("scored", namespace="sdk"), 1)
    with (
        pytest.raises(EventRefused, match=UNKNOWN),
        local.step("score.step", inputs=[Model("churn", version="9")], outputs=[output]),
    ):
        pass


def test_a_local_batch_with_a_refused_prediction_stores_nothing(
    local: Tracker, service: LineageService, tmp_path: Path
) -> None:
    from openlineage.client.event_v2 import Job, Run, RunEvent, RunState
    from openlineage.client.uuid import generate_new_uuid

    _train(local, tmp_path)
    head = service.store.head_seq()
    output = predictions_dataset(Dataset("scored", namespace="sdk"), 1)

    def event(model: Model) -> RunEvent:
        return RunEvent(
            eventType=RunState.COMPLETE,
            eventTime=datetime.now().astimezone().isoformat(),
            producer="https://threadline.dev/tests",
            run=Run(runId=str(generate_new_uuid())),
            job=Job(namespace="sdk", name="score.batch"),
            inputs=[model.as_input("sdk")],
            outputs=[output.as_output("sdk")],
        )

    with pytest.raises(ValueError, match=UNKNOWN):
        local.emit_batch([event(Model("churn", version="3")), event(Model("churn", version="9"))])
    assert service.store.head_seq() == head
