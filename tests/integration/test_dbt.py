"""Real dbt (dbt-duckdb) run through the real ``dbt-ol`` wrapper, emitting into a live server.

A tiny project: a seed ``raw_orders``, a staging model ``stg_orders`` reading it with
``ref`` and a model ``customer_totals`` aggregating the staging model; ``schema.yml``
documents the columns (dbt-ol turns them into ``schema`` facets) and adds two data tests.
``dbt-ol build`` runs dbt once per dialect, then emits everything over HTTP.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import Connection, func, select

from threadline.store import Store
from threadline.store.tables import (
    dataset_fields,
    datasets,
    edges,
    events,
    job_facets,
    jobs,
    run_io,
    runs,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

NAMESPACE = "dbt-shop"
DB_NAMESPACE = "duckdb://shop.duckdb"
RAW, STG, TOTALS = "shop.main.raw_orders", "shop.main.stg_orders", "shop.main.customer_totals"

PROJECT = {
    "dbt_project.yml": """\
name: shop
version: "1.0.0"
profile: shop
seed-paths: ["seeds"]
model-paths: ["models"]
""",
    "profiles.yml": """\
shop:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: shop.duckdb
      threads: 1
""",
    "seeds/raw_orders.csv": "order_id,customer_id,amount\n1,10,5.00\n2,10,7.50\n3,11,3.25\n",
    "models/stg_orders.sql": "select order_id, customer_id, amount from {{ ref('raw_orders') }}\n",
    "models/customer_totals.sql": """\
select customer_id, sum(amount) as total_amount, count(order_id) as order_count
from {{ ref('stg_orders') }}
group by customer_id
""",
    "models/schema.yml": """\
version: 2
models:
  - name: stg_orders
    description: One row per order.
    columns:
      - {name: order_id, data_type: integer, data_tests: [not_null, unique]}
      - {name: customer_id, data_type: integer}
      - {name: amount, data_type: "decimal(10,2)"}
  - name: customer_totals
    description: Order totals per customer.
    columns:
      - {name: customer_id, data_type: integer}
      - {name: total_amount, data_type: "decimal(38,2)"}
      - {name: order_count, data_type: bigint}
