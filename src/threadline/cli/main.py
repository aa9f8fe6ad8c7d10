"""The ``threadline`` command: one Typer application with a sub-command per task."""

from __future__ import annotations

import typer

from threadline import __version__
from threadline.cli import audit, db, demo, dvc, ingest, mlflow, models, query, serve
from threadline.cli.common import out

app = typer.Typer(
    name="threadline",
    help="Data and model lineage: ingest OpenLineage, ask what feeds what, prove the record.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)
app.command("ingest")(ingest.ingest)
app.command("rebuild")(db.rebuild)
for name in (
    "upstream",
    "downstream",
    "lineage",
    "path",
    "impact",
    "diff",
    "orphans",
    "search",
    "show",
):
    app.command(name)(getattr(query, name))
app.command("affected")(models.affected)
app.add_typer(models.app, name="model")
audit.app.command("report")(models.report)
app.add_typer(audit.app, name="audit")
app.add_typer(db.app, name="db")
app.add_typer(dvc.app, name="dvc")
app.add_typer(mlflow.app, name="mlflow")


@app.command("version")
def version() -> None:
    """Print Threadline's version."""
    out.print(__version__)


def main() -> None:
    """Run the command line."""
    app()
