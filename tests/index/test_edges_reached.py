"""Edges found after a traversal equal the edges a collecting traversal gathers."""

from __future__ import annotations

import random

import numpy as np
import pytest

from threadline.index.graph import OPEN, Base, Edge, Graph
from threadline.index.traverse import bfs, edges_reached, member, unique_rows


def _random_graph(seed: int) -> Graph:
    """A random graph with retired edges, then a delta that replaces some groups."""
    rng = random.Random(seed)
    n = 60

    def edge(group: int) -> Edge:
        start = rng.randint(0, 50)
        end = OPEN if rng.random() < 0.7 else start + rng.randint(1, 30)
        return Edge(rng.randrange(n), rng.randrange(n), rng.randint(1, 3), start, end, group)

    base = Graph.from_base(Base.build([edge(g) for g in range(12) for _ in range(15)], n))
    groups = {g: [edge(g) for _ in range(10)] for g in rng.sample(range(16), 5)}
    return base.replace_groups(groups, n + 5) if seed % 2 else base


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("down", [True, False])
@pytest.mark.parametrize(("max_depth", "as_of"), [(1000, None), (2, None), (1000, 25), (3, 40)])
def test_edges_reached_equal_the_edges_a_collecting_traversal_gathers(
    seed: int, down: bool, max_depth: int, as_of: int | None
) -> None:
    graph = _random_graph(seed)
    roots = [seed % 7, 11]
    blocked = frozenset({5, 17})
    common = {"down": down, "max_depth": max_depth, "as_of": as_of, "blocked": blocked}
    collected = bfs(graph, roots, collect_edges=True, parents=False, **common)
    ids_only = bfs(graph, roots, collect_edges=False, parents=False, **common)
    assert sorted(ids_only.nodes.tolist()) == sorted(collected.nodes.tolist())
    found = edges_reached(graph, ids_only, down=down, max_depth=max_depth, as_of=as_of)
    assert found is not None
    assert found.tolist() == collected.edges.tolist()


def test_edges_reached_refuses_a_truncated_traversal() -> None:
    graph = _random_graph(3)
    found = bfs(graph, [0], down=True, max_depth=1000, limit=2, collect_edges=False)
    assert found.reason == "limit"
    assert edges_reached(graph, found, down=True, max_depth=1000, as_of=None) is None


def test_unique_rows_equals_numpy_unique_by_row() -> None:
    rows = np.random.default_rng(1).integers(0, 4, size=(300, 3))
    assert unique_rows(rows).tolist() == np.unique(rows, axis=0).tolist()


@pytest.mark.parametrize("high", [5, 1_000, 2**40])
def test_unique_rows_equals_numpy_unique(high: int) -> None:
    rng = np.random.default_rng(high)
    rows = np.stack(
        [rng.integers(0, high, 500), rng.integers(0, high, 500), rng.integers(0, 4, 500)], axis=1
    )
    rows = np.concatenate([rows, rows[:100]])  # duplicates
    assert np.array_equal(unique_rows(rows), np.unique(rows, axis=0))


def test_unique_rows_returns_rows_in_order_as_they_are_and_orders_the_rest() -> None:
    rows = np.unique(np.random.default_rng(2).integers(0, 50, size=(400, 3)), axis=0)
    assert unique_rows(rows) is rows  # distinct and in order already: nothing to do
    swapped = rows[[1, 0, *range(2, len(rows))]]
    assert np.array_equal(unique_rows(swapped), rows)
    repeated = np.concatenate([rows[:1], rows])  # in order, but not distinct
    assert np.array_equal(unique_rows(repeated), rows)


def test_member_equals_numpy_isin() -> None:
    rng = np.random.default_rng(1)
    values, nodes = rng.integers(0, 300, 1_000), rng.integers(0, 400, 50)
    assert np.array_equal(member(values, nodes), np.isin(values, nodes))
    empty = np.zeros(0, dtype=np.int64)
    assert member(empty, nodes).tolist() == []
    assert member(values[:3], empty).tolist() == [False, False, False]
