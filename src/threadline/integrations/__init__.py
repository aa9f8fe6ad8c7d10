"""Integrations: tools whose runs Threadline records as OpenLineage events through the SDK."""
