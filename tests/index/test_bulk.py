"""A full load's aggregated columns equal the rows the incremental readers read one by one."""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import Connection

from tests.events import (
    PRODUCER,
    RunState,
    columns,
    dataset_event,
    inp,
    lifecycle,
    out,
    run_event,
    schema,
    version,
)
from threadline.index import Nodes, Versions, bulk, loader
from threadline.index.graph import OPEN, Edge
from threadline.service import LineageService
from threadline.store import Store


def _typed(kind: str) -> dict[str, Any]:
    return {"datasetType": {"_producer": PRODUCER, "_schemaURL": PRODUCER, "datasetType": kind}}


def _history() -> list[dict[str, Any]]:
    """Runs that retire edges, column lineage, versions, a rename, a drop and a new kind."""
    events = []
    for i in range(6):
        job = ("tests", f"j{i % 2}")
        ins = [inp("db", f"d{(i + k) % 5}", datasetVersion=version(f"v{i}")) for k in range(2)]
        lineage = columns({"a": [("db", f"d{i % 5}", "a")]}, [("db", f"d{(i + 1) % 5}", "b")])
        outs = [out("db", f"t{i % 3}", schema=schema("a", "b"), columnLineage=lineage)]
        events.append(run_event(RunState.START, 2 * i, run=f"r{i}", job=job, inputs=ins))
        events.append(
            run_event(RunState.COMPLETE, 2 * i + 1, run=f"r{i}", job=job, inputs=ins, outputs=outs)
        )
    typed = run_event(RunState.COMPLETE, 20, run="typed", job=("tests", "typed"))
    typed["outputs"] = [{"namespace": "db", "name": "view.x", "facets": _typed("VIEW")}]
    events.append(typed)
    events.append(
        dataset_event(21, "db", "d9", lifecycleStateChange=lifecycle("RENAME", ("db", "d4")))
    )
    events.append(dataset_event(22, "db", "t2", lifecycleStateChange=lifecycle("DROP")))
    return events


def _loaded(service: LineageService) -> None:
    assert not service.ingest_values(_history()).failed
    service.record_admin("hide", {"type": "dataset", "namespace": "db", "name": "d1"})


def _rows(columns_: dict[str, np.ndarray]) -> list[tuple[int, ...]]:
    names = ("src", "dst", "kind", "vfrom", "vto", "group")
    return sorted(zip(*(columns_[name].tolist() for name in names), strict=True))


def _node_ids(conn: Connection) -> list[int]:
    return [int(i) for (i,) in conn.exec_driver_sql("SELECT id FROM nodes").all()]


def test_edge_columns_equal_the_edges_read_row_by_row(
    service: LineageService, store: Store
) -> None:
    _loaded(service)
    with store.read() as conn:
        found = bulk.edge_columns(conn)
        plain = sorted(tuple(edge) for edge in loader.load_edges(conn))
    assert _rows(found) == plain
    edges = [Edge(*row) for row in plain]
    # The history reaches every encoding: retired edges, and asserters that are neither end.
    assert any(e.valid_to != OPEN for e in edges)
    assert any(e.valid_to == OPEN for e in edges)
    assert any(e.group not in (e.src, e.dst) for e in edges)
    assert {e.kind for e in edges} >= set(loader.COLUMN_CODES)


def test_node_columns_give_the_table_node_rows_give(service: LineageService, store: Store) -> None:
    _loaded(service)
    with store.read() as conn:
        found = Nodes.from_columns(*bulk.node_columns(conn))
        plain = Nodes.empty().with_rows(loader.node_rows(conn, _node_ids(conn)))

    def table(nodes: Nodes) -> list[tuple[Any, ...]]:
        return [
            (
                i,
                int(nodes.type[i]),
                nodes.kind_names[nodes.kind[i]],
                int(nodes.namespace[i]),
                bool(nodes.hidden[i]),
                bool(nodes.deleted[i]),
                int(nodes.field_dataset[i]),
            )
            for i in np.flatnonzero(nodes.type).tolist()
        ]

    assert table(found) == table(plain)
    assert found.hidden_ids == plain.hidden_ids != frozenset()
    assert found.deleted.any()
    assert "view" in found.kind_names and "view" not in bulk.USUAL_KINDS
    assert (found.type == loader.NODE_FIELD).any()


def test_renamed_datasets_are_found_by_the_node_columns(
    service: LineageService, store: Store
) -> None:
    _loaded(service)
    with store.read() as conn:
        columns_, _names = bulk.node_columns(conn)
        renamed = columns_["id"][columns_["renamed"] == 1].tolist()
        assert loader.load_renames(conn, renamed) == loader.load_renames(conn)
    assert len(renamed) == 1


def test_version_columns_give_the_tables_version_and_run_rows_give(
    service: LineageService, store: Store
) -> None:
    _loaded(service)
    with store.read() as conn:
        found = Versions.from_columns(bulk.version_columns(conn), bulk.run_columns(conn))
        plain = Versions.empty().with_rows(loader.version_rows(conn), loader.run_rows(conn))
        edges = bulk.version_edge_columns(conn)
        plain_edges = sorted(tuple(edge) for edge in loader.load_version_edges(conn))
    for name in Versions.__dataclass_fields__:
        assert getattr(found, name).tolist() == getattr(plain, name).tolist(), name
    assert found.dataset.size > 1 and found.run_job.size > 1
    assert _rows(edges) == plain_edges != []


def test_read_columns_by_key_ranges_equals_one_statement(
    service: LineageService, store: Store
) -> None:
    _loaded(service)
    retired = "CASE WHEN valid_to_us IS NULL THEN NULL ELSE id END"
    expressions = ["id", "src", "dst", retired, "valid_to_us"]
    sparse = (False, False, False, True, True)
    with store.read() as conn:
        whole = bulk.read_columns(conn, "edges", expressions, sparse=sparse)
        ranges = bulk.read_columns(conn, "edges", expressions, sparse=sparse, span=3)
        every = conn.exec_driver_sql("SELECT id, src, dst, valid_to_us FROM edges").all()
    for found in (whole, ranges):
        rows = [c.tolist() for c in found]
        assert sorted(zip(*rows[:3], strict=True)) == sorted((i, s, d) for i, s, d, _to in every)
        ends = sorted((i, to) for i, _s, _d, to in every if to is not None)
        assert sorted(zip(*rows[3:], strict=True)) == ends != []


def test_read_columns_of_an_empty_table_are_empty(store: Store) -> None:
    with store.read() as conn:
        found = bulk.read_columns(conn, "edges", ["src", "dst"])
    assert [c.tolist() for c in found] == [[], []]
