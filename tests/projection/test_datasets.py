"""Datasets: namespaces, nested schema fields, schema history, facets, symlinks, lifecycle."""

from __future__ import annotations

from typing import Any

import orjson
from openlineage.client.facet_v2 import dataset_type_dataset, schema_dataset, symlinks_dataset
from sqlalchemy import select

from tests.events import RunState, at_us, dataset_event, inp, lifecycle, out, run_event, schema
from tests.projection.helpers import dataset_row, fields, ingest
from threadline.service import LineageService
from threadline.store import Store
from threadline.store.tables import dataset_facets, dataset_schemas, dataset_symlinks, namespaces


def _nested() -> schema_dataset.SchemaDatasetFacet:
    field = schema_dataset.SchemaDatasetFacetFields
    return schema_dataset.SchemaDatasetFacet(
        fields=[
            field(name="id", type="bigint"),
            field(
                name="address",
                type="struct",
                fields=[
                    field(name="street", type="string"),
                    field(name="geo", type="struct", fields=[field(name="lat", type="double")]),
                ],
            ),
        ]
    )


def test_namespaces_and_datasets_are_created_with_time_span(
    service: LineageService, store: Store
) -> None:
    ingest(
        service,
        run_event(RunState.START, 5, inputs=[inp("postgres://db:5432", "shop.public.orders")]),
        run_event(RunState.COMPLETE, 2, inputs=[inp("postgres://db:5432", "shop.public.orders")]),
    )
    row = dataset_row(store, "postgres://db:5432", "shop.public.orders")
    assert (row["created_us"], row["updated_us"]) == (at_us(2), at_us(5))
    with store.read() as conn:
        assert sorted(conn.execute(select(namespaces.c.name)).scalars()) == [
            "postgres://db:5432",
            "tests",
        ]


def test_nested_schema_fields_get_dotted_paths_and_parents(
    service: LineageService, store: Store
) -> None:
    ingest(service, dataset_event(1, "db", "people", schema=_nested()))
    assert fields(store, "db", "people") == [
        ("address", "struct", None),
        ("address.geo", "struct", "address"),
        ("address.geo.lat", "double", "address.geo"),
        ("address.street", "string", "address"),
        ("id", "bigint", None),
    ]


def _schema_history(store: Store) -> list[tuple[int, list[str]]]:
    with store.read() as conn:
        rows = conn.execute(
            select(dataset_schemas.c.observed_us, dataset_schemas.c.fields).order_by(
                dataset_schemas.c.observed_us
            )
        ).all()
    return [(r.observed_us, [f["path"] for f in orjson.loads(r.fields)]) for r in rows]


def test_schema_history_keeps_change_points_in_any_order(
    service: LineageService, store: Store
) -> None:
    # Arrives out of order: the current schema is the newest by event time.
    ingest(
        service,
        dataset_event(3, "db", "t", schema=schema("a", "b")),
        dataset_event(1, "db", "t", schema=schema("a")),
        dataset_event(2, "db", "t", schema=schema("a", "b")),
        dataset_event(4, "db", "t", schema=schema("a", "b")),
        dataset_event(0, "db", "t", schema=schema("a")),
    )
    assert _schema_history(store) == [(at_us(0), ["a"]), (at_us(2), ["a", "b"])]
    assert [f[0] for f in fields(store, "db", "t")] == ["a", "b"]
    ingest(service, dataset_event(5, "db", "t", schema=schema("b", "c")))
    assert [f[0] for f in fields(store, "db", "t")] == ["b", "c"]


def _facets(store: Store, ns: str, name: str) -> dict[str, Any]:
    ds = dataset_row(store, ns, name)["id"]
    with store.read() as conn:
        rows = conn.execute(
            select(dataset_facets.c.name, dataset_facets.c.facet).where(
                dataset_facets.c.dataset_id == ds, dataset_facets.c.deleted.is_(False)
            )
        ).all()
    return {r.name: orjson.loads(r.facet) for r in rows}


