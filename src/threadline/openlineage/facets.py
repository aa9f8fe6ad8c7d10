"""Check the parts of standard facets that Threadline reads; everything else is kept verbatim."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from threadline.errors import InvalidEvent
from threadline.openlineage.checks import (
    child,
    describe,
    is_deleted,
    optional_array,
    optional_object,
    optional_string,
    require_object,
    require_string,
)
from threadline.times import parse_iso_us

LIFECYCLE_STATES = {"ALTER", "CREATE", "DROP", "OVERWRITE", "RENAME", "TRUNCATE"}
Checker = Callable[[dict[str, Any], str], None]


def _identifier(value: Any, path: str) -> None:
    obj = require_object(value, path)
    require_string(obj, "namespace", path)
    require_string(obj, "name", path)


def _parent(facet: dict[str, Any], path: str) -> None:
    run = require_object(facet.get("run"), child(path, "run"))
    require_string(run, "runId", child(path, "run"))
    _identifier(facet.get("job"), child(path, "job"))
    root = facet.get("root")
    if root is not None:
        root_path = child(path, "root")
        root = require_object(root, root_path)
        root_run = require_object(root.get("run"), child(root_path, "run"))
        require_string(root_run, "runId", child(root_path, "run"))
        _identifier(root.get("job"), child(root_path, "job"))


def _time(facet: dict[str, Any], key: str, path: str) -> None:
    text = optional_string(facet, key, path)
    if text is not None:
        try:
            parse_iso_us(text)
        except ValueError as exc:
            raise InvalidEvent(child(path, key), str(exc)) from None


def _nominal_time(facet: dict[str, Any], path: str) -> None:
    _time(facet, "nominalStartTime", path)
    _time(facet, "nominalEndTime", path)


def _strings(*keys: str) -> Checker:
    def check(facet: dict[str, Any], path: str) -> None:
        for key in keys:
            optional_string(facet, key, path)

    return check


def _owners(facet: dict[str, Any], path: str) -> None:
    for i, owner in enumerate(optional_array(facet, "owners", path)):
        owner_path = child(child(path, "owners"), i)
        require_string(require_object(owner, owner_path), "name", owner_path)


def _text(value: Any) -> bool:
    """Tell whether ``require_string`` accepts a value (a non-blank string)."""
    return type(value) is str and bool(value.strip())


def _maybe_text(value: Any) -> bool:
    """Tell whether ``optional_string`` accepts a value (absent, null or a string)."""
    return value is None or type(value) is str


def _schema_fields_ok(fields: list[Any]) -> bool:
    """Tell, without building paths, whether ``_schema_fields`` accepts the fields."""
    for field in fields:
        if type(field) is not dict or not _text(field.get("name")):
            return False
        if not (_maybe_text(field.get("type")) and _maybe_text(field.get("description"))):
            return False
        nested = field.get("fields")
        if nested is not None and (type(nested) is not list or not _schema_fields_ok(nested)):
            return False
    return True


def _schema_fields(fields: list[Any], path: str, depth: int = 0) -> None:
    if _schema_fields_ok(fields):
        return  # the common case; the walk below names where a field is wrong
    for i, field in enumerate(fields):
        field_path = child(path, i)
        obj = require_object(field, field_path)
        require_string(obj, "name", field_path)
        optional_string(obj, "type", field_path)
        optional_string(obj, "description", field_path)
        _schema_fields(optional_array(obj, "fields", field_path), child(field_path, "fields"))


def _schema(facet: dict[str, Any], path: str) -> None:
    _schema_fields(optional_array(facet, "fields", path), child(path, "fields"))


def _input_fields_ok(items: list[Any]) -> bool:
    """Tell, without building paths, whether ``_input_fields`` accepts the items."""
    for item in items:
        if type(item) is not dict:
            return False
        if not (_text(item.get("namespace")) and _text(item.get("name"))):
            return False
        if not _text(item.get("field")):
            return False
        steps = item.get("transformations")
        if steps is not None and (
            type(steps) is not list or any(type(step) is not dict for step in steps)
        ):
            return False
    return True


def _input_fields(items: list[Any], path: str) -> None:
    if _input_fields_ok(items):
        return  # the common case; the walk below names where an item is wrong
    for i, item in enumerate(items):
        item_path = child(path, i)
        obj = require_object(item, item_path)
        require_string(obj, "namespace", item_path)
        require_string(obj, "name", item_path)
        require_string(obj, "field", item_path)
        for j, transformation in enumerate(optional_array(obj, "transformations", item_path)):
            require_object(transformation, child(child(item_path, "transformations"), j))


def _column_lineage(facet: dict[str, Any], path: str) -> None:
    fields_path = child(path, "fields")
    for name, entry in optional_object(facet, "fields", path).items():
        entry_path = child(fields_path, name)
        entry = require_object(entry, entry_path)
        _input_fields(
            optional_array(entry, "inputFields", entry_path), child(entry_path, "inputFields")
        )
    _input_fields(optional_array(facet, "dataset", path), child(path, "dataset"))


def _version(facet: dict[str, Any], path: str) -> None:
    require_string(facet, "datasetVersion", path)


def _symlinks(facet: dict[str, Any], path: str) -> None:
    for i, identifier in enumerate(optional_array(facet, "identifiers", path)):
        _identifier(identifier, child(child(path, "identifiers"), i))


def _lifecycle(facet: dict[str, Any], path: str) -> None:
    state = require_string(facet, "lifecycleStateChange", path)
    if state not in LIFECYCLE_STATES:
        raise InvalidEvent(
            child(path, "lifecycleStateChange"),
            f"{state!r} is not one of {', '.join(sorted(LIFECYCLE_STATES))}",
        )
    previous = facet.get("previousIdentifier")
    if previous is not None:
        _identifier(previous, child(path, "previousIdentifier"))


def _lineage_inputs(items: list[Any], path: str) -> None:
    for i, item in enumerate(items):
        item_path = child(path, i)
        obj = require_object(item, item_path)
        kind = optional_string(obj, "type", item_path) or "DATASET"
        if kind == "DATASET" or "namespace" in obj or "name" in obj:
            require_string(obj, "namespace", item_path)
            require_string(obj, "name", item_path)
        optional_string(obj, "field", item_path)


def _lineage_targets(fields: dict[str, Any], path: str) -> None:
    for name, entry in fields.items():
        entry_path = child(path, name)
        entry = require_object(entry, entry_path)
        _lineage_inputs(optional_array(entry, "inputs", entry_path), child(entry_path, "inputs"))


def _dataset_lineage(facet: dict[str, Any], path: str) -> None:
    _lineage_inputs(optional_array(facet, "inputs", path), child(path, "inputs"))
    _lineage_targets(optional_object(facet, "fields", path), child(path, "fields"))


def _job_lineage(facet: dict[str, Any], path: str) -> None:
    key = "entries" if "entries" in facet else "lineage"
    for i, entry in enumerate(optional_array(facet, key, path)):
        entry_path = child(child(path, key), i)
        obj = require_object(entry, entry_path)
        kind = optional_string(obj, "type", entry_path) or "DATASET"
        if kind == "DATASET":
            require_string(obj, "namespace", entry_path)
            require_string(obj, "name", entry_path)
        _dataset_lineage(obj, entry_path)


RUN_FACETS: dict[str, Checker] = {
    "parent": _parent,
    "nominalTime": _nominal_time,
    "errorMessage": _strings("message", "programmingLanguage", "stackTrace"),
}
JOB_FACETS: dict[str, Checker] = {
    "sourceCodeLocation": _strings("url", "version", "type", "repoUrl", "path"),
    "sql": _strings("query", "dialect"),
    "sourceCode": _strings("sourceCode", "language"),
    "jobType": _strings("processingType", "integration", "jobType"),
    "documentation": _strings("description"),
    "ownership": _owners,
    "lineage": _job_lineage,
}
DATASET_FACETS: dict[str, Checker] = {
    "schema": _schema,
    "columnLineage": _column_lineage,
    "version": _version,
    "symlinks": _symlinks,
    "lifecycleStateChange": _lifecycle,
    "ownership": _owners,
    "documentation": _strings("description"),
    "dataSource": _strings("name", "uri"),
    "lineage": _dataset_lineage,
    "datasetType": _strings("datasetType", "subType"),
}


def check_facets(facets: dict[str, Any], checkers: dict[str, Checker], path: str) -> None:
    """Validate the facets Threadline interprets; unknown facets pass untouched."""
    for name, checker in checkers.items():
        facet = facets.get(name)
        if facet is not None and not is_deleted(facet):
            checker(facet, child(path, name))


__all__ = ["DATASET_FACETS", "JOB_FACETS", "RUN_FACETS", "check_facets", "describe"]
