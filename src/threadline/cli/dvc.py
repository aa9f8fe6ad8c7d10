"""``threadline dvc``: import DVC pipelines (dvc.yaml and dvc.lock) as lineage."""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson
import typer

from threadline.cli.common import DB_OPTION, err, fail, out

if TYPE_CHECKING:
    from threadline.integrations.dvc import ImportSummary

app = typer.Typer(name="dvc", help="Import DVC pipelines as lineage.", no_args_is_help=True)


@app.command("import")
def import_(
    ctx: typer.Context,
    repo: str = typer.Argument(
        ".", metavar="REPO", help="The directory holding dvc.yaml (default: here)."
    ),
    db: str | None = DB_OPTION,
    url: str | None = typer.Option(None, "--url", help="Send to a running server instead."),
    namespace: str = typer.Option("dvc", "--namespace", help="The namespace of the jobs."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Import each stage's last run recorded in dvc.lock: jobs, runs, dataset versions."""
    from threadline.errors import ThreadlineError
    from threadline.integrations.dvc import DvcError, plan_import, run_import
    from threadline.sdk import Tracker

    if db and url:
        source = ctx.get_parameter_source("db")
        if source is not None and source.name == "COMMANDLINE":
            raise fail("give --db or --url, not both")
        db = None  # THREADLINE_DATABASE_URL from the environment yields to an explicit --url
    try:
        plan = plan_import(repo, namespace=namespace)
    except DvcError as exc:
        raise fail(exc.message) from None
    tracker = Tracker(url=url, db=db, namespace=namespace)
    try:
        summary = run_import(plan, tracker)
    except (ValueError, ThreadlineError) as exc:  # refused: the batch stored nothing
        raise fail(f"nothing imported: {exc}") from None
    finally:
        tracker.close()
    _report(summary, as_json=as_json)


def _report(summary: ImportSummary, *, as_json: bool) -> None:
    for stage, why in summary.skipped:
        err.print(f"[yellow]skipped[/] {stage}: {why}", highlight=False)
    if summary.uncommitted:
        names = ", ".join(summary.uncommitted)
        err.print(f"[yellow]uncommitted[/] dvc.lock entries ({names}): dated by dvc.lock's time")
    if as_json:
        out.print_json(orjson.dumps(summary.to_dict()).decode())
        return
    runs = (
        f"{summary.runs_new} new, {summary.runs_known} known"
        if summary.runs_new is not None
        else "new or known: the server could not be asked"
    )
    done = "spooled (the server is down)" if summary.spooled else "imported"
    out.print(f"{done} {summary.dvcfile} into namespace {summary.namespace}", highlight=False)
    out.print(f"  stages: {summary.stages} imported, {len(summary.skipped)} skipped")
    out.print(f"  runs: {runs}")
    out.print(f"  datasets: {summary.datasets}, versions: {summary.versions}")
    if summary.spooled:
        out.print(f"  spooled: {summary.spooled} events wait for the server")
