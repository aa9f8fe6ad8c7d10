"""Threadline: data and model lineage on OpenLineage, SQLite or PostgreSQL."""

__version__ = "0.1.0"

__all__ = ["__version__"]
