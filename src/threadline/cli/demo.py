"""``threadline demo``: run the NEPSE stock-price pipeline, record its lineage, serve it."""

from __future__ import annotations

import importlib.util
import shlex
from pathlib import Path

import typer

from threadline.cli.common import fail, local_service, out, settings_for
from threadline.cli.serve import run_server

NEEDS = ("mlflow", "dvc", "sklearn", "pandas", "joblib", "fastapi")


def demo(
    workdir: Path = typer.Option(
        Path("threadline-demo"),
        "--workdir",
        help="Where the demo's git + DVC repository is created (an old demo there is replaced).",
    ),
    db: str | None = typer.Option(
        None, "--db", help="Database for the lineage (default: threadline.db in the workdir)."
    ),
    port: int = typer.Option(5000, help="Port to serve on."),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the result afterwards."),
) -> None:
    """Train, fix and retrain a stock-price model with DVC and MLflow; show what it touched."""
    missing = [name for name in NEEDS if importlib.util.find_spec(name) is None]
    if missing:
        raise fail(f"the demo needs {', '.join(missing)}: pip install 'threadline[demo]'")
    from threadline.demo.nepse.questions import questions
    from threadline.demo.nepse.run import run
    from threadline.demo.sample import sample_events

    database_url = db or f"sqlite:///{workdir.resolve() / 'threadline.db'}"
    try:
        result = run(workdir, database_url, say=lambda line: out.print(line, highlight=False))
    except RuntimeError as exc:
        raise fail(str(exc)) from None
    with local_service(database_url) as service:  # a warehouse pipeline beside it, for SQL lineage
        service.ingest_values(sample_events())
    seconds = sum(result.timings.values())
    out.print(f"\n[bold]Recorded in {seconds:.0f} s.[/] Questions Threadline can now answer:")
    out.print(f"\n  export THREADLINE_DATABASE_URL={shlex.quote(database_url)}", highlight=False)
    for question in questions(result):
        out.print(f"\n[bold]{question.text}[/]", highlight=False)
        out.print(f"  {question.command}", highlight=False)
    if serve:
        out.print(f"\nserving {database_url} at http://127.0.0.1:{port} (Ctrl-C to stop)")
        run_server(settings_for(database_url), host="127.0.0.1", port=port)
