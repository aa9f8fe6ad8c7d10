"""The HTTP edge: OpenLineage ingestion, the Marquez read API and the native API."""

from threadline.api.app import create_app

__all__ = ["create_app"]