""",
}


def run_dbt_ol(project: Path, url: str) -> str:
    """Write the project, run ``dbt-ol build`` in it and return its combined output."""
    for name, text in PROJECT.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    bin_dir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENLINEAGE", "DBT_"))}
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",  # dbt-ol runs `dbt` from PATH
        HOME=str(project),  # no ~/.openlineage/openlineage.yml may redirect the events
        OPENLINEAGE_URL=url,
        OPENLINEAGE_NAMESPACE=NAMESPACE,
        DBT_PROFILES_DIR=str(project),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DO_NOT_TRACK="1",
    )
    done = subprocess.run(
        [str(bin_dir / "dbt-ol"), "build"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


def job_of(conn: Connection, name: str) -> Any:
    """Return a job of the dbt namespace with its ``dbt_node`` facet (parsed)."""
    f, j = job_facets.c, jobs.c
    row = conn.execute(
        select(j.id, j.parent_job_id, f.facet)
        .join(job_facets, (f.job_id == j.id) & (f.name == "dbt_node"), isouter=True)
        .where(j.namespace == NAMESPACE, j.name == name)
    ).one()
    return row, orjson.loads(row.facet) if row.facet else None


def dataset_of(conn: Connection, name: str) -> int:
    """Return the id of a dataset of the duckdb namespace."""
    d = datasets.c
    return int(
        conn.execute(select(d.id).where(d.namespace == DB_NAMESPACE, d.name == name)).scalar_one()
    )


def schema_of(conn: Connection, dataset: int) -> dict[str, str | None]:
    """Return the current schema fields of a dataset, name -> type."""
    f = dataset_fields.c
    rows = conn.execute(
        select(f.name, f.type).where(f.dataset_id == dataset, f.in_schema.is_(True))
    ).all()
    return {row.name: row.type for row in rows}


def column_edges(conn: Connection, src_ds: int, dst_ds: int) -> set[tuple[str, str]]:
    """Return the open column edges from one dataset's fields to another's."""
    src, dst = dataset_fields.alias("src"), dataset_fields.alias("dst")
    e = edges.c
    rows = conn.execute(
        select(src.c.path, dst.c.path)
        .join(src, src.c.id == e.src)
        .join(dst, dst.c.id == e.dst)
        .where(
            e.kind == "column",
            e.valid_to_us.is_(None),
            src.c.dataset_id == src_ds,
            dst.c.dataset_id == dst_ds,
        )
    ).all()
    return {(row[0], row[1]) for row in rows}


def io_of(conn: Connection, run_id: int) -> set[tuple[str, int]]:
    """Return what a run read and wrote, as (direction, dataset id)."""
    io = run_io.c
    rows = conn.execute(select(io.direction, io.dataset_id).where(io.run_id == run_id))
    return {(row.direction, row.dataset_id) for row in rows}


def test_dbt_ol_build_is_stored(live_server: str, store: Store, tmp_path: Path) -> None:
    output = run_dbt_ol(tmp_path, live_server)

    # Every event dbt-ol emitted was accepted (a non-2xx answer is logged and not counted).
    assert "failed to emit" not in output, output
    emitted = int(re.findall(r"Emitted (\d+) OpenLineage events", output)[-1])
    listed = httpx.get(f"{live_server}/api/v1/events/lineage", params={"limit": 1}).json()
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(events)).scalar() == emitted
    assert listed["totalCount"] == emitted
    assert emitted >= 6  # wrapper START/COMPLETE + START/COMPLETE of each model
    assert store.verify().ok

    with store.read() as conn:
        r = runs.c

        # Each model ran as its own job, under the run of the wrapping dbt job.
        wrapper = conn.execute(
            select(r.id, r.state, r.job_id)
            .join(jobs, jobs.c.id == r.job_id)
            .where(jobs.c.namespace == NAMESPACE, jobs.c.name == "dbt-run-shop")
        ).one()
        assert wrapper.state == "COMPLETE"
        model_runs = {}
        for model in ("stg_orders", "customer_totals"):
            job, node = job_of(conn, f"shop.main.shop.{model}.build.run")
            assert node is not None and node["unique_id"] == f"model.shop.{model}"
            run = conn.execute(
                select(r.id, r.state, r.parent_run_id, r.root_run_id).where(r.job_id == job.id)
            ).one()
            assert run.state == "COMPLETE"
            assert run.parent_run_id == wrapper.id
            assert run.root_run_id == wrapper.id
            assert job.parent_job_id == wrapper.job_id
            model_runs[model] = run.id

        # Both models are datasets with the documented schema.
        raw, stg, totals = (dataset_of(conn, name) for name in (RAW, STG, TOTALS))
        assert schema_of(conn, stg) == {
            "order_id": "integer",
            "customer_id": "integer",
            "amount": "decimal(10,2)",
        }
        assert schema_of(conn, totals) == {
            "customer_id": "integer",
            "total_amount": "decimal(38,2)",
            "order_count": "bigint",
        }

        # Column lineage, seed -> staging -> aggregate.
        assert column_edges(conn, raw, stg) == {
            ("order_id", "order_id"),
            ("customer_id", "customer_id"),
            ("amount", "amount"),
        }
        assert column_edges(conn, stg, totals) == {
            ("customer_id", "customer_id"),
            ("amount", "total_amount"),
            ("order_id", "order_count"),
        }

        # The seed, named only in column lineage, became an input of the staging run.
        assert io_of(conn, model_runs["stg_orders"]) == {("in", raw), ("out", stg)}
        assert io_of(conn, model_runs["customer_totals"]) == {("in", stg), ("out", totals)}

        # The data tests ran as a job reading the staging model, their results on that input.
        test_job, _ = job_of(conn, "shop.main.shop.stg_orders.build.test")
        test_run = conn.execute(select(r.id, r.state).where(r.job_id == test_job.id)).one()
        assert test_run.state == "COMPLETE"
        io = run_io.c
        facets: str = conn.execute(
            select(io.facets).where(
                io.run_id == test_run.id, io.dataset_id == stg, io.direction == "in"
            )
        ).scalar_one()
        assertions = orjson.loads(facets)["dataQualityAssertions"][2]["assertions"]
        assert {(a["assertion"], a["column"], a["success"]) for a in assertions} == {
            ("not_null", "order_id", True),
            ("unique", "order_id", True),
        }
