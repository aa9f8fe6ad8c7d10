"""Turn a request body into JSON: decode gzip, enforce size and depth limits, name bad bytes."""

from __future__ import annotations

import json
import re
import zlib
from typing import Any

import orjson

from threadline.errors import InvalidEvent, PayloadTooLarge, UnsupportedEncoding

_IDENTITY = {"", "identity"}
_GZIP = {"gzip", "x-gzip", "deflate"}
_ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_LONE_SURROGATE = re.compile(rb"(?<!\\)(?:\\\\)*\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def decode_body(body: bytes, *, content_encoding: str | None, max_bytes: int) -> bytes:
    """Return the body's bytes after removing any content encoding.

    Raises:
        PayloadTooLarge: the body, compressed or decoded, is over ``max_bytes``.
        UnsupportedEncoding: the encoding is not gzip, deflate or identity.
        InvalidEvent: the compressed stream is corrupt or truncated.
    """
    if len(body) > max_bytes:
        raise PayloadTooLarge(f"request body is {len(body)} bytes; the limit is {max_bytes}")
    encoding = (content_encoding or "").strip().lower()
    if encoding in _IDENTITY:
        return body
    if encoding not in _GZIP:
        raise UnsupportedEncoding(
            f"Content-Encoding {content_encoding!r} is not supported; use gzip or none"
        )
    return _inflate(body, max_bytes)


def _inflate(body: bytes, max_bytes: int) -> bytes:
    # wbits=47 accepts both gzip and zlib framing; max_length bounds a decompression bomb.
    inflater = zlib.decompressobj(wbits=47)
    try:
        out = inflater.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise InvalidEvent("$", f"body is not valid gzip data ({exc})") from None
    if len(out) > max_bytes:
        raise PayloadTooLarge(f"decompressed body is over the limit of {max_bytes} bytes")
    if not inflater.eof:
        raise InvalidEvent("$", "gzip body is truncated")
    return out


def parse_json(raw: bytes) -> Any:
    """Parse JSON strictly (no NaN, valid UTF-8, no lone surrogates).

    Raises:
        InvalidEvent: saying what is wrong with the bytes and where.
    """
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidEvent("$", _explain_decode_error(raw, exc)) from None


def may_hold_nul(raw: bytes) -> bool:
    """Tell (cheaply) whether a body may hold an escaped NUL character."""
    return b"\\u0000" in raw and _ESCAPED_NUL.search(raw) is not None


def check_value(
    value: Any, *, max_depth: int, nul_possible: bool, raw: bytes | None = None
) -> None:
    """Check one event's value for what PostgreSQL and SQLite cannot store alike.

    ``raw``, the JSON the value was parsed from, lets a shallow event skip the depth walk:
    a value cannot nest deeper than the brackets its text holds.

    Raises:
        InvalidEvent: the value nests deeper than ``max_depth`` or holds a NUL character.
    """
    shallow = raw is not None and raw.count(b"{") + raw.count(b"[") <= max_depth
    if not shallow and _too_deep(value, max_depth):
        raise InvalidEvent("$", f"JSON is nested deeper than {max_depth} levels")
    if nul_possible:
        where = _find_nul(value)
        if where is not None:
            raise InvalidEvent(where, "strings may not contain the NUL character (\\u0000)")


def load_json(raw: bytes, *, max_depth: int) -> Any:
    """Parse one event's JSON and check it (see ``parse_json`` and ``check_value``)."""
    value = parse_json(raw)
    check_value(value, max_depth=max_depth, nul_possible=may_hold_nul(raw))
    return value


def _find_nul(value: Any) -> str | None:
    stack: list[tuple[Any, str]] = [(value, "$")]
    while stack:
        node, path = stack.pop()
        if type(node) is str:
            if "\x00" in node:
                return path
        elif type(node) is dict:
            for key, child in node.items():
                if "\x00" in key:
                    return f"{path}[{key!r}]"
                stack.append((child, f"{path}.{key}" if key.isidentifier() else f"{path}[{key!r}]"))
        elif type(node) is list:
            stack.extend((child, f"{path}[{i}]") for i, child in enumerate(node))
    return None


def _explain_decode_error(raw: bytes, exc: orjson.JSONDecodeError) -> str:
    message = str(exc)
    if not raw.strip():
        return "body is empty; expected a JSON object"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        return f"body is not valid UTF-8 (byte {bad.start})"
    if "surrogate" in message and _LONE_SURROGATE.search(raw):
        return f"a string holds a lone UTF-16 surrogate, which cannot be stored ({message})"
    if "depth" in message or "recursion" in message:
        return "JSON is nested too deeply"
    rest = raw[exc.pos : exc.pos + 9].lstrip(b"-")
    if rest.startswith((b"NaN", b"Infinity")) or "infinity" in message:
        return f"NaN and Infinity are not JSON numbers ({message})"
    if exc.pos >= len(raw.rstrip()):
        return f"JSON is truncated ({message})"
    return f"body is not valid JSON ({message})"


def _too_deep(value: Any, limit: int) -> bool:
    if type(value) is not dict and type(value) is not list:
        return False
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if type(node) is dict else node
        for child in children:
            if type(child) is dict or type(child) is list:
                stack.append((child, depth + 1))
    return False


def dump_element(value: Any) -> bytes:
    """Return the bytes stored for one element of a batch (compact JSON)."""
    return orjson.dumps(value)


_SCAN = json.JSONDecoder()
_SPACE = " \t\n\r"
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[][{}]')


def element_spans(raw: bytes, count: int) -> list[bytes] | None:
    """Return each element of a JSON array exactly as it was sent, or None if that fails.

    ``raw`` has already been parsed (and validated) as an array of ``count`` elements; this
    finds where each one begins and ends, so the log keeps a batch's events verbatim.
    """
    text = raw.decode("utf-8")
    spans: list[bytes] = []
    at = len(text) - len(text.lstrip(_SPACE)) + 1  # past the "["
    try:
        while len(spans) < count:
            while text[at] in _SPACE:
                at += 1
            end = _value_end(text, at)
            spans.append(text[at:end].encode("utf-8"))
            at = end
            while text[at] in _SPACE:
                at += 1
            at += 1  # past the "," or the closing "]"
    except (ValueError, IndexError):
        return None
    return spans


def _value_end(text: str, at: int) -> int:
    """Return where the JSON value that starts at ``at`` ends."""
    try:
        return _SCAN.raw_decode(text, at)[1]
    except RecursionError:
        # Deeper than Python's recursion limit, which orjson's 1024 levels exceed: such an
        # element is refused by the depth check, but it must still be stepped over.
        depth = 0
        for match in _STRING_OR_BRACKET.finditer(text, at):
            token = match.group()
            if token in "[{":
                depth += 1
            elif token in "]}":
                depth -= 1
                if depth == 0:
                    return match.end()
        raise ValueError("unbalanced brackets") from None
