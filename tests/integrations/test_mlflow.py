"""Real MLflow 3 on a SQLite tracking store, synced into Threadline with ``mlflow sync``.

One store per module: an ``iris`` experiment with two scikit-learn training runs (a logged
pandas dataset with a file source, a LoggedModel each, a metric on the dataset), both
models registered as ``iris-clf`` versions 1 and 2 with ``champion`` on 1; and an
``iris-eda`` experiment with a FAILED run and a RUNNING child run. Each test syncs a copy.
"""

from __future__ import annotations

import shutil
import sqlite3
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow
import orjson
import pytest
from mlflow import MlflowClient
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from typer.testing import CliRunner

from threadline.cli.main import app
from threadline.integrations.mlflow import Count, read, read_store, sync
from threadline.integrations.mlflow.entities import DatasetInput
from threadline.integrations.mlflow.naming import dataset_identity, run_uuid
from threadline.integrations.mlflow.tracking import identity, redact
from threadline.queries.options import QueryOptions
from threadline.sdk import Tracker
from threadline.service import LineageService
from threadline.store import Store

pytestmark = pytest.mark.integration

EXPERIMENT = "iris"
MODEL = "iris-clf"
COMMIT = "0123456789abcdef0123456789abcdef01234567"
REPO = "https://github.com/example/iris.git"


@dataclass(frozen=True)
class Trained:
    """The module's MLflow store and what was logged into it."""

    db: Path
    data: Path
    digest: str
    runs: tuple[str, ...]
    models: tuple[str, ...]
    failed: str
    running: str


def _quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.setenv("DO_NOT_TRACK", "true")


