"""The OpenAPI description: every route summarised; native routes documented with examples.

The examples of the native lineage routes must have the shape of real answers (the same
keys, at every level where both hold something), so the documentation cannot drift from
``threadline.wire``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from tests.api.test_native import NATIVE, get, ingest, ref, when
from threadline.demo.sample import sample_events

METHODS = ("get", "put", "post", "delete", "patch")


@pytest.fixture
def spec(client: TestClient) -> dict[str, Any]:
    """The served OpenAPI document."""
    response = client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Return (path, method, operation) for every route."""
    return [
        (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def has_example(parameter: dict[str, Any]) -> bool:
    """Say whether a parameter carries an example in any of OpenAPI's places for one."""
    schema = parameter.get("schema", {})
    return bool(
        parameter.get("example") is not None
        or parameter.get("examples")
        or schema.get("example") is not None
        or schema.get("examples")
    )


def test_openapi_every_route_has_a_summary(spec: dict[str, Any]) -> None:
    missing = [f"{m.upper()} {p}" for p, m, op in operations(spec) if not op.get("summary")]
    assert missing == []
    assert len(operations(spec)) > 40


def test_openapi_native_routes_have_a_200_example(spec: dict[str, Any]) -> None:
    native = [(p, m, op) for p, m, op in operations(spec) if p.startswith(NATIVE)]
    assert len(native) >= 11
    missing = []
    for path, method, operation in native:
        content = operation.get("responses", {}).get("200", {}).get("content", {})
        json = content.get("application/json", {})
        if not (json.get("example") or json.get("examples")):
            missing.append(f"{method.upper()} {path}")
    assert missing == []


def test_openapi_native_parameters_have_descriptions_and_examples(spec: dict[str, Any]) -> None:
    undocumented = [
        f"{method.upper()} {path} {parameter['name']}"
        for path, method, operation in operations(spec)
        if path.startswith(NATIVE)
        for parameter in operation.get("parameters", [])
        if not parameter.get("description") or not has_example(parameter)
    ]
    assert undocumented == []


FREE_FORM = {"facets", "params", "metrics", "aliases", "stages"}  # maps keyed by data: any keys


def shape_mismatches(example: Any, real: Any, where: str = "$") -> list[str]:
    """Return where an example's shape differs from a real answer's (keys, lists, objects).

    FastAPI leaves null values out of the examples it serves, so a key whose real value is
    null may be missing from the example.
    """
    if isinstance(example, dict) and isinstance(real, dict):
        if where.rsplit(".", 1)[-1] in FREE_FORM:
            return []
        required = {k for k, v in real.items() if v is not None}
        if not required <= set(example) <= set(real):
            return [f"{where}: {sorted((required - set(example)) | (set(example) - set(real)))}"]
        return [m for k in example for m in shape_mismatches(example[k], real[k], f"{where}.{k}")]
    if isinstance(example, list) and isinstance(real, list):
        if example and real:
            return shape_mismatches(example[0], real[0], f"{where}[0]")
        return []
    if example is None or real is None:
        return []
    if isinstance(example, (dict, list)) or isinstance(real, (dict, list)):
        return [f"{where}: {type(example).__name__} vs {type(real).__name__}"]
    return []


def example_of(spec: dict[str, Any], path: str) -> Any:
    """Return the 200 example of a GET route."""
    return spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["example"]


NATIVE_QUERIES = [
    pytest.param("lineage", "lineage", {"node": ref("raw"), "depth": 2}, id="lineage"),
    pytest.param("path", "path", {"from": ref("raw"), "to": ref("revenue")}, id="path"),
    pytest.param("impact", "impact", {"node": ref("revenue")}, id="impact"),
    pytest.param("diff", "diff", {"since": when("02:12"), "until": when("02:30")}, id="diff"),
    pytest.param("orphans", "orphans", {}, id="orphans"),
    pytest.param(
        "nodes/{ref}", f"nodes/{quote('job:retail:revenue.daily', safe=':/')}", {}, id="nodes"
    ),
]


@pytest.mark.parametrize(("route", "url", "params"), NATIVE_QUERIES)
def test_openapi_native_examples_have_the_shape_of_real_answers(
    client: TestClient, spec: dict[str, Any], route: str, url: str, params: dict[str, Any]
) -> None:
    ingest(client, sample_events())
    real = get(client, url, **params)
    assert shape_mismatches(example_of(spec, f"{NATIVE}/{route}"), real) == []
