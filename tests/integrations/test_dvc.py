"""`threadline dvc import` on real DVC repositories made by real DVC in temporary git repos.

The pipeline: ``prepare`` (data/raw.csv -> data/clean.csv), ``featurize`` (-> the directory
data/features/) and ``train`` (-> models/model.pkl, with params), plus a ``report`` stage
that is never run. One repository is built per session and copied for each test.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.conftest import free_port
from threadline.cli.main import app
from threadline.queries.options import QueryOptions
from threadline.sdk import Tracker, content_hash
from threadline.service import LineageService
from threadline.store import Store
from threadline.store.tables import (
    dataset_versions,
    datasets,
    job_facets,
    job_versions,
    jobs,
    run_facets,
    run_io,
    runs,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REMOTE = "https://git.example.com/shop/pipeline.git"
SCRIPTS = {
    "src/prepare.py": """\
import pathlib, sys
rows = pathlib.Path(sys.argv[1]).read_text().splitlines()
pathlib.Path(sys.argv[2]).write_text("\\n".join(r.upper() for r in rows) + "\\n")
""",
    "src/featurize.py": """\
import pathlib, sys
text = pathlib.Path(sys.argv[1]).read_text()
out = pathlib.Path(sys.argv[2])
(out / "extra").mkdir(parents=True, exist_ok=True)
(out / "features.csv").write_text(text)
(out / "extra" / "lengths.txt").write_text(",".join(str(len(r)) for r in text.splitlines()))
""",
    "src/train.py": """\
import pathlib, pickle, sys
names = sorted(p.relative_to(sys.argv[1]).as_posix() for p in pathlib.Path(sys.argv[1]).rglob("*"))
pathlib.Path(sys.argv[2]).parent.mkdir(parents=True, exist_ok=True)
pathlib.Path(sys.argv[2]).write_bytes(pickle.dumps(names, protocol=4))
""",
    "params.yaml": "train:\n  seed: 7\n  lr: 0.1\n",
    "data/raw.csv": "id,amount\n1,5\n2,7\n",
    "dvc.yaml": """\
stages:
  prepare:
    cmd: python src/prepare.py data/raw.csv data/clean.csv
    deps: [src/prepare.py, data/raw.csv]
    outs: [data/clean.csv]
  featurize:
    cmd: python src/featurize.py data/clean.csv data/features
    deps: [src/featurize.py, data/clean.csv]
    outs: [data/features]
  train:
    cmd: python src/train.py data/features models/model.pkl
    deps: [src/train.py, data/features]
    params: [train.seed, train.lr]
    outs: [models/model.pkl]
  report:
    cmd: python -c "print('report')"
    deps: [models/model.pkl]
""",
}
STAGES = ("prepare", "featurize", "train")


def _env(tmp: Path) -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    return {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "DVC_NO_ANALYTICS": "1",
        "DVC_SITE_CACHE_DIR": str(tmp / "dvc-site-cache"),
    }


def sh(repo: Path, *args: str) -> str:
    """Run a command in the repository; fail the test with its output if it fails."""
    done = subprocess.run(
        list(args), cwd=repo, env=_env(repo.parent), capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"{args}: {done.stdout}{done.stderr}"
    return done.stdout.strip()


def dvc(repo: Path, *args: str) -> str:
    """Run real DVC (the installed one) in the repository."""
    return sh(repo, sys.executable, "-m", "dvc", *args)


def commit(repo: Path, message: str) -> str:
    """Commit everything; return the new HEAD."""
    sh(repo, "git", "add", "-A")
    sh(repo, "git", "commit", "-q", "-m", message)
    return sh(repo, "git", "rev-parse", "HEAD")


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git + DVC repository whose pipeline ran (dvc repro) and was committed."""
    repo = tmp_path_factory.mktemp("dvc") / "repo"
    repo.mkdir()
    sh(repo, "git", "init", "-q")
    sh(repo, "git", "config", "user.email", "dvc@example.com")
    sh(repo, "git", "config", "user.name", "DVC Test")
    sh(repo, "git", "remote", "add", "origin", REMOTE)
    dvc(repo, "init", "-q")
    dvc(repo, "config", "core.analytics", "false")
    for name, text in SCRIPTS.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    dvc(repo, "repro", "train")
    commit(repo, "pipeline")
    return repo


