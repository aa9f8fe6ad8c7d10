"""The main job: ``threadline demo`` runs the NEPSE pipeline and the questions it prints are right.

The demo is run once, as a user runs it (real git, DVC, MLflow and scikit-learn). Each
question is then answered by running the very command the demo printed, and the answer is
checked against facts read independently: the database's own tables (what was created
before the fix) and the files in the demo's repository (their MD5 is their version).
"""

from __future__ import annotations

import hashlib
import itertools
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import create_engine, select
from typer.testing import CliRunner

from threadline.cli.main import app
from threadline.store.tables import dataset_versions, datasets, jobs, runs

pytestmark = [pytest.mark.slow, pytest.mark.integration]


@dataclass
class Demo:
    """A finished demo: where it ran, what it printed, the commands it proposed."""

    workdir: Path
    database_url: str
    output: str
    commands: dict[str, list[str]]

    def ask(self, key: str, *, json: bool = True) -> Any:
        """Run the printed command for the question starting with ``key``."""
        args = self.commands[key][1:] + (["--json"] if json else [])
        result = CliRunner().invoke(app, args, env={"THREADLINE_DATABASE_URL": self.database_url})
        assert result.exit_code == 0, result.output
        return orjson.loads(result.stdout) if json else result.stdout


def _commands(output: str) -> dict[str, list[str]]:
    """Map each printed question (its first words) to the command printed under it."""
    lines = output.splitlines()
    found: dict[str, list[str]] = {}
    for question, command in itertools.pairwise(lines):
        if command.startswith("  threadline "):
            found[question] = shlex.split(command)
    return found


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """Run ``threadline demo --no-serve`` once for the module."""
    workdir = tmp_path_factory.mktemp("nepse") / "threadline-demo"
    result = CliRunner().invoke(app, ["demo", "--no-serve", "--workdir", str(workdir)])
    assert result.exit_code == 0, result.output
    database_url = f"sqlite:///{workdir.resolve() / 'threadline.db'}"
    assert f"export THREADLINE_DATABASE_URL={database_url}" in result.stdout
    return Demo(workdir, database_url, result.stdout, _commands(result.stdout))


def _question(demo: Demo, start: str) -> str:
    matches = [q for q in demo.commands if q.startswith(start)]
    assert len(matches) == 1, (start, list(demo.commands))
    return matches[0]


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def _built(demo: Demo, *, before_fix: bool) -> dict[str, set[str]]:
    """Read from the tables which model, endpoint and prediction versions came before the fix."""
    engine = create_engine(demo.database_url)
    v, d, r, j = dataset_versions.c, datasets.c, runs.c, jobs.c
    with engine.connect() as conn:
        fix = conn.execute(
            select(r.start_us)
            .join(jobs, j.id == r.job_id)
            .where(j.name == "ingest.march_correction")
        ).scalar_one()
        rows = conn.execute(
            select(d.namespace, d.name, d.kind, v.version, v.created_us)
            .join(datasets, d.id == v.dataset_id)
            .where(d.kind.in_(["model", "endpoint", "predictions"]))
        ).all()
    engine.dispose()
    groups: dict[str, set[str]] = {"models": set(), "deployments": set(), "predictions": set()}
    for row in rows:
        if (row.created_us < fix) == before_fix:
            group = {"model": "models", "endpoint": "deployments"}.get(row.kind, "predictions")
            groups[group].add(f"dataset:{row.namespace}:{row.name}#{row.version}")
    return groups


def _ids(answer: dict[str, Any]) -> dict[str, set[str]]:
    return {g: {e["id"] for e in answer[g]} for g in ("models", "deployments", "predictions")}


def test_demo_prints_its_questions_with_commands(demo: Demo) -> None:
    assert "round 1: model nepse-price version 1 (promoted to champion)" in demo.output
    assert "round 2: model nepse-price version 2 (promoted to champion)" in demo.output
    assert len(demo.commands) == 9
    asked = sorted({tuple(c[1:3]) if c[1] == "model" else (c[1],) for c in demo.commands.values()})
    assert asked == [
        ("affected",),
        ("audit",),
        ("diff",),
        ("model", "check"),
        ("model", "lineage"),
        ("model", "registry"),
        ("upstream",),
    ]


def test_demo_affected_by_bad_march_data_is_exactly_what_was_built_before_the_fix(
    demo: Demo,
) -> None:
    answer = demo.ask(_question(demo, "March's raw prices were wrong"))
    expected = _built(demo, before_fix=True)
    assert all(expected.values())  # a model, a deployment and predictions came before
    assert _ids(answer) == expected


