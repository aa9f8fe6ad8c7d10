"""A deterministic generator of realistic lineage graphs, shared by the benchmarks.

Layered like real pipelines: 20 job layers in 200 domains; each job reads 1-5 datasets
(60% from the previous layer, 90% from its own domain, popular tables far more often, so
hubs form) and writes 1-3 new ones; datasets that nothing writes are sources. Nodes:
datasets ``0..D-1``, jobs ``D..D+J-1``; edges go dataset -> job (input) and job -> dataset
(output), without duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

LAYERS, DOMAINS = 20, 200


@dataclass(frozen=True)
class LineageGraph:
    """Edges of a generated graph as numpy arrays, with job and dataset counts."""

    src: npt.NDArray[np.int64]
    dst: npt.NDArray[np.int64]
    datasets: int
    jobs: int
    job_inputs: list[list[int]]
    job_outputs: list[list[int]]

    @property
    def nodes(self) -> int:
        """Return the number of nodes."""
        return self.datasets + self.jobs


def generate(jobs: int = 206_000, datasets: int = 618_000, seed: int = 7) -> LineageGraph:
    """Generate a layered lineage graph (the same for the same arguments)."""
    rng = np.random.default_rng(seed)
    per_layer = jobs // LAYERS
    produced: list[list[list[int]]] = [[[] for _ in range(DOMAINS)] for _ in range(LAYERS + 1)]
    # About a third of the datasets are sources; jobs write the rest (about two each).
    source_count = max(datasets - jobs * 2, datasets // 3)
    for d in range(source_count):
        produced[0][d % DOMAINS].append(d)
    next_dataset = source_count
    job_inputs: list[list[int]] = []
    job_outputs: list[list[int]] = []
    src: list[int] = []
    dst: list[int] = []
    for layer in range(1, LAYERS + 1):
        for j in range(per_layer):
            job = datasets + len(job_inputs)
            domain = j % DOMAINS
            reads: set[int] = set()
            for _ in range(int(rng.integers(1, 6))):
                from_layer = layer - 1 if rng.random() < 0.6 else int(rng.integers(layer))
                source = domain if rng.random() < 0.9 else int(rng.integers(DOMAINS))
                pool = produced[from_layer][source] or produced[0][source]
                if pool:
                    # Popular tables are read far more often: hubs, as in real lineage.
                    reads.add(pool[int(len(pool) * rng.random() ** 4)])
            writes = []
            for _ in range(int(rng.integers(1, 4))):
                if next_dataset >= datasets:
                    break
                writes.append(next_dataset)
                produced[layer][domain].append(next_dataset)
                next_dataset += 1
            job_inputs.append(sorted(reads))
            job_outputs.append(writes)
            src.extend(reads)
            dst.extend([job] * len(reads))
            src.extend([job] * len(writes))
            dst.extend(writes)
    return LineageGraph(
        np.array(src, dtype=np.int64),
        np.array(dst, dtype=np.int64),
        datasets,
        len(job_inputs),
        job_inputs,
        job_outputs,
    )