def test_dataset_facets_keep_latest_per_key_and_honour_deleted(
    service: LineageService, store: Store
) -> None:
    custom = {"_producer": "p", "_schemaURL": "https://example.com/custom.json"}
    ingest(
        service,
        dataset_event(
            2, "db", "t", custom_stats={**custom, "rows": 20}, custom_owner={**custom, "who": "x"}
        ),
        dataset_event(1, "db", "t", custom_stats={**custom, "rows": 10}),
        dataset_event(3, "db", "t", custom_owner={**custom, "_deleted": True}),
    )
    facets = _facets(store, "db", "t")
    assert set(facets) == {"custom_stats"}
    assert facets["custom_stats"]["rows"] == 20
    ingest(service, dataset_event(4, "db", "t", custom_owner={**custom, "who": "y"}))
    assert _facets(store, "db", "t")["custom_owner"]["who"] == "y"


def test_symlinks_are_recorded(service: LineageService, store: Store) -> None:
    links = symlinks_dataset.SymlinksDatasetFacet(
        identifiers=[
            symlinks_dataset.Identifier(
                namespace="hive://metastore:9083", name="db.orders", type="TABLE"
            ),
            symlinks_dataset.Identifier(
                namespace="s3://lake", name="warehouse/orders", type="LOCATION"
            ),
        ]
    )
    ingest(
        service,
        run_event(RunState.COMPLETE, 1, outputs=[out("s3://lake", "orders", symlinks=links)]),
    )
    with store.read() as conn:
        rows = conn.execute(
            select(dataset_symlinks.c.namespace, dataset_symlinks.c.name, dataset_symlinks.c.type)
        ).all()
    assert sorted(tuple(r) for r in rows) == [
        ("hive://metastore:9083", "db.orders", "TABLE"),
        ("s3://lake", "warehouse/orders", "LOCATION"),
    ]


def test_lifecycle_drop_and_rename_follow_event_time(service: LineageService, store: Store) -> None:
    ingest(
        service,
        run_event(
            RunState.COMPLETE, 5, outputs=[out("db", "t", lifecycleStateChange=lifecycle("DROP"))]
        ),
        run_event(
            RunState.COMPLETE,
            2,
            run="r0",
            outputs=[out("db", "t", lifecycleStateChange=lifecycle("CREATE"))],
        ),
    )
    row = dataset_row(store, "db", "t")
    assert (row["lifecycle_state"], row["is_deleted"]) == ("DROP", True)
    ingest(
        service,
        run_event(
            RunState.COMPLETE,
            9,
            run="r2",
            outputs=[out("db", "t2", lifecycleStateChange=lifecycle("RENAME", ("db", "t")))],
        ),
    )
    renamed = dataset_row(store, "db", "t2")
    assert (
        renamed["lifecycle_state"],
        renamed["previous_namespace"],
        renamed["previous_name"],
    ) == ("RENAME", "db", "t")
    ingest(
        service,
        run_event(
            RunState.COMPLETE,
            12,
            run="r3",
            outputs=[out("db", "t", lifecycleStateChange=lifecycle("CREATE"))],
        ),
    )
    assert dataset_row(store, "db", "t")["is_deleted"] is False


def test_dataset_kind_comes_from_facets(service: LineageService, store: Store) -> None:
    ingest(
        service,
        dataset_event(
            1,
            "db",
            "v",
            datasetType=dataset_type_dataset.DatasetTypeDatasetFacet(datasetType="VIEW"),
        ),
        dataset_event(
            1,
            "models",
            "churn",
            threadline_model={"_producer": "p", "_schemaURL": "s", "name": "churn"},
        ),
        dataset_event(1, "db", "plain"),
    )
    assert [
        dataset_row(store, *key)["kind"]
        for key in (("db", "v"), ("models", "churn"), ("db", "plain"))
    ] == ["view", "model", "dataset"]