def test_demo_corrected_march_data_touches_only_what_came_after_the_fix(demo: Demo) -> None:
    question = _question(demo, "And on the corrected March file")
    assert demo.commands[question][3:5] == ["--version", _md5(demo.workdir / _march())]
    answer = demo.ask(question)
    assert _ids(answer) == _built(demo, before_fix=False)


def _march() -> str:
    return "data/raw/prices-2023-03.csv"


def test_demo_model_lineage_of_the_champion_shows_the_whole_chain(demo: Demo) -> None:
    answer = demo.ask(_question(demo, "What trained the model in production"))
    assert (answer["model"], answer["version"], answer["alias"]) == (
        "dataset:models:nepse-price",
        "2",
        "champion",
    )
    training = answer["training"]
    assert training["job"] == "job:mlflow:nepse-price"
    assert training["kind"] == "training"
    assert set(training["params"]) == {"alpha", "features", "split_date"}
    assert set(training["metrics"]) >= {"mae", "rmse"}
    commits = subprocess.run(
        ["git", "log", "--format=%H"], cwd=demo.workdir, capture_output=True, text=True, check=True
    ).stdout.split()
    assert training["code"]["commit"] in commits
    features = demo.workdir.resolve() / "data" / "features.csv"
    assert [d["id"] for d in answer["trainingData"]] == [
        f"dataset:file:{features}#{_md5(features)}"
    ]
    march = demo.workdir.resolve() / _march()
    raw = {d["id"] for d in answer["rawSources"]}
    assert f"dataset:file:{march}#{_md5(march)}" in raw  # the corrected file, by its hash
    assert [v["results"]["passed"] for v in answer["validations"]] == [True]
    moves = [(h["type"], h["version"], h["label"]) for h in answer["registry"]["history"]]
    assert moves.index(("alias_set", "1", "champion")) < moves.index(("alias_set", "2", "champion"))
    assert ("alias_removed", "1", "champion") in moves
    assert [d["environment"] for d in answer["deployments"]] == ["production"]
    assert len(answer["predictions"]) == 2  # the batch and the served requests


def test_demo_first_model_trained_on_the_bad_march_file(demo: Demo) -> None:
    answer = demo.ask(_question(demo, "What did the first model version train on"))
    assert answer["version"] == "1"
    bad = demo.commands[_question(demo, "March's raw prices were wrong")][4]
    march_versions = [d["id"] for d in answer["rawSources"] if d["id"].endswith(".csv#" + bad)]
    assert len(march_versions) == 1


def test_demo_prediction_traces_back_to_the_raw_files_by_hash(demo: Demo) -> None:
    answer = demo.ask(_question(demo, "Where did the first batch of predictions come from"))
    ids = {n["id"] for n in answer["nodes"]}
    assert "dataset:models:nepse-price#1" in ids
    bad = demo.commands[_question(demo, "March's raw prices were wrong")][4]
    march = demo.workdir.resolve() / _march()
    assert f"dataset:file:{march}#{bad}" in ids
    assert f"dataset:file:{march}#{_md5(march)}" not in ids  # the fix came later


def test_demo_models_are_reproducible_and_the_record_verifies(demo: Demo) -> None:
    answers = demo.ask(_question(demo, "Can every model version be rebuilt"))
    assert [a["reproducible"] for a in answers] == [True] * len(answers)
    verified = demo.ask(_question(demo, "Has anyone altered the record"), json=False)
    assert verified.startswith("ok: ")


def test_demo_diff_since_the_fix_shows_the_second_model_version_only(demo: Demo) -> None:
    answer = demo.ask(_question(demo, "What changed in the lineage with the fix"))
    created = {f"{v['dataset']}#{v['version']}" for v in answer["versionsCreated"]}
    assert "dataset:models:nepse-price#2" in created
    assert "dataset:models:nepse-price#1" not in created


def test_demo_refuses_to_replace_a_directory_it_did_not_create(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    result = CliRunner().invoke(app, ["demo", "--no-serve", "--workdir", str(tmp_path)])
    assert result.exit_code == 1
    assert "is not a Threadline demo" in result.stderr
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_demo_audit_report_page_is_written_for_the_champion(demo: Demo, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    result = CliRunner().invoke(
        app,
        ["audit", "report", "nepse-price@champion", "--html", str(page)],
        env={"THREADLINE_DATABASE_URL": demo.database_url},
    )
    assert result.exit_code == 0, result.output
    text = page.read_text()
    assert "Audit report: dataset:models:nepse-price version 2" in text
    assert "job:mlflow:nepse-price" in text