@pytest.fixture
def repo(template: Path, tmp_path: Path) -> Path:
    """A private copy of the template repository."""
    copy = tmp_path / "work" / "repo"
    shutil.copytree(template, copy, symlinks=True)
    return copy


def dvc_import(repo: Path | str, db_url: str, *more: str) -> Result:
    """Run ``threadline dvc import`` on a repository."""
    return CliRunner().invoke(app, ["dvc", "import", str(repo), "--db", db_url, *more])


def imported(repo: Path, db_url: str) -> str:
    """Import, requiring success; return the output with whitespace normalised."""
    result = dvc_import(repo, db_url)
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def lock_versions(repo: Path, wdirs: dict[str, str] | None = None) -> set[tuple[str, str]]:
    """Return (absolute path, md5) of every dep and out in dvc.lock."""
    lock = yaml.safe_load((repo / "dvc.lock").read_text())
    return {
        (str((repo / (wdirs or {}).get(stage, ".") / item["path"]).resolve()), item["md5"])
        for stage, entry in lock["stages"].items()
        for key in ("deps", "outs")
        for item in entry.get(key, [])
    }


def stored_versions(store: Store) -> set[tuple[str, str]]:
    """Return (dataset name, version) of every stored dataset version."""
    d, v = datasets.c, dataset_versions.c
    query = select(d.name, v.version).join(datasets, d.id == v.dataset_id)
    with store.read() as conn:
        return {(row.name, row.version) for row in conn.execute(query)}


def job_code(store: Store) -> dict[str, set[tuple[str | None, str | None]]]:
    """Return each job's versions as (location, source version) pairs."""
    j, v = jobs.c, job_versions.c
    query = select(j.name, v.location, v.source_version).join(jobs, j.id == v.job_id)
    found: dict[str, set[tuple[str | None, str | None]]] = {}
    with store.read() as conn:
        for row in conn.execute(query):
            found.setdefault(row.name, set()).add((row.location, row.source_version))
    return found


