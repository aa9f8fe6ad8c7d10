"""Small typed accessors that raise ``InvalidEvent`` with the JSON path of a bad value."""

from __future__ import annotations

from typing import Any

from threadline.errors import InvalidEvent

JSON_TYPES = {
    dict: "an object",
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}


MAX_FACET_NAME = 255


def describe(value: Any) -> str:
    """Name a JSON value's type the way error messages say it."""
    return JSON_TYPES.get(type(value), type(value).__name__)


def child(path: str, key: str | int) -> str:
    """Return the JSON path of ``key`` under ``path``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if key.isidentifier():
        return f"{path}.{key}"
    return f"{path}[{key!r}]"


def require_object(value: Any, path: str) -> dict[str, Any]:
    """Return ``value`` if it is a JSON object."""
    if type(value) is not dict:
        raise InvalidEvent(path, f"expected an object, got {describe(value)}")
    return value


def required_object(parent: dict[str, Any], key: str, path: str) -> dict[str, Any]:
    """Return ``parent[key]`` as an object; absent or null is "required"."""
    if parent.get(key) is None:
        raise InvalidEvent(child(path, key), "is required")
    return require_object(parent[key], child(path, key))


def optional_object(parent: dict[str, Any], key: str, path: str) -> dict[str, Any]:
    """Return ``parent[key]`` as an object, or an empty one when absent or null."""
    value = parent.get(key)
    if value is None:
        return {}
    return require_object(value, child(path, key))


def optional_array(parent: dict[str, Any], key: str, path: str) -> list[Any]:
    """Return ``parent[key]`` as an array, or an empty one when absent or null."""
    value = parent.get(key)
    if value is None:
        return []
    if type(value) is not list:
        raise InvalidEvent(child(path, key), f"expected an array, got {describe(value)}")
    return value


def require_string(parent: dict[str, Any], key: str, path: str) -> str:
    """Return ``parent[key]`` as a non-empty string."""
    if key not in parent or parent[key] is None:
        raise InvalidEvent(child(path, key), "is required")
    value = parent[key]
    if type(value) is not str:
        raise InvalidEvent(child(path, key), f"expected a string, got {describe(value)}")
    if not value.strip():
        raise InvalidEvent(child(path, key), "must not be empty")
    return value


def optional_string(parent: dict[str, Any], key: str, path: str) -> str | None:
    """Return ``parent[key]`` as a string, or None when absent or null."""
    value = parent.get(key)
    if value is None:
        return None
    if type(value) is not str:
        raise InvalidEvent(child(path, key), f"expected a string, got {describe(value)}")
    return value


def facet_map(parent: dict[str, Any], key: str, path: str) -> dict[str, Any]:
    """Return a facets object whose every value is itself an object."""
    facets = optional_object(parent, key, path)
    base = child(path, key)
    for name, facet in facets.items():
        if len(name) > MAX_FACET_NAME:
            raise InvalidEvent(
                child(base, name[:40] + "..."),
                f"facet names are at most {MAX_FACET_NAME} characters; this one has {len(name)}",
            )
        if type(facet) is not dict:
            raise InvalidEvent(
                child(base, name), f"a facet must be an object, got {describe(facet)}"
            )
    return facets


def is_deleted(facet: dict[str, Any]) -> bool:
    """Tell whether a facet is a deletion marker (``_deleted: true``)."""
    return facet.get("_deleted") is True
