"""File and directory versions are the md5 DVC itself records (real ``dvc add``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.sdk.conftest import file_ref
from threadline.sdk import Tracker, content_hash, input_hash
from threadline.service import LineageService

DVC = Path(sys.executable).parent / "dvc"
TARGETS = ("text.csv", "binary.bin", "empty.txt", "tree", "empty-dir")


def _layout(root: Path) -> None:
    """Write files and folders that exercise DVC's rules (order, names, ignored folders)."""
    (root / "text.csv").write_bytes(b"id,name\r\n1,\xc3\xa5sa\r\n2,bo\n")
    (root / "binary.bin").write_bytes(bytes(range(256)) * 64)
    (root / "empty.txt").write_bytes(b"")
    tree = root / "tree"
    for relpath, data in {
        "a/b": b"1\n",
        "a-b": b"2\n",  # sorts before "a/b" as a string, after it part by part
        "ünï code.txt": "ü\n".encode(),
        ".hidden": b"h\n",
        "deep/er/still/file.json": b"{}",
        "vendored/.git/HEAD": b"ref: refs/heads/main\n",  # DVC never counts .git
        ".hg/store": b"x",
        "cache/.dvc/config": b"y",
        "vendored/code.py": b"print()\n",
    }.items():
        (tree / relpath).parent.mkdir(parents=True, exist_ok=True)
        (tree / relpath).write_bytes(data)
    (tree / "nothing-inside").mkdir()
    (root / "empty-dir").mkdir()


@pytest.fixture(scope="module")
def dvc_outs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Return what ``dvc add`` wrote into each target's .dvc file (md5, size, nfiles)."""
    root = tmp_path_factory.mktemp("dvc")
    env = {**os.environ, "DVC_NO_ANALYTICS": "1"}
    subprocess.run([str(DVC), "init", "--no-scm", "-q"], cwd=root, env=env, check=True)
    _layout(root)
    subprocess.run([str(DVC), "add", "-q", *TARGETS], cwd=root, env=env, check=True, timeout=300)
    answer: dict[str, dict[str, Any]] = {}
    for target in TARGETS:
        [out] = yaml.safe_load((root / f"{target}.dvc").read_text())["outs"]
        answer[target] = out
    return answer


@pytest.mark.parametrize("target", TARGETS)
def test_content_hash_equals_the_md5_dvc_records(
    target: str, dvc_outs: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    _layout(tmp_path)  # the same content elsewhere: the version depends on content only
    digest = content_hash(tmp_path / target)
    out = dvc_outs[target]
    assert (digest.value, digest.size) == (out["md5"], out["size"])
    if "nfiles" in out:
        assert digest.files == out["nfiles"]


def test_directory_hashes_end_with_dir_and_count_files(tmp_path: Path) -> None:
    _layout(tmp_path)
    digest = content_hash(tmp_path / "tree")
    assert digest.value.endswith(".dir")
    assert (digest.files, digest.size) == (6, 2 + 2 + 3 + 2 + 2 + 8)
    assert content_hash(tmp_path / "empty-dir").value.endswith(".dir")
    assert not content_hash(tmp_path / "text.csv").value.endswith(".dir")


def test_content_hash_of_a_missing_path_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        content_hash(tmp_path / "absent")


def test_a_changed_file_is_a_new_version(
    local: Tracker, service: LineageService, tmp_path: Path
) -> None:
    data = tmp_path / "data.csv"
    data.write_text("v1\n")
    with local.step("read") as first:
        first.add_input(data)
    v1 = content_hash(data).value
    data.write_text("v2\n")
    with local.step("read") as second:
        second.add_input(data)
    v2 = content_hash(data).value
    assert v1 != v2
    versions = service.node_details(file_ref(data))["versions"]
    assert sorted(v["version"] for v in versions) == sorted([v1, v2])
    assert [i["id"] for i in service.node_details(f"run:{first.run_id}")["inputs"]] == [
        file_ref(data, v1)
    ]
    assert [i["id"] for i in service.node_details(f"run:{second.run_id}")["inputs"]] == [
        file_ref(data, v2)
    ]


def test_an_unchanged_file_keeps_its_version(
    local: Tracker, service: LineageService, tmp_path: Path
) -> None:
    data = tmp_path / "same.csv"
    data.write_text("same\n")
    for _ in range(2):
        with local.step("read", inputs=[data]):
            pass
    assert [v["version"] for v in service.node_details(file_ref(data))["versions"]] == [
        content_hash(data).value
    ]


def test_a_directory_is_recorded_with_its_dvc_version(
    local: Tracker, service: LineageService, tmp_path: Path, dvc_outs: dict[str, dict[str, Any]]
) -> None:
    _layout(tmp_path)
    with local.step("featurize", outputs=[tmp_path / "tree"]):
        pass
    details = service.node_details(file_ref(tmp_path / "tree"))
    tree = dvc_outs["tree"]
    assert [v["version"] for v in details["versions"]] == [tree["md5"]]
    facet = {k: v for k, v in details["facets"]["threadline_contentHash"].items() if k[0] != "_"}
    assert facet == {
        "algorithm": "md5",
        "value": tree["md5"],
        "dvcCompatible": True,
        "size": tree["size"],
        "files": tree["nfiles"],
    }


def test_moving_a_directory_keeps_its_version(tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    _layout(tmp_path / "one")
    shutil.copytree(tmp_path / "one" / "tree", tmp_path / "two")
    assert content_hash(tmp_path / "two") == content_hash(tmp_path / "one" / "tree")


def test_input_hash_ignores_key_order() -> None:
    assert input_hash({"b": 1, "a": [1.5, "x"]}) == input_hash({"a": [1.5, "x"], "b": 1})
    assert input_hash({"a": 1}) != input_hash({"a": 2})