def count(store: Store, table: Any) -> int:
    """Return the number of rows of a projection table."""
    with store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def train_facets(store: Store) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the ``train`` job's facets and its run's facets, as stored."""
    j, f, r = job_facets.c, run_facets.c, runs.c
    with store.read() as conn:
        job = conn.execute(select(jobs.c.id).where(jobs.c.name == "train")).scalar_one()
        on_job = conn.execute(select(j.name, j.facet).where(j.job_id == job)).all()
        on_run = conn.execute(
            select(f.name, f.facet)
            .join(runs, r.id == f.run_id)
            .where(r.job_id == job, f.scope == "run")
        ).all()
    return (
        {name: json.loads(text) for name, text in on_job},
        {name: json.loads(text) for name, text in on_run},
    )


def test_dvc_import_records_jobs_runs_and_versions(repo: Path, db_url: str, store: Store) -> None:
    head = sh(repo, "git", "rev-parse", "HEAD")
    output = imported(repo, db_url)
    assert "stages: 3 imported, 1 skipped runs: 3 new, 0 known datasets: 7, versions: 7" in output
    assert "skipped report: never run (no entry in dvc.lock)" in output
    assert stored_versions(store) == lock_versions(repo)
    with store.read() as conn:
        kinds = dict(conn.execute(select(jobs.c.namespace + ":" + jobs.c.name, jobs.c.kind)).all())
        states = sorted(conn.execute(select(runs.c.state)).scalars())
    assert kinds == {
        "dvc:prepare": "transformation",
        "dvc:featurize": "transformation",
        "dvc:train": "training",
    }
    assert states == ["COMPLETE"] * 3
    assert job_code(store) == {name: {(REMOTE, head)} for name in STAGES}
    assert count(store, job_versions) == 3
    on_job, on_run = train_facets(store)
    cmd = "python src/train.py data/features models/model.pkl"
    assert {
        key: on_job["sourceCodeLocation"][key] for key in ("type", "url", "path", "version")
    } == {
        "type": "git",
        "url": REMOTE,
        "path": "dvc.yaml",
        "version": head,
    }
    assert (on_job["sourceCode"]["language"], on_job["sourceCode"]["sourceCode"]) == ("shell", cmd)
    assert on_job["threadline_job"]["kind"] == "training"
    entry = yaml.safe_load((repo / "dvc.lock").read_text())["stages"]["train"]
    canonical = json.dumps(entry, sort_keys=True, separators=(",", ":"))
    assert {k: v for k, v in on_run["threadline_dvc"].items() if not k.startswith("_")} == {
        "repo": REMOTE,
        "stage": "train",
        "cmd": cmd,
        "lockHash": hashlib.sha256(canonical.encode()).hexdigest(),
        "params": {"params.yaml": {"train.lr": 0.1, "train.seed": 7}},
    }


def test_dvc_import_lineage_reaches_the_raw_data(
    repo: Path, db_url: str, service: LineageService
) -> None:
    imported(repo, db_url)
    model = (repo / "models" / "model.pkl").resolve()
    result = service.lineage(
        f"dataset:file:{model}", QueryOptions(direction="upstream", granularity="entity")
    )
    reached = {(node.type, node.namespace, node.name) for node in result.nodes}
    assert ("dataset", "file", str((repo / "data" / "raw.csv").resolve())) in reached
    assert {("job", "dvc", name) for name in STAGES} <= reached
    assert ("dataset", "file", str((repo / "data" / "features").resolve())) in reached


def test_dvc_import_again_adds_nothing(repo: Path, db_url: str, store: Store) -> None:
    imported(repo, db_url)
    head = store.head_seq()
    assert "runs: 0 new, 3 known" in imported(repo, db_url)
    assert store.head_seq() == head
    (repo / "README.md").write_text("An unrelated change.\n")
    commit(repo, "docs")
    assert "runs: 0 new, 3 known" in imported(repo, db_url)
    assert store.head_seq() == head


def test_dvc_import_after_repro_adds_versions_not_duplicates(
    repo: Path, db_url: str, store: Store
) -> None:
    first = sh(repo, "git", "rev-parse", "HEAD")
    imported(repo, db_url)
    before = stored_versions(store)
    (repo / "data" / "raw.csv").write_text("id,amount\n1,5\n2,7\n3,9\n")
    dvc(repo, "repro", "train")
    second = commit(repo, "more data")
    assert "runs: 3 new, 0 known" in imported(repo, db_url)
    after = stored_versions(store)
    assert before <= after  # the old versions are still there
    assert after == before | lock_versions(repo)
    changed = {name.removeprefix(str(repo.resolve()) + "/") for name, _v in after - before}
    # the model came out byte-identical (same md5): the same version, not a duplicate
    assert changed == {"data/raw.csv", "data/clean.csv", "data/features"}
    assert (count(store, runs), count(store, job_versions)) == (6, 6)
    assert job_code(store) == {name: {(REMOTE, first), (REMOTE, second)} for name in STAGES}


def test_sdk_content_hash_equals_dvc_md5(repo: Path) -> None:
    lock = yaml.safe_load((repo / "dvc.lock").read_text())["stages"]
    features, clean = lock["featurize"]["outs"][0], lock["prepare"]["outs"][0]
    assert features["md5"].endswith(".dir")  # a directory: DVC's .dir hash
    assert content_hash(repo / features["path"]).value == features["md5"]
    assert content_hash(repo / clean["path"]).value == clean["md5"]


def test_sdk_records_the_same_nodes_and_versions(repo: Path, db_url: str, store: Store) -> None:
    imported(repo, db_url)
    before = stored_versions(store)
    tracker = Tracker(db=db_url, namespace="sdk")
    report = repo / "report.txt"
    read = [repo / "models" / "model.pkl", repo / "data" / "features"]
    with tracker.step("evaluate", inputs=read, outputs=[report]):
        report.write_text("fine\n")
    tracker.close()
    after = stored_versions(store)
    assert after - before == {(str(report.resolve()), content_hash(report).value)}
    with store.read() as conn:
        names = list(conn.execute(select(datasets.c.namespace, datasets.c.name)).all())
        bound = conn.execute(
            select(datasets.c.name, dataset_versions.c.version)
            .join(run_io, run_io.c.dataset_id == datasets.c.id)
            .join(dataset_versions, dataset_versions.c.id == run_io.c.version_id)
            .join(runs, runs.c.id == run_io.c.run_id)
            .join(jobs, jobs.c.id == runs.c.job_id)
            .where(jobs.c.name == "evaluate", run_io.c.direction == "in")
        ).all()
    assert len(names) == len(set(names)) == 8  # the DVC import's 7 and the report
    assert set(bound) == {(str(p.resolve()), content_hash(p).value) for p in read}


def test_content_hash_ignores_what_dvc_ignores(repo: Path) -> None:
    folder = repo / "extra"
    folder.mkdir()
    (folder / "kept.txt").write_text("kept")
    (folder / "scratch.tmp").write_text("ignored by DVC")
    (repo / ".dvcignore").write_text("*.tmp\n")
    dvc(repo, "add", "-q", "extra")
    recorded = yaml.safe_load((repo / "extra.dvc").read_text())["outs"][0]["md5"]
    assert content_hash(folder).value == recorded


def _truncate_mid_hash(repo: Path) -> None:
    text = (repo / "dvc.lock").read_text()
    (repo / "dvc.lock").write_text(text[: text.index("md5: ") + 13])


def _rewrite(name: str, change: Callable[[str], str]) -> Callable[[Path], None]:
    def apply(repo: Path) -> None:
        (repo / name).write_text(change((repo / name).read_text()))

    return apply


def _not_dvc(repo: Path) -> None:
    shutil.rmtree(repo / ".dvc")


BAD_INPUTS: dict[str, tuple[str, Callable[[Path], None], str]] = {
    "missing": ("nope", lambda repo: None, "nope: no such directory"),
    "not-dvc": ("repo", _not_dvc, "repo: not a DVC repository"),
    "no-dvc-yaml": ("repo", lambda r: (r / "dvc.yaml").unlink(), "repo/dvc.yaml: does not exist"),
    "empty-dvc-yaml": ("repo", _rewrite("dvc.yaml", lambda t: ""), "repo/dvc.yaml: is empty"),
    "no-lock": ("repo", lambda r: (r / "dvc.lock").unlink(), "repo/dvc.lock: does not exist"),
    "half-written-lock": ("repo", _truncate_mid_hash, "is not an MD5 hash"),
    "invalid-yaml-lock": (
        "repo",
        _rewrite("dvc.lock", lambda t: t.replace("  prepare:", "\tprepare: [")),
        "repo/dvc.lock: is not valid YAML",
    ),
    "lock-missing-hashes": (
        "repo",
        _rewrite("dvc.lock", lambda t: "\n".join(x for x in t.splitlines() if "md5: " not in x)),
        "repo/dvc.lock: stage 'prepare': dep 'data/raw.csv' has no hash (md5)",
    ),
    "unsupported-schema": (
        "repo",
        _rewrite("dvc.lock", lambda t: t.replace("schema: '2.0'", "schema: '3.0'")),
        "repo/dvc.lock: schema '3.0' is not supported (supported: 2.0)",
    ),
    "dvc1-lock": (
        "repo",
        _rewrite("dvc.lock", lambda t: t.replace("schema: '2.0'\n", "")),
        "repo/dvc.lock: has no schema version",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_dvc_import_refuses_bad_input(
    case: str, repo: Path, db_url: str, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    target, breaking, message = BAD_INPUTS[case]
    breaking(repo)
    monkeypatch.chdir(repo.parent)
    result = dvc_import(target, db_url)
    assert result.exit_code == 1, result.output
    assert message in " ".join(result.output.split())
    assert store.head_seq() == 0


GROUPS = """\
  shout:
    foreach: [a, b]
    do:
      cmd: python -c "open('out_${item}.txt', 'w').write('${item}')"
      outs:
        - out_${item}.txt
  grid:
    matrix:
      size: [s, m]
      seed: [1, 2]
    cmd: python -c "open('g_${item.size}_${item.seed}.txt', 'w').write('x')"
    outs:
      - g_${item.size}_${item.seed}.txt
  copy:
    wdir: data
    cmd: python -c "open('copy.csv', 'w').write(open('clean.csv').read())"
    deps: [clean.csv]
    outs: [copy.csv]
