"""The engines Threadline is measured against: scipy's CSR BFS, a plain-Python BFS, networkx.

Each is built from the generated graph's edge arrays (graph node ids) and answers with the
number of nodes reached, the root included.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order

from lineage_graph import LineageGraph


class Baselines:
    """scipy, Python and networkx over the same edges."""

    def __init__(self, g: LineageGraph) -> None:
        n = g.nodes
        ones = np.ones(g.src.size, dtype=np.int8)
        self.fwd = csr_matrix((ones, (g.src, g.dst)), shape=(n, n))
        self.rev = self.fwd.T.tocsr()
        self.out_lists: list[list[int]] = [[] for _ in range(n)]
        self.in_lists: list[list[int]] = [[] for _ in range(n)]
        for s, d in zip(g.src.tolist(), g.dst.tolist(), strict=True):
            self.out_lists[s].append(d)
            self.in_lists[d].append(s)
        self.nx = nx.DiGraph()
        self.nx.add_edges_from(zip(g.src.tolist(), g.dst.tolist(), strict=True))

    def scipy(self, root: int, down: bool, depth: int) -> int:
        """Count the nodes reached with scipy (level by level when depth-limited)."""
        matrix = self.fwd if down else self.rev
        if not depth:
            order = breadth_first_order(matrix, root, directed=True, return_predecessors=False)
            return int(order.size)
        seen = np.zeros(matrix.shape[0], dtype=np.bool_)
        seen[root] = True
        frontier = np.array([root])
        ptr, indices = matrix.indptr, matrix.indices
        for _ in range(depth):
            starts, counts = ptr[frontier], ptr[frontier + 1] - ptr[frontier]
            total = int(counts.sum())
            offsets = np.repeat(starts - (np.cumsum(counts) - counts), counts)
            nxt = np.unique(indices[np.arange(total) + offsets])
            nxt = nxt[~seen[nxt]]
            if not nxt.size:
                break
            seen[nxt] = True
            frontier = nxt
        return int(seen.sum())

    def python(self, root: int, down: bool, depth: int) -> int:
        """Count the nodes reached with a set and lists of lists."""
        lists = self.out_lists if down else self.in_lists
        seen, frontier, level = {root}, [root], 0
        while frontier and (not depth or level < depth):
            level += 1
            nxt = []
            for u in frontier:
                for v in lists[u]:
                    if v not in seen:
                        seen.add(v)
                        nxt.append(v)
            frontier = nxt
        return len(seen)

    def networkx(self, root: int, down: bool, depth: int) -> int:
        """Count the nodes reached with networkx."""
        graph = self.nx if down else self.nx.reverse(copy=False)
        if not depth:
            return len(nx.descendants(graph, root)) + 1
        return len(nx.single_source_shortest_path_length(graph, root, cutoff=depth))
