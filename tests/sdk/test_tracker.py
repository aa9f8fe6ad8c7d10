"""``Tracker`` steps through the real stack: into a local store and over HTTP to a server.

Every result is read back through the service (or the server's API), never from the SDK.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.sdk.conftest import file_ref, logged, states
from threadline.client import Client
from threadline.sdk import Dataset, EventRefused, Model, StepRun, Tracker
from threadline.service import LineageService


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def _run(service: LineageService, job: str) -> dict[str, Any]:
    """Return the details of the job's only run."""
    details = service.node_details(job)
    [run] = details["runs"]
    return service.node_details(run["id"])


def test_step_context_manager_records_start_then_complete_with_versioned_datasets(
    local: Tracker, service: LineageService, tmp_path: Path
) -> None:
    raw, clean = tmp_path / "raw.csv", tmp_path / "clean.csv"
    raw.write_text("id,amount\n1,10\n2,20\n")
    with local.step("clean", inputs=[raw], outputs=[clean], kind="transformation") as run:
        clean.write_text("id,amount\n1,10\n")
    assert isinstance(run, StepRun)
    assert states(service, run.run_id) == ["START", "COMPLETE"]
    details = service.node_details(f"run:{run.run_id}")
    assert (details["state"], details["job"]) == ("COMPLETE", "job:sdk:clean")
    assert [i["id"] for i in details["inputs"]] == [file_ref(raw, _md5(raw))]
    assert [o["id"] for o in details["outputs"]] == [file_ref(clean, _md5(clean))]
    assert service.node_details("job:sdk:clean")["kind"] == "transformation"
    written = service.node_details(file_ref(clean))
    assert [(v["version"], v["createdByRun"]) for v in written["versions"]] == [
        (_md5(clean), f"run:{run.run_id}")
    ]
    assert written["facets"]["threadline_contentHash"]["value"] == _md5(clean)


def test_step_hashes_inputs_at_start_and_outputs_at_the_end(
    local: Tracker, service: LineageService, tmp_path: Path
) -> None:
    data = tmp_path / "data.csv"
    data.write_text("before\n")
    before = _md5(data)
    with local.step("rewrite", inputs=[data], outputs=[data]) as run:
        data.write_text("after\n")
    events = [e for e in logged(service) if e["run"]["runId"] == run.run_id]
    start, complete = events
    assert start["inputs"][0]["facets"]["version"]["datasetVersion"] == before
    assert start["outputs"] == []
    assert complete["outputs"][0]["facets"]["version"]["datasetVersion"] == _md5(data)


def test_step_decorator_records_each_call_and_returns_the_result(
    local: Tracker, service: LineageService, tmp_path: Path
) -> None:
    source = tmp_path / "in.txt"
    source.write_text("x")

    @local.step("double", inputs=[source], kind="transformation")
    def double(value: int) -> int:
        """Double a value."""
        return value * 2

    assert (double(2), double(5)) == (4, 10)
    assert (double.__name__, double.__doc__) == ("double", "Double a value.")
    runs = service.node_details("job:sdk:double")["runs"]
    assert [r["state"] for r in runs] == ["COMPLETE", "COMPLETE"]
    for r in runs:
        assert states(service, r["id"].removeprefix("run:")) == ["START", "COMPLETE"]


def test_failing_step_records_fail_with_the_error_and_reraises(
    local: Tracker, service: LineageService
) -> None:
    def load() -> None:
        raise ValueError("column 'amount' is missing")

    with pytest.raises(ValueError, match="column 'amount' is missing"), local.step("load"):
        load()
    run = _run(service, "job:sdk:load")
    assert run["state"] == "FAIL"
    assert states(service, run["id"].removeprefix("run:")) == ["START", "FAIL"]
    error = run["facets"]["errorMessage"]
    assert error["message"] == "ValueError: column 'amount' is missing"
    assert error["programmingLanguage"] == "python"
    trace = error["stackTrace"]
    assert trace.startswith("Traceback (most recent call last):")
    assert "in load" in trace
    assert __file__ in trace
    assert trace.rstrip().endswith("ValueError: column 'amount' is missing")
    assert service.node_details("job:sdk:load")["runs"][0]["error"] == error["message"]


