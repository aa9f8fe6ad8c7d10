"""The JSON Schemas of Threadline's custom facets, as their ``_schemaURL`` promises."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path

from threadline.api.docs import answer
from threadline.api.responses import JsonResponse
from threadline.errors import NotFound
from threadline.facets import FACET_KEYS, SCHEMAS, SPEC, schema_of

router = APIRouter(prefix="/api/threadline/v1/facets", tags=["Facets"])
EXAMPLE_FACET = "ThreadlineModelDatasetFacet"


def _listing() -> dict[str, Any]:
    return {
        "facets": [
            {"key": key, "schema": name, "schemaURL": f"{SPEC}/{name}.json"}
            for key, name in FACET_KEYS.items()
        ]
    }


@router.get(
    "",
    summary="List Threadline's custom facets",
    responses=answer(_listing(), "Every threadline_* facet key and its schema"),
)
async def list_facets() -> JsonResponse:
    """Name every ``threadline_*`` facet key with the schema it follows."""
    return JsonResponse(_listing())


@router.get(
    "/{name}",
    summary="Get a custom facet's JSON Schema",
    responses=answer(SCHEMAS[EXAMPLE_FACET], "The facet's JSON Schema (draft 2020-12)", 404),
)
async def get_facet_schema(
    name: str = Path(
        description="The facet's schema name, with or without .json",
        examples=[f"{EXAMPLE_FACET}.json"],
    ),
) -> JsonResponse:
    """Return the JSON Schema (draft 2020-12) of a facet, e.g. ThreadlineModelDatasetFacet.json."""
    schema = schema_of(name)
    if schema is None:
        raise NotFound(f"no facet schema {name!r}", sorted(f"{n}.json" for n in SCHEMAS))
    return JsonResponse(schema)
