"""Reproducibility checks and "what was built on this data": the questions of a data fix."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from threadline.errors import InvalidParameter, NotFound
from threadline.index import IndexState
from threadline.index.traverse import neighbours
from threadline.queries.models import (
    describe_runs,
    describe_versions,
    downstream_of,
    reach_versions,
    version_id,
)
from threadline.queries.registry import find_model
from threadline.queries.resolve import resolve
from threadline.store.tables import dataset_versions, datasets


def model_check(conn: Connection, state: IndexState, text: str) -> dict[str, Any]:
    """Check a model version can be rebuilt exactly: pinned data, pinned code.

    Walking upstream from the model version, a dataset version that is content-addressed
    (hashed, or named by a version facet with no recorded producer) is pinned and ends the
    walk; any other version must have been produced by a run whose code is pinned (a source
    commit, or a SQL or source-code hash) and whose own inputs are pinned in turn. A version
    read before anything recorded writing it is not pinned. Registration runs only copy a
    model into the registry and need no code.
    """
    model = find_model(conn, text)
    assert model.version is not None
    vid = version_id(conn, model.dataset, model.version)
    upstream, up_runs = reach_versions(state, [vid], down=False)
    versions = describe_versions(conn, list(upstream))
    run_info = describe_runs(conn, list(up_runs))
    producers = _producers(state, list(upstream))
    problems: list[dict[str, str]] = []
    checked_versions, checked_runs = 0, 0
    todo, seen = [vid], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        checked_versions += 1
        info = versions[current]
        if current != vid and (info["hashed"] or (info["pinned"] and not producers.get(current))):
            continue
        if not producers.get(current):
            reason = (
                "read before any recorded write, with no version facet"
                if info["implicit"]
                else "not content-addressed, and no recorded run produced it"
            )
            problems.append({"node": info["id"], "problem": reason})
            continue
        for run_id in producers[current]:
            checked_runs += 1
            run = run_info[run_id]
            problems.extend(_run_problems(run))
            todo.extend(_inputs(state, run_id))
    return {
        "model": model.ref,
        "reproducible": not problems,
        "problems": sorted(problems, key=lambda p: (p["node"], p["problem"])),
        "checked": {"datasetVersions": checked_versions, "runs": checked_runs},
    }


def _producers(state: IndexState, version_ids: list[int]) -> dict[int, list[int]]:
    return {
        v: [p // 2 for p, _k in neighbours(state.version, 2 * v, down=False, as_of=None)]
        for v in version_ids
    }


def _inputs(state: IndexState, run_id: int) -> list[int]:
    return [p // 2 for p, _k in neighbours(state.version, 2 * run_id + 1, down=False, as_of=None)]


def _run_problems(run: dict[str, Any]) -> list[dict[str, str]]:
    found = []
    code = run["code"]
    if run["kind"] != "registration" and not (
        code["commit"] or code["sqlHash"] or code["sourceHash"]
    ):
        found.append({"node": run["id"], "problem": f"{run['job']}: code not pinned to a commit"})
    if run["state"] != "COMPLETE":
        found.append({"node": run["id"], "problem": f"{run['job']}: run is {run['state']}"})
    return found


def models_check(conn: Connection, state: IndexState) -> list[dict[str, Any]]:
    """Check the newest version of every model."""
    d = datasets.c
    names = conn.execute(
        select(d.namespace, d.name)
        .where(d.kind == "model", d.is_hidden.is_(False))
        .order_by(d.namespace, d.name)
    ).all()
    return [model_check(conn, state, f"dataset:{row.namespace}:{row.name}") for row in names]


def affected(
    conn: Connection,
    state: IndexState,
    dataset_ref: str,
    *,
    version: str | None = None,
    since: int | None = None,
    until: int | None = None,
) -> dict[str, Any]:
    """Return the models, deployments and prediction sets built on some versions of a dataset."""
    node = resolve(conn, dataset_ref)
    if node.dataset is None or node.type not in ("dataset", "datasetVersion"):
        raise InvalidParameter("affected takes a dataset (or one of its versions)")
    v = dataset_versions.c
    query = select(v.id, v.version).where(v.dataset_id == node.dataset)
    if node.type == "datasetVersion":
        query = query.where(v.id == node.id)
    elif version is not None:
        query = query.where(v.version == version)
    elif since is not None or until is not None:
        query = query.where(v.created_us >= (since or 0), v.created_us <= (until or 2**62))
    else:
        raise InvalidParameter("say which data: --version V, or a time range --from T1 --to T2")
    roots = conn.execute(query.order_by(v.created_us)).all()
    if not roots:
        raise NotFound(f"{dataset_ref} has no such version")
    found = downstream_of(conn, state, [int(r.id) for r in roots])
    return {
        "dataset": node.ref.split("#")[0],
        "versions": [r.version for r in roots],
        "models": found["models"],
        "deployments": found["deployments"],
        "predictions": found["predictions"],
        "datasets": found["datasets"],
        "runs": [
            {k: x for k, x in r.items() if k not in ("facets", "parentRunId")}
            for r in found["runs"]
        ],
    }
