"""Lineage queries over the index, with node details read from the store."""
