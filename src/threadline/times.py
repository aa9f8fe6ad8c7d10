"""Convert between ISO 8601 timestamps and the integer microseconds the store keeps."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ONE_US = timedelta(microseconds=1)
_MIN_US = (datetime(1, 1, 2, tzinfo=timezone.utc) - _EPOCH) // _ONE_US
_MAX_US = (datetime(9999, 12, 30, tzinfo=timezone.utc) - _EPOCH) // _ONE_US
_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(?:([Zz])|([+-])(\d{2}):?(\d{2})?)?"
)


def parse_iso_us(text: str) -> int:
    """Return microseconds since the epoch for an ISO 8601 timestamp.

    A timestamp without an offset is read as UTC; fractions beyond microseconds (as
    Java producers send) are truncated.

    Raises:
        ValueError: the text is not an ISO 8601 date or date-time.
    """
    match = _ISO.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text[:64]!r} is not an ISO 8601 date-time")
    year, month, day, hour, minute, second, frac, _z, sign, off_h, off_m = match.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    sec = int(second or 0)
    leap = sec == 60  # a leap second is read as the last microsecond of the minute
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            59 if leap else sec,
            999_999 if leap else micro,
            tzinfo=timezone.utc,
        )
    except ValueError as exc:
        raise ValueError(f"{text[:64]!r} is not a valid date-time: {exc}") from None
    us = (moment - _EPOCH) // _ONE_US
    if sign:
        offset = (int(off_h) * 60 + int(off_m or 0)) * 60_000_000
        if int(off_h) > 23 or int(off_m or 0) > 59:
            raise ValueError(f"{text[:64]!r} has an invalid UTC offset")
        us = us - offset if sign == "+" else us + offset
    if not _MIN_US <= us <= _MAX_US:
        raise ValueError(f"{text[:64]!r} is outside the years 0001 to 9999")
    return us


def format_iso_us(us: int | None) -> str | None:
    """Return the timestamp as ISO 8601 in UTC with microseconds and a ``Z`` suffix."""
    if us is None:
        return None
    moment = _EPOCH + timedelta(microseconds=us)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_us() -> int:
    """Return the current wall-clock time in microseconds since the epoch."""
    return time.time_ns() // 1000
