"""Threadline's custom facets: the server serves their JSON Schemas, and what we emit obeys them.

The schemas extend OpenLineage's base facets by ``$ref``; OpenLineage's own schema is not on
this machine, so its three base definitions are given here (a boundary we do not own).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from threadline.facets import FACET_KEYS, SPEC, facet
from threadline.sdk import Dataset, Model, PredictionLogger, Tracker, log_predictions

_BASE = {"type": "object", "required": ["_producer", "_schemaURL"]}
OPENLINEAGE = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$defs": {name: _BASE for name in ("DatasetFacet", "RunFacet", "JobFacet")},
}


def _validator(client: Any, name: str) -> Draft202012Validator:
    schema = client.get(f"/api/threadline/v1/facets/{name}.json").json()
    Draft202012Validator.check_schema(schema)
    registry: Registry[Any] = Registry().with_resources(
        [
            (
                "https://openlineage.io/spec/2-0-2/OpenLineage.json",
                Resource.from_contents(OPENLINEAGE),
            ),
            (schema["$id"], Resource.from_contents(schema)),
        ]
    )
    return Draft202012Validator({"$ref": f"{schema['$id']}#/$defs/{name}"}, registry=registry)


def test_facet_list_names_every_custom_facet(client: Any) -> None:
    answer = client.get("/api/threadline/v1/facets")
    assert answer.status_code == 200
    assert {f["key"]: f["schema"] for f in answer.json()["facets"]} == FACET_KEYS


def test_every_facet_schema_is_served_where_its_schema_url_points(client: Any) -> None:
    for key, name in FACET_KEYS.items():
        schema = client.get(f"/api/threadline/v1/facets/{name}.json").json()
        assert schema["$id"] == f"{SPEC}/{name}.json"
        assert name in schema["$defs"]
        assert facet(key)["_schemaURL"] == f"{SPEC}/{name}.json#/$defs/{name}"


def test_unknown_facet_schema_is_a_404_naming_the_known_ones(client: Any) -> None:
    answer = client.get("/api/threadline/v1/facets/NoSuchFacet.json")
    assert answer.status_code == 404
    assert "ThreadlineModelDatasetFacet.json" in str(answer.json())


def _record(db_url: str, tmp: Path) -> None:
    tracker = Tracker(db=db_url, namespace="ml", spool=tmp / "spool")
    data = tmp / "train.csv"
    data.write_text("x,y\n1,2\n")
    changes = [{"type": "alias_set", "version": "1", "alias": "prod", "at": "2026-01-01T00:00Z"}]
    model = Model(
        "churn",
        version="1",
        framework="sklearn",
        metrics={"mae": 0.1},
        params={"alpha": "1"},
        facets={"threadline_registry": facet("threadline_registry", changes=changes)},
    )
    try:
        with tracker.step("train", inputs=[data], outputs=[model], kind="training") as step:
            step.facet(
                "threadline_validation",
                facet("threadline_validation", passed=True, metrics={"mae": 0.1}),
            )
        endpoint = Dataset(
            "churn-api",
            namespace="endpoints",
            facets={"threadline_endpoint": facet("threadline_endpoint", environment="prod")},
        )
        with tracker.step("deploy", inputs=[model], outputs=[endpoint], kind="deployment"):
            pass
        log_predictions(tracker, model=model, inputs=[data], outputs=[tmp / "p.csv"], count=1)
        served = PredictionLogger(tracker, model=model, endpoint="churn-api")
        served.log({"x": 1}, 2.0)
        served.close()
    finally:
        tracker.close()


def _custom_facets(value: Any) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key.startswith("threadline_") and isinstance(item, dict):
                found.append((key, item))
            found.extend(_custom_facets(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(_custom_facets(item))
    return found


def test_facets_the_sdk_emits_follow_their_served_schemas(
    client: Any, db_url: str, tmp_path: Path
) -> None:
    _record(db_url, tmp_path)
    events = client.get("/api/v1/events/lineage", params={"limit": 200}).json()["events"]
    emitted = _custom_facets(orjson.loads(orjson.dumps(events)))
    assert {key for key, _ in emitted} >= {
        "threadline_model",
        "threadline_registry",
        "threadline_endpoint",
        "threadline_predictions",
        "threadline_contentHash",
        "threadline_job",
        "threadline_validation",
    }
    validators = {name: _validator(client, name) for name in FACET_KEYS.values()}
    for key, value in emitted:
        errors = [e.message for e in validators[FACET_KEYS[key]].iter_errors(value)]
        assert errors == [], (key, value)


def test_facet_schemas_refuse_what_breaks_them(client: Any) -> None:
    registry = _validator(client, "ThreadlineRegistryDatasetFacet")
    bad = facet("threadline_registry", changes=[{"type": "bogus", "version": "1", "at": "x"}])
    assert [e.validator for e in registry.iter_errors(bad)] == ["enum"]
    endpoint = _validator(client, "ThreadlineEndpointDatasetFacet")
    assert not endpoint.is_valid({"environment": "prod"})  # no _producer/_schemaURL
