"""``threadline demo``: record a sample pipeline into a local database and serve it."""

from __future__ import annotations

import typer

from threadline.cli.common import local_service, out, settings_for
from threadline.cli.serve import run_server


def demo(
    db: str = typer.Option("sqlite:///threadline-demo.db", "--db", help="Database for the demo."),
    port: int = typer.Option(5000, help="Port to serve on."),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the result afterwards."),
) -> None:
    """Record the sample pipeline (idempotently) and serve it at http://127.0.0.1:PORT."""
    from threadline.demo.sample import sample_events

    with local_service(db) as service:
        outcome = service.ingest_values(sample_events())
    new = sum(1 for accepted in outcome.accepted if not accepted.duplicate)
    out.print(f"sample pipeline recorded: {new} new events, {len(outcome.failed)} rejected")
    out.print(f"try: curl http://127.0.0.1:{port}/api/v1/events/lineage?limit=3")
    if serve:
        out.print(f"serving {db} at http://127.0.0.1:{port} (Ctrl-C to stop)")
        run_server(settings_for(db), host="127.0.0.1", port=port)