"""


def test_dvc_import_expands_foreach_matrix_and_wdir(repo: Path, db_url: str, store: Store) -> None:
    with (repo / "dvc.yaml").open("a") as handle:
        handle.write(GROUPS)
    dvc(repo, "repro")
    commit(repo, "more stages")
    output = imported(repo, db_url)
    assert "stages: 11 imported, 0 skipped runs: 11 new, 0 known" in output
    with store.read() as conn:
        names = set(conn.execute(select(jobs.c.name)).scalars())
    groups = {"shout@a", "shout@b", "grid@s-1", "grid@s-2", "grid@m-1", "grid@m-2"}
    assert names == {*STAGES, "report", "copy", *groups}
    clean = str((repo / "data" / "clean.csv").resolve())
    copied = str((repo / "data" / "copy.csv").resolve())
    assert {(clean, "in"), (copied, "out")} == io_of(store, "copy")
    assert stored_versions(store) == lock_versions(repo, wdirs={"copy": "data"})


def io_of(store: Store, job: str) -> set[tuple[str, str]]:
    """Return (dataset name, direction) of everything a job's runs read and wrote."""
    d, io, r = datasets.c, run_io.c, runs.c
    with store.read() as conn:
        rows = conn.execute(
            select(d.name, io.direction)
            .join(run_io, io.dataset_id == d.id)
            .join(runs, r.id == io.run_id)
            .join(jobs, jobs.c.id == r.job_id)
            .where(jobs.c.name == job)
        ).all()
    return {(name, direction) for name, direction in rows}


