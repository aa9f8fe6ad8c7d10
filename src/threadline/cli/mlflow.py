"""``threadline mlflow``: sync MLflow runs, models and the model registry into Threadline."""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING

import orjson
import typer

from threadline.cli.common import DB_OPTION, err, fail, out

if TYPE_CHECKING:
    from threadline.integrations.mlflow import Count, SyncReport

app = typer.Typer(
    name="mlflow", help="Sync MLflow runs, models and the model registry.", no_args_is_help=True
)


@app.callback()
def _group() -> None:
    """Sync MLflow runs, models and the model registry."""


@app.command("sync")
def sync(
    tracking_uri: str = typer.Option(
        ...,
        "--tracking-uri",
        envvar="MLFLOW_TRACKING_URI",
        help="The MLflow store: sqlite:///mlflow.db, a database URL or http://server.",
    ),
    db: str | None = DB_OPTION,
    url: str | None = typer.Option(None, "--url", help="Send to a running server instead."),
    namespace: str = typer.Option("mlflow", "--namespace", help="The namespace of the jobs."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Sync runs, dataset inputs, LoggedModels, model versions, stages and aliases."""
    from threadline.integrations.mlflow import MlflowSyncError, read_store, sync_snapshot
    from threadline.sdk import Tracker

    if importlib.util.find_spec("mlflow") is None:
        raise fail("this command needs MLflow: pip install 'threadline[mlflow]'")
    if db and url:
        raise fail("give --db or --url, not both")
    try:
        snapshot = read_store(tracking_uri)
    except MlflowSyncError as exc:
        raise fail(f"nothing synced: {exc.message}") from None
    tracker = Tracker(url=url, db=db, namespace=namespace)
    try:
        report = sync_snapshot(snapshot, tracker, namespace=namespace)
    except MlflowSyncError as exc:
        raise fail(f"nothing synced: {exc.message}") from None
    except ValueError as exc:
        raise fail(f"nothing synced: {exc}") from None
    finally:
        tracker.close()
    _print(report, as_json=as_json)


def _count(count: Count) -> str:
    new = "new or known: Threadline could not be asked" if count.new is None else f"{count.new} new"
    return f"{count.total} ({new})"


def _print(report: SyncReport, *, as_json: bool) -> None:
    if as_json:
        out.print_json(orjson.dumps(report.to_dict()).decode())
        return
    out.print(f"synced {report.tracking_uri} into namespace {report.namespace}", highlight=False)
    out.print(f"  runs: {_count(report.runs)}")
    out.print(f"  dataset versions read: {_count(report.datasets)}")
    out.print(f"  logged models: {_count(report.models)}")
    out.print(f"  model versions: {_count(report.versions)}")
    out.print(f"  alias changes: {report.alias_changes}, stage changes: {report.stage_changes}")
    out.print(f"  events: {report.events} sent (already recorded ones are not stored twice)")
    if report.spooled:
        err.print(f"[yellow]spooled[/] {report.spooled} events wait for the server")