def test_failing_decorated_step_records_fail_and_reraises(
    local: Tracker, service: LineageService
) -> None:
    @local.step("explode")
    def explode() -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError):
        explode()
    run = _run(service, "job:sdk:explode")
    assert (run["state"], run["facets"]["errorMessage"]["message"]) == (
        "FAIL",
        "KeyError: 'boom'",
    )


def test_nested_steps_record_parent_and_root(local: Tracker, service: LineageService) -> None:
    with (
        local.step("pipeline") as outer,
        local.step("stage") as middle,
        local.step("task") as inner,
    ):
        pass
    with local.step("after") as after:
        pass

    def parent_of(run: StepRun) -> dict[str, Any] | None:
        facets = service.node_details(f"run:{run.run_id}")["facets"]
        parent: dict[str, Any] | None = facets.get("parent")
        return parent

    assert parent_of(outer) is None
    assert parent_of(after) is None  # the nesting ended with the steps
    middle_parent, inner_parent = parent_of(middle), parent_of(inner)
    assert middle_parent is not None and inner_parent is not None
    assert (middle_parent["run"]["runId"], middle_parent["job"]["name"]) == (
        outer.run_id,
        "pipeline",
    )
    assert (inner_parent["run"]["runId"], inner_parent["job"]["name"]) == (middle.run_id, "stage")
    assert (inner_parent["root"]["run"]["runId"], inner_parent["root"]["job"]["name"]) == (
        outer.run_id,
        "pipeline",
    )
    projected = {
        job: (service.node_details(job)["parent"], service.node_details(job)["root"])
        for job in ("job:sdk:pipeline", "job:sdk:stage", "job:sdk:task", "job:sdk:after")
    }
    assert projected == {
        "job:sdk:pipeline": (None, None),
        "job:sdk:stage": ("job:sdk:pipeline", "job:sdk:pipeline"),
        "job:sdk:task": ("job:sdk:stage", "job:sdk:pipeline"),
        "job:sdk:after": (None, None),
    }


def test_nested_decorated_steps_are_children_of_the_calling_step(
    local: Tracker, service: LineageService
) -> None:
    @local.step("child")
    def child() -> None:
        pass

    with local.step("parent"):
        child()
    assert service.node_details("job:sdk:child")["parent"] == "job:sdk:parent"


def test_a_refused_start_leaves_no_step_open(local: Tracker, service: LineageService) -> None:
    with local.step("outer") as outer:
        with pytest.raises(EventRefused, match="NUL"), local.step("bad\x00name"):
            pass  # not reached: the START is refused
        with local.step("sibling"):
            pass
    with local.step("later"):
        pass
    assert service.node_details("job:sdk:sibling")["parent"] == "job:sdk:outer"
    assert service.node_details("job:sdk:later")["parent"] is None
    assert states(service, outer.run_id) == ["START", "COMPLETE"]


def test_step_declares_uris_and_added_datasets(
    local: Tracker, service: LineageService, tmp_path: Path
) -> None:
    extra = tmp_path / "extra.csv"
    extra.write_text("e\n")
    with local.step("export", inputs=["s3://lake/raw/orders.parquet"]) as run:
        run.add_input(extra)
        run.add_output(Dataset("warehouse.orders", namespace="postgres://db:5432"))
    details = service.node_details(f"run:{run.run_id}")
    assert sorted(i["id"].split("#")[0] for i in details["inputs"]) == sorted(
        ["dataset:s3://lake:raw/orders.parquet", file_ref(extra)]
    )
    assert [o["id"].split("#")[0] for o in details["outputs"]] == [
        "dataset:postgres://db:5432:warehouse.orders"
    ]


def test_step_rejects_an_unknown_kind(local: Tracker) -> None:
    with pytest.raises(ValueError, match="kind must be one of"):
        local.step("x", kind="magic")


