"""The depth check on an event's value, with and without the JSON text it came from."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from threadline.errors import InvalidEvent
from threadline.openlineage import check_value


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for level in range(depth - 1):
        value = {"k": value} if level % 2 else [value]
    return {"eventType": value}


@pytest.mark.parametrize("with_text", [False, True])
def test_check_value_accepts_nesting_at_the_limit(with_text: bool) -> None:
    value = _nested(10)
    raw = orjson.dumps(value) if with_text else None
    check_value(value, max_depth=10, nul_possible=False, raw=raw)


@pytest.mark.parametrize("with_text", [False, True])
def test_check_value_refuses_nesting_past_the_limit(with_text: bool) -> None:
    value = _nested(11)
    raw = orjson.dumps(value) if with_text else None
    with pytest.raises(InvalidEvent, match="nested deeper than 10 levels"):
        check_value(value, max_depth=10, nul_possible=False, raw=raw)


def test_check_value_walks_a_shallow_value_whose_text_holds_many_brackets() -> None:
    value = {"a": [[1], [2], [3]], "b": "{[{[{[{[{[{[", "c": _nested(11)["eventType"]}
    with pytest.raises(InvalidEvent):
        check_value(value, max_depth=10, nul_possible=False, raw=orjson.dumps(value))
    shallow = {"a": [[1], [2], [3]], "b": "{[{[{[{[{[{[{[{[{[{["}
    check_value(shallow, max_depth=10, nul_possible=False, raw=orjson.dumps(shallow))
