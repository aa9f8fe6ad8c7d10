"""Real Hamilton DAGs with Hamilton's ``OpenLineageAdapter`` emitting into a live server.

The DAG module is written to ``tmp_path`` and imported from there: a ``@load_from.csv``
loader, an aggregation, and a function that raises on demand. A successful run saves the
aggregate with the ``to.csv`` materializer; a failing run raises inside the DAG.
"""

from __future__ import annotations

import importlib.util
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson
import pytest
from hamilton import driver
from hamilton.io.materialization import to
from hamilton.plugins.h_openlineage import OpenLineageAdapter
from openlineage.client import OpenLineageClient
from openlineage.client.transport.http import HttpConfig, HttpTransport
from sqlalchemy import Connection, select

from threadline.store import Store
from threadline.store.tables import (
    dataset_fields,
    datasets,
    events,
    job_facets,
    jobs,
    run_facets,
    run_io,
    runs,
)

pytestmark = pytest.mark.integration

NAMESPACE = "hamilton-shop"
DAG_SOURCE = '''\
"""Order totals."""
import pandas as pd
from hamilton.function_modifiers import load_from, source


@load_from.csv(path=source("orders_path"))
def orders(df: pd.DataFrame) -> pd.DataFrame:
    """The raw orders."""
    return df


def customer_totals(orders: pd.DataFrame) -> pd.DataFrame:
    """The total amount per customer."""
    return orders.groupby("customer_id", as_index=False)["amount"].sum()


def checked_totals(customer_totals: pd.DataFrame) -> pd.DataFrame:
    """Refuse negative totals."""
    bad = customer_totals[customer_totals["amount"] < 0]
    if len(bad):
        raise ValueError(f"negative total for customer {int(bad.iloc[0]['customer_id'])}")
    return customer_totals
'''


@pytest.fixture
def shop_dag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import the DAG module from a file in ``tmp_path``."""
    path = tmp_path / "shop_dag.py"
    path.write_text(DAG_SOURCE)
    name = f"shop_dag_{uuid.uuid4().hex[:8]}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    return module


def build(dag: ModuleType, url: str, job: str) -> driver.Driver:
    """Return a Hamilton driver that emits OpenLineage to ``url`` as job ``job``."""
    client = OpenLineageClient(transport=HttpTransport(HttpConfig(url=url)))
    adapter = OpenLineageAdapter(client, NAMESPACE, job)
    return driver.Builder().with_modules(dag).with_adapters(adapter).build()


def write_orders(path: Path, amounts: list[str]) -> None:
    """Write an orders CSV: customer 10 has the first two amounts, 11 the rest."""
    lines = [f"{i},{10 if i <= 2 else 11},{a}" for i, a in enumerate(amounts, 1)]
    path.write_text("\n".join(["order_id,customer_id,amount", *lines]) + "\n")


def only_run(conn: Connection, job: str) -> Any:
    """Return the single run of a job of the Hamilton namespace."""
    r, j = runs.c, jobs.c
    return conn.execute(
        select(r.id, r.uuid, r.state, j.id.label("job_id"))
        .join(jobs, j.id == r.job_id)
        .where(j.namespace == NAMESPACE, j.name == job)
    ).one()


def event_types(conn: Connection, run_uuid: str) -> set[str]:
    """Return the types of the logged events of a run."""
    e = events.c
    return set(conn.execute(select(e.event_type).where(e.run_uuid == run_uuid)).scalars())


def run_facet(conn: Connection, run_id: int, name: str) -> Any:
    """Return a run-level facet stored for a run."""
    f = run_facets.c
    text: str = conn.execute(
        select(f.facet).where(f.run_id == run_id, f.scope == "run", f.name == name)
    ).scalar_one()
    return orjson.loads(text)


def test_hamilton_run_is_stored(
    live_server: str, store: Store, tmp_path: Path, shop_dag: ModuleType
) -> None:
    orders, totals = tmp_path / "orders.csv", tmp_path / "totals.csv"
    write_orders(orders, ["5.0", "7.5", "3.25"])
    dr = build(shop_dag, live_server, "order_totals")
    dr.materialize(
        to.csv(id="totals_csv", dependencies=["customer_totals"], path=str(totals)),
        inputs={"orders_path": str(orders)},
    )
    assert totals.read_text().splitlines() == ["customer_id,amount", "10,12.5", "11,3.25"]

    with store.read() as conn:
        run = only_run(conn, "order_totals")
        assert run.state == "COMPLETE"
        assert event_types(conn, run.uuid) == {"START", "RUNNING", "COMPLETE"}
        assert run_facet(conn, run.id, "hamilton")["hamilton_run_id"] == run.uuid

        f = job_facets.c
        code = orjson.loads(
            conn.execute(
                select(f.facet).where(f.job_id == run.job_id, f.name == "sourceCode")
            ).scalar_one()
        )
        assert code["language"] == "python"
        nodes = {n["name"]: n for n in orjson.loads(code["sourceCode"])}
        assert "def customer_totals(orders" in nodes["customer_totals"]["source"]

        # The loader's input and the saved CSV are datasets bound to the run.
        d, io = datasets.c, run_io.c
        bound = conn.execute(
            select(io.direction, d.name, d.id)
            .join(datasets, d.id == io.dataset_id)
            .where(io.run_id == run.id, d.namespace == NAMESPACE)
        ).all()
        assert {(row.direction, row.name) for row in bound} == {
            ("in", "orders.load_data.df"),
            ("out", str(totals)),
        }
        saved = next(row.id for row in bound if row.direction == "out")
        fields: Sequence[str] = (
            conn.execute(
                select(dataset_fields.c.name).where(
                    dataset_fields.c.dataset_id == saved, dataset_fields.c.in_schema.is_(True)
                )
            )
            .scalars()
            .all()
        )
        assert set(fields) == {"customer_id", "amount"}
    assert store.verify().ok


def test_failed_hamilton_run_is_stored(
    live_server: str, store: Store, tmp_path: Path, shop_dag: ModuleType
) -> None:
    orders = tmp_path / "orders.csv"
    write_orders(orders, ["5.0", "7.5", "-9.0"])
    dr = build(shop_dag, live_server, "checked_totals")
    with pytest.raises(ValueError, match="negative total for customer 11"):
        dr.execute(["checked_totals"], inputs={"orders_path": str(orders)})

    with store.read() as conn:
        run = only_run(conn, "checked_totals")
        assert run.state == "FAIL"
        assert event_types(conn, run.uuid) == {"START", "RUNNING", "FAIL"}
        error = run_facet(conn, run.id, "errorMessage")
        assert error["message"] == "negative total for customer 11"
        assert error["programmingLanguage"] == "python"
        assert "in checked_totals" in error["stackTrace"]
    assert store.verify().ok