def test_dvc_import_outside_git_dates_runs_by_the_lock_file(
    repo: Path, db_url: str, store: Store
) -> None:
    shutil.rmtree(repo / ".git")
    output = imported(repo, db_url)
    assert "uncommitted dvc.lock entries (prepare, featurize, train)" in output
    head = store.head_seq()
    assert job_code(store) == {name: {(f"file://{repo.resolve()}", None)} for name in STAGES}
    assert "runs: 0 new, 3 known" in imported(repo, db_url)
    assert store.head_seq() == head


def test_dvc_import_into_a_server(
    repo: Path, live_server: str, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo.parent)  # the SDK spools beside the working directory
    runner = CliRunner()
    first = runner.invoke(app, ["dvc", "import", str(repo), "--url", live_server])
    assert first.exit_code == 0, first.output
    assert "runs: 3 new, 0 known" in first.output
    head = store.head_seq()
    again = runner.invoke(app, ["dvc", "import", str(repo), "--url", live_server])
    assert "runs: 0 new, 3 known" in again.output
    assert store.head_seq() == head
    assert stored_versions(store) == lock_versions(repo)


def test_dvc_import_takes_one_destination(repo: Path, db_url: str) -> None:
    result = dvc_import(repo, db_url, "--url", "http://127.0.0.1:9")
    assert result.exit_code == 1
    assert "give --db or --url, not both" in result.output


def test_dvc_import_spools_while_the_server_is_down(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo.parent)
    down = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(app, ["dvc", "import", str(repo), "--url", down])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "runs: new or known: the server could not be asked" in output
    assert "spooled: 6 events wait for the server" in output
    assert len(list((repo.parent / ".threadline" / "spool").glob("*.json"))) == 6
