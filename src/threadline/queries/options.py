"""Query options shared by every traversal, with the bounds that keep queries finite."""

from __future__ import annotations

from dataclasses import dataclass

from threadline.errors import InvalidParameter
from threadline.times import now_us, parse_iso_us

DIRECTIONS = ("upstream", "downstream", "both")
GRANULARITIES = ("entity", "version", "column")
DEFAULT_DEPTH = 20
MAX_DEPTH = 1000
DEFAULT_LIMIT = 10_000
MAX_LIMIT = 1_000_000
DEFAULT_BUDGET_MS = 5_000
FUTURE_SLACK_US = 5 * 60 * 1_000_000


@dataclass(frozen=True, slots=True)
class QueryOptions:
    """How far, when, at which granularity and for which nodes a traversal looks.

    ``depth`` counts edges (dataset -> job is one, dataset -> job -> dataset two).
    ``kinds`` and ``namespaces`` filter the nodes returned; the traversal still passes
    through other nodes, so a filtered answer keeps its reach.
    """

    direction: str = "both"
    depth: int = DEFAULT_DEPTH
    as_of: int | None = None
    granularity: str = "entity"
    kinds: frozenset[str] = frozenset()
    namespaces: frozenset[str] = frozenset()
    limit: int = DEFAULT_LIMIT
    budget_ms: int = DEFAULT_BUDGET_MS

    @classmethod
    def parse(
        cls,
        *,
        direction: str = "both",
        depth: int | None = None,
        as_of: str | None = None,
        granularity: str = "entity",
        kinds: list[str] | None = None,
        namespaces: list[str] | None = None,
        limit: int | None = None,
        budget_ms: int | None = None,
    ) -> QueryOptions:
        """Validate raw parameters (from HTTP or the command line).

        Raises:
            InvalidParameter: naming the parameter and its allowed range.
        """
        if direction not in DIRECTIONS:
            raise InvalidParameter(
                f"direction must be one of {', '.join(DIRECTIONS)}; got {direction!r}"
            )
        if granularity not in GRANULARITIES:
            raise InvalidParameter(
                f"granularity must be one of {', '.join(GRANULARITIES)}; got {granularity!r}"
            )
        depth = DEFAULT_DEPTH if depth is None else depth
        if not 0 <= depth <= MAX_DEPTH:
            raise InvalidParameter(f"depth must be between 0 and {MAX_DEPTH}; got {depth}")
        limit = DEFAULT_LIMIT if limit is None else limit
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidParameter(f"limit must be between 1 and {MAX_LIMIT}; got {limit}")
        budget = DEFAULT_BUDGET_MS if budget_ms is None else budget_ms
        if not 1 <= budget <= 60_000:
            raise InvalidParameter(f"budget_ms must be between 1 and 60000; got {budget}")
        return cls(
            direction,
            depth,
            parse_as_of(as_of),
            granularity,
            frozenset(kinds or ()),
            frozenset(namespaces or ()),
            limit,
            budget,
        )


def parse_as_of(text: str | None, name: str = "as_of") -> int | None:
    """Parse a point in time; a time in the future (beyond clock slack) is refused."""
    if text is None or text == "":
        return None
    try:
        value = parse_iso_us(text)
    except ValueError as exc:
        raise InvalidParameter(f"{name}: {exc}") from None
    if value > now_us() + FUTURE_SLACK_US:
        raise InvalidParameter(f"{name} {text!r} is in the future; lineage is only known up to now")
    return value
