"""Run the NEPSE demo end to end into a fresh work directory and a Threadline store.

1. The SDK records the raw prices arriving (March carries a unit error nobody noticed).
2. ``dvc repro`` runs the pipeline; training logs to MLflow and registers ``nepse-price``.
3. Threadline imports the DVC pipeline and syncs MLflow; the SDK records validation and
   promotion (alias ``champion``), the deployment and batch and per-request predictions.
4. March's raw prices are corrected, and everything runs again: version 2 is promoted.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from threadline.demo.nepse import prices
from threadline.sdk import Dataset, Model, PredictionLogger, Tracker
from threadline.sdk.predictions import predictions_dataset

MODEL = "nepse-price"
ENDPOINT = "nepse-price-api"
MARKER = ".threadline-demo"
Say = Callable[[str], None]


@dataclass
class Round:
    """What one pass of the pipeline produced."""

    model_version: str
    march_version: str
    predictions: str
    started_us: int


@dataclass
class DemoResult:
    """Where the demo put things and what it recorded."""

    workdir: Path
    database_url: str
    rounds: list[Round] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def march_file(self) -> Path:
        """Return the raw March file (the data that was wrong, then fixed)."""
        return self.workdir / "data" / "raw" / "prices-2023-03.csv"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(
        {
            "DVC_NO_ANALYTICS": "1",
            "GIT_TERMINAL_PROMPT": "0",
            "PYTHONWARNINGS": "ignore",
            "MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING": "false",
            "DO_NOT_TRACK": "1",
            "MLFLOW_DISABLE_TELEMETRY": "true",
            "DVC_IGNORE_IN_REPO_CONFIG": "0",
        }
    )
    return env


def _sh(workdir: Path, *command: str) -> str:
    done = subprocess.run(
        command, cwd=workdir, env=_env(), capture_output=True, text=True, check=False, timeout=600
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        )
    return done.stdout


def prepare(workdir: Path) -> None:
    """Create a fresh git + DVC repository holding the pipeline (replacing an old demo)."""
    if workdir.exists():
        if not (workdir / MARKER).exists():
            raise RuntimeError(
                f"{workdir} exists and is not a Threadline demo; choose another --workdir"
            )
        shutil.rmtree(workdir)
    (workdir / "pipeline").mkdir(parents=True)
    (workdir / MARKER).write_text("created by `threadline demo`\n")
    source = resources.files("threadline.demo.nepse") / "pipeline"
    for name in ("clean.py", "features.py", "train.py", "validate.py"):
        (workdir / "pipeline" / name).write_text(source.joinpath(name).read_text())
    for name in ("params.yaml", "dvc.yaml"):
        (workdir / name).write_text(source.joinpath(name).read_text())
    (workdir / ".gitignore").write_text("mlflow.db\nmlruns/\n.threadline/\n*.db\n")
    _sh(workdir, "git", "init", "-q", "-b", "main")
    _sh(workdir, "git", "config", "user.email", "analyst@nepse-demo.invalid")
    _sh(workdir, "git", "config", "user.name", "NEPSE analyst")
    _sh(workdir, "dvc", "init", "-q")
    _sh(workdir, "dvc", "config", "core.analytics", "false")
    _sh(workdir, "git", "add", "-A")
    _sh(workdir, "git", "commit", "-q", "-m", "NEPSE price pipeline")


def ingest(tracker: Tracker, workdir: Path, *, correction: bool) -> None:
    """Record the raw monthly price files arriving (or March's correction)."""
    raw = workdir / "data" / "raw"
    feed = Dataset("daily-prices", namespace="https://www.nepalstock.com")
    months = [3] if correction else list(range(1, 7))
    outputs = [raw / f"prices-2023-{m:02d}.csv" for m in months]
    name = "ingest.march_correction" if correction else "ingest.daily_prices"
    with tracker.step(name, inputs=[feed], outputs=outputs, kind="ingestion"):
        if correction:
            prices.write_month(raw, 3, corrected=True)
        else:
            prices.write_all(raw)


def promote(tracker: Tracker, workdir: Path, version: str) -> bool:
    """Record validation of the new model version and, if it passed, make it champion."""
    from mlflow import MlflowClient

    from threadline.facets import facet

    report = json.loads((workdir / "reports" / "validation.json").read_text())
    model = Model(MODEL, version=version)
    with tracker.step(
        "validate.champion",
        inputs=[model, workdir / "reports" / "validation.json"],
        kind="validation",
    ) as step:
        step.facet(
            "threadline_validation",
            facet(
                "threadline_validation",
                passed=report["passed"],
                metrics=report["metrics"],
                thresholds=report["thresholds"],
            ),
        )
    if report["passed"]:
        client = MlflowClient(tracking_uri=f"sqlite:///{workdir / 'mlflow.db'}")
        client.set_registered_model_alias(MODEL, "champion", version)
    return bool(report["passed"])


def deploy_and_score(tracker: Tracker, workdir: Path, version: str, batch: int) -> str:
    """Record the deployment, a batch scoring run and a few served requests."""
    import joblib
    import pandas as pd

    model = Model(MODEL, version=version)
    endpoint = Dataset(
        ENDPOINT,
        namespace="endpoints",
        facets={
            "threadline_endpoint": {
                "_producer": tracker.producer,
                "_schemaURL": "https://threadline.dev/spec/facets/1-0-0/ThreadlineEndpointDatasetFacet.json",
                "environment": "production",
                "url": "http://127.0.0.1:8000/predict",
                "platform": "fastapi",
            }
        },
    )
    with tracker.step("deploy.production", inputs=[model], outputs=[endpoint], kind="deployment"):
        pass
    saved = joblib.load(workdir / "models" / "model.pkl")
    features = pd.read_csv(workdir / "data" / "features.csv")
    latest = features[features["date"] == features["date"].max()]
    out = workdir / "data" / "predictions" / f"batch-{batch}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    output = predictions_dataset(out, len(latest))
    with tracker.step(
        "score.daily",
        inputs=[model, workdir / "data" / "features.csv"],
        outputs=[output],
        kind="scoring",
    ):
        scored = latest[["date", "symbol"]].assign(
            predicted_return=saved["model"].predict(latest[saved["columns"]])
        )
        scored.to_csv(out, index=False)
    logger = PredictionLogger(tracker, model=model, endpoint=ENDPOINT, batch_size=1000)
    for _, row in latest.iterrows():
        request = {"symbol": row["symbol"], **{c: float(row[c]) for c in saved["columns"]}}
        logger.log(request, float(saved["model"].predict(latest.loc[[_], saved["columns"]])[0]))
    logger.close()
    return f"dataset:file:{out}"


def _pipeline_round(tracker: Tracker, result: DemoResult, batch: int, say: Say) -> None:
    from threadline.integrations.dvc import plan_import, run_import
    from threadline.integrations.mlflow import sync
    from threadline.sdk.hashing import content_hash
    from threadline.times import now_us

    workdir, started = result.workdir, now_us()
    _timed(result, f"dvc repro {batch}", lambda: _sh(workdir, "dvc", "repro", "-q"))
    _sh(workdir, "git", "add", "-A")
    _sh(workdir, "git", "commit", "-q", "-m", f"pipeline run {batch}")
    _timed(
        result,
        f"dvc import {batch}",
        lambda: run_import(plan_import(workdir, namespace="nepse"), tracker),
    )
    version = json.loads((workdir / "models" / "registered.json").read_text())["version"]
    _timed(
        result, f"mlflow sync {batch}", lambda: sync(f"sqlite:///{workdir / 'mlflow.db'}", tracker)
    )
    passed = promote(tracker, workdir, str(version))
    _timed(
        result,
        f"mlflow sync {batch} (alias)",
        lambda: sync(f"sqlite:///{workdir / 'mlflow.db'}", tracker),
    )
    predictions = deploy_and_score(tracker, workdir, str(version), batch)
    result.rounds.append(
        Round(str(version), content_hash(result.march_file).value, predictions, started)
    )
    say(
        f"round {batch}: model {MODEL} version {version} "
        f"({'promoted to champion' if passed else 'failed validation'})"
    )


def _timed(result: DemoResult, name: str, action: Callable[[], Any]) -> Any:
    start = time.monotonic()
    value = action()
    result.timings[name] = time.monotonic() - start
    return value


def run(workdir: Path, database_url: str, say: Say = print) -> DemoResult:
    """Run both rounds of the demo; return what it recorded."""
    result = DemoResult(workdir.resolve(), database_url)
    _timed(result, "prepare", lambda: prepare(result.workdir))
    tracker = Tracker(db=database_url, namespace="nepse", spool=result.workdir / ".threadline")
    try:
        ingest(tracker, result.workdir, correction=False)
        _sh(result.workdir, "git", "add", "-A")
        _sh(result.workdir, "git", "commit", "-q", "-m", "raw prices January to June 2023")
        _pipeline_round(tracker, result, 1, say)
        say("March's raw prices had NICA in paisa for a week: correcting and re-running")
        ingest(tracker, result.workdir, correction=True)
        _pipeline_round(tracker, result, 2, say)
    finally:
        tracker.close()
    return result
