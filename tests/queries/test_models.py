"""Model questions on both databases: lineage, reproducibility, what a data fix touches, audit.

A small ML pipeline is recorded with the SDK into a real store (raw file -> features ->
training -> registry alias -> deployment -> predictions), plus a second model trained on an
unversioned bucket. Answers are checked against what the pipeline is known to have done,
through the service and through the HTTP routes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.api.test_openapi import example_of, shape_mismatches
from threadline.errors import InvalidParameter, NotFound
from threadline.facets import facet
from threadline.sdk import Dataset, Model, Tracker, log_predictions
from threadline.service import LineageService
from threadline.web.report import render_report

HOSTILE = "<script>alert(1)</script>"


@dataclass
class Pipeline:
    """What the recorded pipeline wrote, to check answers against."""

    raw: Path
    raw_v1: str
    raw_v2: str
    features: Path
    predictions: Path


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def _registry(*changes: dict[str, Any]) -> dict[str, Any]:
    return {"threadline_registry": facet("threadline_registry", changes=list(changes))}


def _endpoint() -> Dataset:
    return Dataset(
        "churn-api",
        namespace="endpoints",
        facets={"threadline_endpoint": facet("threadline_endpoint", environment="production")},
    )


def _round(tracker: Tracker, tmp: Path, version: str, rows: str) -> None:
    raw, features = tmp / "raw.csv", tmp / "features.csv"
    with tracker.step("ingest", outputs=[raw], kind="ingestion"):
        raw.write_text(rows)
    with tracker.step("prep", inputs=[raw], outputs=[features], kind="transformation"):
        features.write_text(rows.upper())
    model = Model(
        "churn",
        version=version,
        facets=_registry(
            {"type": "version_registered", "version": version, "actor": "ana"},
            {"type": "alias_set", "alias": "champion", "version": version, "actor": HOSTILE},
        ),
    )
    with tracker.step("train", inputs=[features], outputs=[model], kind="training"):
        pass
    with tracker.step(
        "deploy", inputs=[Model("churn", version=version)], outputs=[_endpoint()], kind="deployment"
    ):
        pass
    log_predictions(
        tracker,
        model=Model("churn", version=version),
        inputs=[features],
        outputs=[tmp / f"predictions-{version}.csv"],
        count=2,
    )


@pytest.fixture
def pipeline(db_url: str, tmp_path: Path) -> Pipeline:
    """Record two rounds (the second after a fix of the raw file) and a loosely built model."""
    tracker = Tracker(db=db_url, namespace="ml", spool=tmp_path / "spool")
    try:
        _round(tracker, tmp_path, "1", "id,churned\n1,0\n2,1\n")
        raw_v1 = _md5(tmp_path / "raw.csv")
        _round(tracker, tmp_path, "2", "id,churned\n1,0\n2,0\n")
        loose = Model("loose", version="1")
        with tracker.step(
            "train_loose", inputs=[Dataset("s3://lake/events")], outputs=[loose], kind="training"
        ):
            pass
    finally:
        tracker.close()
    return Pipeline(
        tmp_path / "raw.csv",
        raw_v1,
        _md5(tmp_path / "raw.csv"),
        tmp_path / "features.csv",
        tmp_path / "predictions-1.csv",
    )


def _ref(path: Path, version: str | None = None) -> str:
    return f"dataset:file:{path.resolve()}" + (f"#{version}" if version else "")


def test_model_lineage_follows_the_alias_to_training_data_and_raw_sources(
    service: LineageService, pipeline: Pipeline
) -> None:
    answer = service.model_lineage("churn@champion")
    assert (answer["version"], answer["alias"]) == ("2", "champion")
    assert answer["training"]["job"] == "job:ml:train"
    assert answer["training"]["code"]["commit"]  # the test file lives in a git checkout
    assert [d["id"] for d in answer["trainingData"]] == [
        _ref(pipeline.features, _md5(pipeline.features))
    ]
    assert [d["id"] for d in answer["rawSources"]] == [_ref(pipeline.raw, pipeline.raw_v2)]
    assert [d["environment"] for d in answer["deployments"]] == ["production"]
    assert [p["id"].split("#")[0] for p in answer["predictions"]] == [
        _ref(pipeline.raw.parent / "predictions-2.csv")
    ]
    history = [(h["type"], h["version"], h["label"]) for h in answer["registry"]["history"]]
    assert history == [
        ("version_registered", "1", None),
        ("alias_set", "1", "champion"),
        ("version_registered", "2", None),
        ("alias_set", "2", "champion"),
    ]


def test_model_lineage_of_an_explicit_version_is_that_version(
    service: LineageService, pipeline: Pipeline
) -> None:
    answer = service.model_lineage("churn@1")
    assert answer["version"] == "1"
    assert [d["id"] for d in answer["rawSources"]] == [_ref(pipeline.raw, pipeline.raw_v1)]


def test_unknown_model_or_version_names_the_closest_matches(
    service: LineageService, pipeline: Pipeline
) -> None:
    with pytest.raises(NotFound) as unknown:
        service.model_lineage("chrun")
    assert "churn" in " ".join(unknown.value.suggestions)
    with pytest.raises(NotFound):
        service.model_lineage("churn@7")


def test_affected_by_the_first_raw_version_is_exactly_the_first_round(
    service: LineageService, pipeline: Pipeline
) -> None:
    answer = service.affected(_ref(pipeline.raw), version=pipeline.raw_v1)
    assert [m["id"] for m in answer["models"]] == ["dataset:models:churn#1"]
    assert len(answer["deployments"]) == 1
    assert [p["id"].split("#")[0] for p in answer["predictions"]] == [_ref(pipeline.predictions)]
    fixed = service.affected(_ref(pipeline.raw, pipeline.raw_v2))
    assert [m["id"] for m in fixed["models"]] == ["dataset:models:churn#2"]


def test_affected_over_a_time_range_covers_every_version_in_it(
    service: LineageService, pipeline: Pipeline
) -> None:
    answer = service.affected(_ref(pipeline.raw), since="2000-01-01T00:00:00Z")
    assert answer["versions"] == [pipeline.raw_v1, pipeline.raw_v2]
    assert {m["id"] for m in answer["models"]} == {
        "dataset:models:churn#1",
        "dataset:models:churn#2",
    }
    with pytest.raises(NotFound, match="no such version"):
        service.affected(_ref(pipeline.raw), since="2000-01-01T00:00:00Z", until="2000-01-02")


def test_affected_needs_a_version_or_a_time_range_and_a_dataset(
    service: LineageService, pipeline: Pipeline
) -> None:
    with pytest.raises(InvalidParameter, match="say which data"):
        service.affected(_ref(pipeline.raw))
    with pytest.raises(InvalidParameter, match="takes a dataset"):
        service.affected("job:ml:train", version="1")


def test_model_check_lists_what_is_not_pinned(service: LineageService, pipeline: Pipeline) -> None:
    assert service.model_check("churn@1")[0]["reproducible"] is True
    loose = service.model_check("loose")[0]
    assert loose["reproducible"] is False
    assert [p["node"].split("#")[0] for p in loose["problems"]] == ["dataset:s3://lake:events"]
    everything = {a["model"].split("#")[0]: a["reproducible"] for a in service.model_check()}
    assert everything == {"dataset:models:churn": True, "dataset:models:loose": False}


def test_audit_report_carries_evidence_and_a_verified_chain(
    service: LineageService, pipeline: Pipeline
) -> None:
    report = service.audit_report("churn@champion")
    assert report["chain"]["verified"] is True
    assert report["chain"]["headSeq"] == service.store.head_seq()
    jobs = {e["job"] for e in report["evidence"]}
    assert {"ml:train", "ml:prep", "ml:ingest", "ml:deploy"} <= jobs
    assert all(len(e["sha256"]) == 64 and e["redacted"] is False for e in report["evidence"])
    page = render_report(report)
    assert report["title"] in page
    assert HOSTILE not in page and "&lt;script&gt;" in page


def test_model_routes_answer_as_the_service_does(
    client: Any, service: LineageService, pipeline: Pipeline
) -> None:
    base = "/api/threadline/v1"
    lineage = client.get(f"{base}/models/lineage", params={"model": "churn@champion"})
    assert lineage.status_code == 200
    assert lineage.json()["trainingData"] == service.model_lineage("churn@champion")["trainingData"]
    affected = client.get(
        f"{base}/affected", params={"dataset": _ref(pipeline.raw), "version": pipeline.raw_v1}
    )
    assert [m["id"] for m in affected.json()["models"]] == ["dataset:models:churn#1"]
    check = client.get(f"{base}/models/check", params={"model": "loose"}).json()
    assert check["models"][0]["reproducible"] is False
    html = client.get(f"{base}/audit/report", params={"model": "churn@1", "format": "html"})
    assert html.headers["content-type"].startswith("text/html")
    missing = client.get(f"{base}/models/lineage", params={"model": "chrun"})
    assert missing.status_code == 404
    assert "churn" in str(missing.json())
    bad = client.get(f"{base}/affected", params={"dataset": _ref(pipeline.raw)})
    assert bad.status_code == 400


def test_model_route_examples_have_the_shape_of_real_answers(
    client: Any, pipeline: Pipeline
) -> None:
    spec = client.get("/openapi.json").json()
    base = "/api/threadline/v1"
    asked = {
        "models/registry": {"model": "churn"},
        "models/lineage": {"model": "churn@champion"},
        "models/check": {"model": "churn@1"},
        "affected": {"dataset": _ref(pipeline.raw), "version": pipeline.raw_v1},
        "audit/report": {"model": "churn@1"},
        "log/range": {},
        "audit/chain": {},
    }
    mismatches = {}
    for route, params in asked.items():
        answer = client.get(f"{base}/{route}", params=params)
        assert answer.status_code == 200, (route, answer.text)
        found = shape_mismatches(example_of(spec, f"{base}/{route}"), answer.json())
        if found:
            mismatches[route] = found
    assert mismatches == {}
