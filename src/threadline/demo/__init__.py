"""The demo: a sample lineage pipeline, recorded with the OpenLineage client and served."""