@pytest.fixture(autouse=True)
def quiet_mlflow(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep MLflow from reporting telemetry while tests read it."""
    _quiet(monkeypatch)


def _train(root: Path, experiment_id: str, csv: Path, c: float) -> tuple[str, str, str]:
    frame = load_iris(as_frame=True).frame.astype({"target": "float64"})
    frame.to_csv(csv, index=False)
    features, target = frame.drop(columns="target"), frame["target"]
    tags = {"mlflow.source.git.commit": COMMIT, "mlflow.source.git.repoURL": REPO}
    with mlflow.start_run(experiment_id=experiment_id, tags={**tags, "team": "risk"}) as run:
        mlflow.log_param("C", c)
        dataset = mlflow.data.from_pandas(frame, source=str(csv), name="iris", targets="target")
        mlflow.log_input(dataset, context="training")
        model = LogisticRegression(C=c, max_iter=500).fit(features, target)
        info = mlflow.sklearn.log_model(model, name="model", pip_requirements=["scikit-learn"])
        score = model.score(features, target)
        mlflow.log_metric("accuracy", score, dataset=dataset, model_id=info.model_id)
    return run.info.run_id, info.model_id, dataset.digest


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trained]:
    """Train, log and register two models in a fresh MLflow store."""
    root = tmp_path_factory.mktemp("mlflow")
    with pytest.MonkeyPatch.context() as monkeypatch, warnings.catch_warnings():
        _quiet(monkeypatch)
        monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{root / 'mlflow.db'}")
        # MLflow resolves a local path source to two identical source classes and says so.
        warnings.filterwarnings("ignore", "The specified dataset source can be interpreted")
        # Importing ``mlflow.pyfunc`` (to log a model) warns about MLflow's own type hints.
        warnings.filterwarnings("ignore", ".*Any type hint is inferred as AnyType", UserWarning)
        client = MlflowClient()
        experiment = client.create_experiment(EXPERIMENT, (root / "artifacts").as_uri())
        csv = root / "iris.csv"
        runs = [_train(root, experiment, csv, c) for c in (0.5, 1.0)]
        for _run, model_id, _digest in runs:
            mlflow.register_model(f"models:/{model_id}", MODEL)
        client.set_registered_model_alias(MODEL, "champion", "1")
        eda = client.create_experiment("iris-eda", (root / "eda").as_uri())
        failed = client.create_run(eda, tags={"mlflow.runName": "explore"}).info.run_id
        client.set_terminated(failed, "FAILED")
        running = client.create_run(eda, tags={"mlflow.parentRunId": failed}).info.run_id
        yield Trained(
            db=root / "mlflow.db",
            data=csv,
            digest=runs[0][2],
            runs=tuple(r for r, _m, _d in runs),
            models=tuple(m for _r, m, _d in runs),
            failed=failed,
            running=running,
        )


@pytest.fixture
def tracking_uri(trained: Trained, tmp_path: Path) -> str:
    """A copy of the module's MLflow store, for a test to change."""
    copy = tmp_path / "mlflow.db"
    shutil.copy(trained.db, copy)
    return f"sqlite:///{copy}"


def _sync(tracking_uri: str, db_url: str, at: str | None = None) -> Any:
    tracker = Tracker(db=db_url)
    try:
        return sync(tracking_uri, tracker, at=at)
    finally:
        tracker.close()


def _uuid(run_id: str) -> str:
    return f"{run_id[:8]}-{run_id[8:12]}-{run_id[12:16]}-{run_id[16:20]}-{run_id[20:]}"


def _ids(items: list[dict[str, Any]]) -> list[str]:
    return sorted(item["id"] for item in items)


def test_sync_records_runs_with_their_inputs_and_models(
    trained: Trained, tracking_uri: str, db_url: str, service: LineageService
) -> None:
    report = _sync(tracking_uri, db_url)
    assert (report.runs, report.datasets, report.models, report.versions) == (
        Count(4, 4),
        Count(1, 1),
        Count(2, 2),
        Count(2, 2),
    )
    assert (report.alias_changes, report.stage_changes) == (1, 0)
    data = f"dataset:file:{trained.data}#{trained.digest}"
    for run_id, model_id in zip(trained.runs, trained.models, strict=True):
        run = service.node_details(f"run:{_uuid(run_id)}")
        assert (run["job"], run["state"]) == ("job:mlflow:iris", "COMPLETE")
        assert _ids(run["inputs"]) == [data]
        assert _ids(run["outputs"]) == [f"dataset:mlflow-models:iris/model#{model_id}"]
        mlflow_facet = run["facets"]["threadline_mlflow"]
        assert (mlflow_facet["runId"], mlflow_facet["gitCommit"]) == (run_id, COMMIT)
        assert mlflow_facet["tags"]["team"] == "risk"
        assert run["inputs"][0]["facets"]["threadline_mlflowInput"]["context"] == "training"
        location = run["jobFacets"]["sourceCodeLocation"]
        assert (location["type"], location["url"], location["version"]) == ("git", REPO, COMMIT)
    assert service.node_details(f"run:{_uuid(trained.failed)}")["state"] == "FAIL"
    running = service.node_details(f"run:{_uuid(trained.running)}")
    assert running["state"] == "START"
    assert running["facets"]["parent"]["run"]["runId"] == _uuid(trained.failed)
    model = service.node_details(f"dataset:mlflow-models:iris/model#{trained.models[0]}")
    assert model["createdByRun"] == f"run:{_uuid(trained.runs[0])}"
    assert model["facets"]["threadline_model"]["flavor"] == "sklearn"
    assert set(model["facets"]["threadline_model"]["metrics"]) == {
        f"accuracy@iris#{trained.digest}"
    }


def test_sync_records_versions_registered_from_logged_models(
    trained: Trained, tracking_uri: str, db_url: str, service: LineageService
) -> None:
    _sync(tracking_uri, db_url)
    registry = service.model_registry(MODEL)
    assert [v["version"] for v in registry["versions"]] == ["1", "2"]
    assert registry["aliases"] == {"champion": "1"}
    for version, model_id in (("1", trained.models[0]), ("2", trained.models[1])):
        upstream = _upstream(service, f"dataset:models:{MODEL}#{version}", depth=2)
        assert upstream == {
            f"dataset:models:{MODEL}#{version}": 0,
            f"job:mlflow:register.{MODEL}": 1,
            f"dataset:mlflow-models:iris/model#{model_id}": 2,
        }


def _upstream(service: LineageService, ref: str, *, depth: int) -> dict[str, int]:
    service.index.refresh()
    options = QueryOptions.parse(direction="upstream", granularity="version", depth=depth)
    found = service.lineage(ref, options)
    return {
        (f"job:{n.namespace}:{n.name}" if n.type == "run" else n.id): n.depth for n in found.nodes
    }


def test_sync_keeps_alias_history_stages_and_adds_nothing_twice(
    trained: Trained, tracking_uri: str, db_url: str, service: LineageService, store: Store
) -> None:
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    _sync(tracking_uri, db_url, at="2030-01-01T00:00:00+00:00")
    head = store.head_seq()
    again = _sync(tracking_uri, db_url)
    assert store.head_seq() == head
    assert (again.runs, again.versions, again.alias_changes) == (Count(4, 0), Count(2, 0), 0)
    client.set_registered_model_alias(MODEL, "champion", "2")
    moved = _sync(tracking_uri, db_url, at="2030-01-02T00:00:00+00:00")
    assert (moved.alias_changes, moved.events - again.events) == (2, 2)
    registry = service.model_registry(MODEL)
    assert registry["aliases"] == {"champion": "2"}
    aliases = [(c["type"], c["version"], c["at"]) for c in registry["history"] if c["label"]]
    assert aliases == [
        ("alias_set", "1", "2030-01-01T00:00:00.000000Z"),
        ("alias_removed", "1", "2030-01-02T00:00:00.000000Z"),
        ("alias_set", "2", "2030-01-02T00:00:00.000000Z"),
    ]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", ".*transition_model_version_stage", FutureWarning)
        client.transition_model_version_stage(MODEL, "2", "Production")
    staged = _sync(tracking_uri, db_url)
    assert staged.stage_changes == 1
    assert service.model_registry(MODEL)["stages"] == {"2": "Production"}
    head = store.head_seq()
    _sync(tracking_uri, db_url)
    assert store.head_seq() == head
    reach = _upstream(service, f"dataset:models:{MODEL}#2", depth=4)
    assert reach[f"dataset:file:{trained.data}#{trained.digest}"] == 4
    assert reach[f"job:mlflow:{EXPERIMENT}"] == 3


def test_reading_pages_through_every_search(
    tracking_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = read_store(tracking_uri)
    monkeypatch.setattr(read, "PAGE", 1)
    monkeypatch.setattr(read, "MODELS_PAGE", 1)
    assert read_store(tracking_uri) == whole
    assert (len(whole.runs), len(whole.models), len(whole.registered[0].versions)) == (4, 2, 2)


def test_sync_cli_prints_a_summary_and_adds_nothing_twice(
    tracking_uri: str, db_url: str, store: Store
) -> None:
    command = ["mlflow", "sync", "--tracking-uri", tracking_uri, "--db", db_url]
    first = CliRunner().invoke(app, command)
    assert first.exit_code == 0, first.output
    assert "runs: 4 (4 new)" in first.output
    assert "model versions: 2 (2 new)" in first.output
    head = store.head_seq()
    second = CliRunner().invoke(app, command)
    assert second.exit_code == 0, second.output
    assert "runs: 4 (0 new)" in second.output
    assert "alias changes: 0, stage changes: 0" in second.output
    assert store.head_seq() == head


def _foreign_sqlite(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")


def _old_schema(path: Path, trained: Trained) -> None:
    shutil.copy(trained.db, path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'bf29a5ff90ea'")


BAD_STORES = {
    "missing": (None, "does not exist"),
    "empty": (lambda p, _t: p.write_bytes(b""), "is empty, not an MLflow database"),
    "text": (lambda p, _t: p.write_text("hello"), "not an MLflow database (not a SQLite file)"),
    "foreign": (lambda p, _t: _foreign_sqlite(p), "not an MLflow database (no table"),
    "old": (_old_schema, "MLflow schema version bf29a5ff90ea is not the one"),
    "directory": (lambda p, _t: p.mkdir(), "MLflow file stores (mlruns) are not supported"),
}


@pytest.mark.parametrize("case", sorted(BAD_STORES))
def test_sync_refuses_a_bad_tracking_uri_and_writes_nothing(
    case: str, trained: Trained, tmp_path: Path, db_url: str, store: Store
) -> None:
    make, message = BAD_STORES[case]
    path = tmp_path / "store.db"
    if make is not None:
        make(path, trained)
    before = path.read_bytes() if path.is_file() else None
    result = CliRunner().invoke(
        app, ["mlflow", "sync", "--tracking-uri", f"sqlite:///{path}", "--db", db_url]
    )
    assert result.exit_code == 1
    said = " ".join(result.output.split())  # the console wraps long lines
    assert "nothing synced" in said and message in said
    assert store.head_seq() == 0
    assert (path.read_bytes() if path.is_file() else None) == before


def test_sync_cli_sends_to_a_server_and_adds_nothing_twice(
    tracking_uri: str,
    live_server: str,
    store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # the SDK's spool directory lives in the working directory
    command = ["mlflow", "sync", "--tracking-uri", tracking_uri, "--url", live_server]
    first = CliRunner().invoke(app, command)
    assert first.exit_code == 0, first.output
    assert "runs: 4 (4 new)" in first.output
    head = store.head_seq()
    second = CliRunner().invoke(app, [*command, "--json"])
    assert second.exit_code == 0, second.output
    report = orjson.loads(second.output)
    assert (report["runs"], report["alias_changes"], report["spooled"]) == (
        {"total": 4, "new": 0},
        0,
        0,
    )
    assert store.head_seq() == head


@pytest.mark.parametrize(
    ("source", "identity"),
    [
        ('{"uri": "/data/iris.csv"}', ("file", "/data/iris.csv")),
        ('{"uri": "file:///data/iris.csv"}', ("file", "/data/iris.csv")),
        ('{"uri": "s3://bucket/raw/iris.csv"}', ("s3://bucket", "raw/iris.csv")),
        ('{"url": "https://example.com/iris.csv"}', ("https://example.com", "iris.csv")),
        ('{"path": "data/iris.csv"}', ("mlflow-datasets", "iris")),
        ('{"tags": {"mlflow.source.name": "train.py"}}', ("mlflow-datasets", "iris")),
        ("not json", ("mlflow-datasets", "iris")),
    ],
)
def test_dataset_identity_follows_openlineage_naming(
    source: str, identity: tuple[str, str]
) -> None:
    dataset = DatasetInput(name="iris", digest="0cba3c50", source_type="", source=source)
    assert dataset_identity(dataset) == identity


def test_tracking_uris_are_redacted_and_run_ids_kept() -> None:
    assert redact("postgresql://ml:secret@db:5432/mlflow") == "postgresql://ml:***@db:5432/mlflow"
    assert redact("sqlite:///mlflow.db") == "sqlite:///mlflow.db"
    assert identity("postgresql+psycopg://ml:secret@db:5432/mlflow?sslmode=require") == (
        "postgresql://db:5432/mlflow"
    )
    assert identity("sqlite:////data/mlflow.db") == "sqlite:////data/mlflow.db"
    assert run_uuid("0617d2f18b124367a3568034225df153") == "0617d2f1-8b12-4367-a356-8034225df153"
    assert run_uuid("not-hex") == run_uuid("not-hex") != run_uuid("not-hex2")
