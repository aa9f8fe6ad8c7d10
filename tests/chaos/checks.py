"""What every chaos test checks afterwards: the log, its chain, the projections, the index."""

from __future__ import annotations

from collections import Counter

import httpx

from tests.chaos.load import logged_keys
from tests.chaos.servers import threadline
from threadline.projection import project
from threadline.settings import Settings
from threadline.store import Store


def assert_exactly_once(db_url: str, acked: set[str]) -> Counter[str]:
    """Assert every acknowledged event is in the log once and no event is in it twice."""
    counts = logged_keys(db_url)
    assert sorted(k for k in acked if counts[k] != 1) == []
    assert sorted(k for k, n in counts.items() if n > 1) == []
    return counts


def assert_chain_verifies(db_url: str) -> None:
    """Run ``threadline audit verify`` as a user would; it must pass."""
    result = threadline("audit", "verify", "--db", db_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok: ")


def assert_projections_are_a_rebuild(db_url: str) -> None:
    """Rebuild the projections from the log: the canonical dump must not change."""
    store = Store(Settings(database_url=db_url, sqlite_synchronous="NORMAL"))
    try:
        before = store.dump()
        store.rebuild(project)
        assert store.dump() == before
    finally:
        store.close()


def downstream_outputs(base: str) -> set[str]:
    """Return the keys of the outputs a server's lineage index finds below ``chaos.source``.

    Asked with a node limit above any stream's size and checked not to be truncated: at
    larger ``THREADLINE_CHAOS_SCALE`` a stream has more nodes than the default limit, and a
    cut answer would read as lost events. Before the first event is stored the source does
    not exist: that is an empty answer.
    """
    answer = httpx.get(
        f"{base}/api/threadline/v1/lineage",
        params={
            "node": "dataset:chaos:source",
            "direction": "downstream",
            "depth": 2,
            "limit": 1_000_000,
        },
        timeout=60,
    )
    if answer.status_code == 404 and answer.json()["error"] == "not_found":
        return set()
    assert answer.status_code == 200, answer.text
    assert not answer.json()["truncated"], answer.json()["truncatedReason"]
    prefix = "dataset:chaos:out-"
    ids = [node["id"] for node in answer.json()["nodes"]]
    return {node.removeprefix(prefix) for node in ids if node.startswith(prefix)}