def test_dataframes_record_their_schema_and_a_value_version(
    local: Tracker, service: LineageService
) -> None:
    frame = pd.DataFrame(
        {
            "id": [1, 2],
            "amount": [9.5, 3.25],
            "paid": [True, False],
            "at": pd.to_datetime(["2024-03-01", "2024-03-02"]),
            "customer": ["ana", "bo"],
        }
    )
    with local.step("features", outputs=[Dataset("features", df=frame)]):
        pass
    changed = frame.assign(amount=[1.0, 2.0])
    with local.step("score", inputs=[Dataset("features", df=changed)]):
        pass
    details = service.node_details("dataset:sdk:features")
    text = str(frame["customer"].dtype)  # "object" before pandas 3, "str" from it
    moment = str(frame["at"].dtype)  # datetime64[ns] or [us], by pandas version
    expected = [
        {"name": "id", "type": "int64"},
        {"name": "amount", "type": "float64"},
        {"name": "paid", "type": "bool"},
        {"name": "at", "type": moment},
        {"name": "customer", "type": text},
    ]
    assert moment.startswith("datetime64")
    assert details["facets"]["schema"]["fields"] == expected
    assert details["fields"] == sorted(
        ({**field, "description": None} for field in expected), key=lambda f: f["name"]
    )
    versions = [v["version"] for v in details["versions"]]
    assert len(set(versions)) == 2  # other values, another version


def test_steps_over_http_reach_the_server(
    remote: Tracker, live_server: str, tmp_path: Path
) -> None:
    raw, out = tmp_path / "raw.csv", tmp_path / "out.csv"
    raw.write_text("a\n1\n")
    with remote.step("http.clean", inputs=[raw], outputs=[out]) as run:
        out.write_text("a\n")
    with pytest.raises(RuntimeError), remote.step("http.fail"):
        raise RuntimeError("over the wire")
    assert remote.flush() == 0
    assert not list((tmp_path / "spool").glob("*.json"))  # nothing had to wait
    with Client(live_server) as client:
        details = client.node(f"run:{run.run_id}")
        assert details["state"] == "COMPLETE"
        assert [i["id"] for i in details["inputs"]] == [file_ref(raw, _md5(raw))]
        assert [o["id"] for o in details["outputs"]] == [file_ref(out, _md5(out))]
        [failed] = client.node("job:sdk:http.fail")["runs"]
        error = client.node(failed["id"])["facets"]["errorMessage"]
    assert error["message"] == "RuntimeError: over the wire"
    assert "Traceback" in error["stackTrace"]


def test_tracker_reads_the_model_registry_locally(local: Tracker) -> None:
    assert local.model_registry("never-recorded") is None


def test_dataframes_with_cells_pandas_cannot_hash_still_get_a_version(
    local: Tracker, service: LineageService
) -> None:
    frame = pd.DataFrame({"id": [1, 2], "tags": [["a", "b"], ["c"]]})
    with local.step("tagged", outputs=[Dataset("tags", df=frame)]):
        pass
    [version] = service.node_details("dataset:sdk:tags")["versions"]
    assert len(version["version"]) == 32


def test_a_model_file_versions_the_model_each_time_it_is_used(
    local: Tracker, service: LineageService, tmp_path: Path
) -> None:
    weights = tmp_path / "model.pkl"
    model = Model("churn", path=weights, framework="sklearn")
    weights.write_bytes(b"first fit")
    with local.step("train", outputs=[model], kind="training"):
        pass
    weights.write_bytes(b"second fit")
    with local.step("train", outputs=[model], kind="training"):
        pass
    details = service.node_details("dataset:models:churn")
    assert details["kind"] == "model"
    assert sorted(v["version"] for v in details["versions"]) == sorted(
        [hashlib.md5(b"first fit").hexdigest(), hashlib.md5(b"second fit").hexdigest()]
    )
    assert details["facets"]["threadline_model"]["framework"] == "sklearn"


def test_an_explicit_database_wins_over_threadline_url(
    db_url: str, service: LineageService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THREADLINE_URL", "http://127.0.0.1:9")  # nothing listens there
    with (
        Tracker(db=db_url, namespace="sdk", spool=tmp_path / "spool") as tracker,
        tracker.step("explicit") as run,
    ):
        pass
    assert states(service, run.run_id) == ["START", "COMPLETE"]
    assert not (tmp_path / "spool").exists()
