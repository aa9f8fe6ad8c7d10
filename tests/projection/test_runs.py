"""Runs: state by event time, accumulated facets, parents and roots, job versions."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from openlineage.client.facet_v2 import (
    error_message_run,
    source_code_job,
    source_code_location_job,
    sql_job,
)
from sqlalchemy import select

from tests.events import RunState, at_us, inp, out, parent, rid, run_event
from tests.projection.helpers import ingest, job_row, run_row
from threadline.service import LineageService
from threadline.store import Store
from threadline.store.tables import job_versions, run_facets, runs


@pytest.mark.parametrize(
    ("sequence", "expected"),
    [
        pytest.param([("START", 1), ("COMPLETE", 5)], "COMPLETE", id="in-order"),
        pytest.param([("COMPLETE", 5), ("START", 1)], "COMPLETE", id="late-start"),
        pytest.param(
            [("START", 1), ("COMPLETE", 5), ("RUNNING", 9)], "COMPLETE", id="late-running"
        ),
        pytest.param([("FAIL", 5), ("OTHER", 9), ("START", 1)], "FAIL", id="other-after-fail"),
        pytest.param([("START", 1), ("RUNNING", 3)], "RUNNING", id="still-running"),
        pytest.param([("ABORT", 5), ("COMPLETE", 7)], "COMPLETE", id="later-terminal-wins"),
        pytest.param([("COMPLETE", 5), ("START", 9)], "COMPLETE", id="start-timed-after-complete"),
        pytest.param(
            [("COMPLETE", 7), ("FAIL", 5)], "COMPLETE", id="earlier-terminal-arrives-late"
        ),
    ],
)
def test_run_state_respects_event_time(
    service: LineageService, store: Store, sequence: list[tuple[str, int]], expected: str
) -> None:
    ingest(service, *(run_event(RunState(state), m) for state, m in sequence))
    row = run_row(store, "run")
    assert row["state"] == expected
    starts = [m for state, m in sequence if state == "START"]
    assert row["started_us"] == (at_us(min(starts)) if starts else None)
    terminal = [m for state, m in sequence if state in ("COMPLETE", "FAIL", "ABORT")]
    assert row["ended_us"] == (at_us(max(terminal)) if terminal else None)
    assert row["start_us"] == at_us(min(m for _, m in sequence))


def _facets(store: Store, name: str, scope: str = "run") -> dict[str, Any]:
    with store.read() as conn:
        rows = conn.execute(
            select(run_facets.c.name, run_facets.c.facet).where(
                run_facets.c.run_id == run_row(store, name)["id"], run_facets.c.scope == scope
            )
        ).all()
    return {r.name: orjson.loads(r.facet) for r in rows}


def test_run_facets_accumulate_newest_value_wins(service: LineageService, store: Store) -> None:
    first = error_message_run.ErrorMessageRunFacet(message="first", programmingLanguage="python")
    second = error_message_run.ErrorMessageRunFacet(message="second", programmingLanguage="python")
    ingest(
        service,
        run_event(
            RunState.START,
            1,
            run_facets={"custom_a": {"_producer": "p", "_schemaURL": "s", "a": 1}},
        ),
        run_event(RunState.FAIL, 9, run_facets={"errorMessage": second}),
        run_event(
            RunState.RUNNING,
            5,
            run_facets={"errorMessage": first, "custom_b": {"_producer": "p", "_schemaURL": "s"}},
        ),
    )
    facets = _facets(store, "run")
    assert set(facets) == {"custom_a", "custom_b", "errorMessage"}
    assert facets["errorMessage"]["message"] == "second"
    assert facets["custom_a"]["a"] == 1


def test_parent_and_root_runs_link_runs_and_jobs(service: LineageService, store: Store) -> None:
    ingest(
        service,
        run_event(RunState.START, 1, run="dag", job=("tests", "dag")),
        run_event(
            RunState.START,
            2,
            run="task",
            job=("tests", "dag.task"),
            run_facets={"parent": parent("dag")},
        ),
        run_event(
            RunState.START,
            3,
            run="spark",
            job=("spark", "app"),
            run_facets={
                "parent": parent("task", ("tests", "dag.task"), root=("dag", ("tests", "dag")))
            },
        ),
    )
    dag, task, spark = run_row(store, "dag"), run_row(store, "task"), run_row(store, "spark")
    assert (task["parent_run_id"], task["root_run_id"]) == (dag["id"], dag["id"])
    assert (spark["parent_run_id"], spark["root_run_id"]) == (task["id"], dag["id"])
    dag_job, task_job = job_row(store, "tests", "dag"), job_row(store, "tests", "dag.task")
    app = job_row(store, "spark", "app")
    assert (task_job["parent_job_id"], task_job["root_job_id"]) == (dag_job["id"], dag_job["id"])
    assert (app["parent_job_id"], app["root_job_id"]) == (task_job["id"], dag_job["id"])


def test_parent_seen_only_by_reference_is_a_placeholder(
    service: LineageService, store: Store
) -> None:
    ingest(
        service, run_event(RunState.START, 2, run="child", run_facets={"parent": parent("ghost")})
    )
    ghost = run_row(store, "ghost")
    assert (ghost["state"], ghost["start_us"]) == (None, None)
    assert job_row(store, "tests", "dag")["id"] == ghost["job_id"]
    ingest(service, run_event(RunState.COMPLETE, 5, run="ghost", job=("tests", "dag")))
    ghost = run_row(store, "ghost")
    assert (ghost["state"], ghost["start_us"]) == ("COMPLETE", at_us(5))


def test_non_uuid_run_id_is_mapped_as_marquez_does_and_kept(
    service: LineageService, store: Store
) -> None:
    event = run_event(RunState.START, 1)
    event["run"]["runId"] = "abc"
    ingest(service, event)
    with store.read() as conn:
        row = conn.execute(select(runs.c.uuid, runs.c.external_id)).one()
    # Java's UUID.nameUUIDFromBytes("abc".getBytes()) -- Marquez's mapping -- is this value.
    assert (row.uuid, row.external_id) == ("90015098-3cd2-3fb0-9696-3f7d28e17f72", "abc")


def _job_versions(store: Store) -> list[dict[str, Any]]:
    with store.read() as conn:
        return [
            dict(r)
            for r in conn.execute(
                select(job_versions).order_by(job_versions.c.created_us)
            ).mappings()
        ]


def _code(version: str, sql: str) -> dict[str, Any]:
    return {
        "sourceCodeLocation": source_code_location_job.SourceCodeLocationJobFacet(
            type="git", url="https://git/x.py", version=version
        ),
        "sql": sql_job.SQLJobFacet(query=sql),
    }


def test_job_version_changes_with_code_identity_and_io(
    service: LineageService, store: Store
) -> None:
    io = {"inputs": [inp("db", "a")], "outputs": [out("db", "b")]}
    ingest(
        service,
        run_event(RunState.COMPLETE, 1, run="r1", job_facets=_code("v1", "select 1"), **io),
        run_event(RunState.COMPLETE, 2, run="r2", job_facets=_code("v1", "select 1"), **io),
        run_event(RunState.COMPLETE, 3, run="r3", job_facets=_code("v1", "select 2"), **io),
        run_event(RunState.COMPLETE, 4, run="r4", job_facets=_code("v2", "select 2"), **io),
        run_event(
            RunState.COMPLETE,
            5,
            run="r5",
            job_facets=_code("v2", "select 2"),
            inputs=[inp("db", "a"), inp("db", "c")],
            outputs=[out("db", "b")],
        ),
        run_event(RunState.START, 6, run="r6", job_facets=_code("v3", "select 3"), **io),
    )
    found = _job_versions(store)
    assert len(found) == 4  # r1=r2, r3 (SQL), r4 (source version), r5 (inputs); r6 not ended
    ids = [run_row(store, f"r{i}")["job_version_id"] for i in range(1, 7)]
    assert ids[0] == ids[1] and len({*ids[1:5]}) == 4 and ids[5] is None
    assert found[-1]["inputs"] == '["db:a","db:c"]'
    assert job_row(store, "tests", "job")["current_version_id"] == ids[4]
    assert found[0]["source_version"] == "v1" and found[0]["sql_hash"] != found[1]["sql_hash"]


def test_job_version_changes_with_the_source_code_alone(
    service: LineageService, store: Store
) -> None:
    def code(text: str) -> dict[str, Any]:
        return {
            "sourceCode": source_code_job.SourceCodeJobFacet(language="python", sourceCode=text)
        }

    io = {"inputs": [inp("db", "a")], "outputs": [out("db", "b")]}
    ingest(
        service,
        run_event(RunState.COMPLETE, 1, run="s1", job_facets=code("x = 1"), **io),
        run_event(RunState.COMPLETE, 2, run="s2", job_facets=code("x = 1"), **io),
        run_event(RunState.COMPLETE, 3, run="s3", job_facets=code("x = 2"), **io),
    )
    ids = [run_row(store, f"s{i}")["job_version_id"] for i in (1, 2, 3)]
    assert ids[0] == ids[1] != ids[2]
    first, second = _job_versions(store)
    assert first["source_hash"] and first["source_hash"] != second["source_hash"]


def test_job_latest_run_follows_start_time(service: LineageService, store: Store) -> None:
    ingest(
        service, run_event(RunState.START, 5, run="late"), run_event(RunState.START, 1, run="early")
    )
    assert job_row(store, "tests", "job")["latest_run_id"] == run_row(store, "late")["id"]
    assert rid("late") != rid("early")
