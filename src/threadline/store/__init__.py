"""Storage: the hash-chained event log and its projections on SQLite or PostgreSQL."""

from threadline.store.store import Store, StoredEvent

__all__ = ["Store", "StoredEvent"]
