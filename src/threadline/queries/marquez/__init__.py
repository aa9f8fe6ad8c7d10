"""Read models of the Marquez REST API: Marquez's JSON shapes built from Threadline's projections.

Each module answers one family of Marquez endpoints (namespaces, datasets, versions, jobs,
runs, lineage graphs, search) and returns plain dicts ready to encode. Lookups raise
``NotFound`` and ``InvalidParameter`` so every edge answers 404 and 400 the same way.
"""
