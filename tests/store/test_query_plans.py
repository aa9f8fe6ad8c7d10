"""Statements the projection runs per event read through an index, not a scan of a table."""

from __future__ import annotations

import pytest

from threadline.store import Store

INDEX = "ix_runs_job_version_id_start_us"


@pytest.mark.parametrize(
    "statement",
    [
        # Dating a job version by its earliest run (``projection.jobversions``).
        "SELECT min(start_us) FROM runs WHERE job_version_id = 7",
        # Whether any run still uses a job version.
        "SELECT id FROM runs WHERE job_version_id = 7 LIMIT 1",
    ],
)
def test_a_job_versions_runs_are_found_through_an_index(store: Store, statement: str) -> None:
    with store.read() as conn:
        if store.dialect == "postgresql":
            # On a nearly empty table the planner prefers a scan: ask whether it can do
            # without one.
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = [str(row[0]) for row in conn.exec_driver_sql(f"EXPLAIN {statement}")]
        else:
            plan = [str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}")]
    assert any(INDEX in line for line in plan), plan
