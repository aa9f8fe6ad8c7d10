"""Model questions: ``threadline model lineage|check|registry``, ``affected``, ``audit report``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from threadline.cli import render
from threadline.cli.backend import backend
from threadline.cli.common import DB_OPTION, out
from threadline.cli.query import JSON, URL

app = typer.Typer(help="Model lineage, registry history and reproducibility.", no_args_is_help=True)
MODEL = typer.Argument(..., help="NAME, NAME@VERSION or NAME@ALIAS (e.g. nepse-price@champion)")


def _rows(title: str, rows: list[dict[str, Any]], columns: list[str]) -> None:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(str(row.get(c)) if row.get(c) is not None else "" for c in columns))
    out.print(table)


@app.command("lineage")
def lineage(
    model: str = MODEL,
    db: str | None = DB_OPTION,
    url: str | None = URL,
    as_of: str | None = typer.Option(None, "--as-of", help="As it was at this time."),
    json: bool = JSON,
) -> None:
    """What trained a model version, how it was validated, where it is deployed."""
    with backend(db, url) as source:
        answer = source.model_lineage(model, as_of)
    if json:
        render.print_json(answer)
        return
    alias = f" (alias {answer['alias']})" if answer["alias"] else ""
    out.print(f"[bold]{answer['model']}[/] version {answer['version']}{alias}", highlight=False)
    training = answer["training"] or {}
    out.print(
        f"trained by {training.get('id')} of {training.get('job')} "
        f"at commit {(training.get('code') or {}).get('commit')}",
        highlight=False,
    )
    out.print(f"params {training.get('params')} metrics {training.get('metrics')}", highlight=False)
    _rows("training data", answer["trainingData"], ["id", "pinned"])
    _rows("raw sources", answer["rawSources"], ["id", "pinned"])
    validations = [{**v, "results": _facet_text(v["results"])} for v in answer["validations"]]
    _rows("validation", validations, ["id", "job", "state", "results"])
    _rows("registry history", answer["registry"]["history"], ["at", "type", "version", "label"])
    _rows("deployments", answer["deployments"], ["id", "environment", "deployedBy"])
    _rows("prediction sets", answer["predictions"], ["id", "createdAt"])


def _facet_text(facet: dict[str, Any] | None) -> str:
    """Return a facet's own fields as ``key=value`` pairs (without ``_producer``/``_schemaURL``)."""
    return ", ".join(f"{k}={v}" for k, v in (facet or {}).items() if not k.startswith("_"))


@app.command("check")
def check(
    model: str | None = typer.Argument(None, help="A model; every model when absent."),
    db: str | None = DB_OPTION,
    url: str | None = URL,
    json: bool = JSON,
) -> None:
    """Can model versions be rebuilt exactly? Lists what is not pinned; exits 1 if anything."""
    with backend(db, url) as source:
        answers = source.model_check(model)
    if json:
        render.print_json(answers)
    else:
        for answer in answers:
            verdict = "reproducible" if answer["reproducible"] else "NOT reproducible"
            out.print(f"{answer['model']}: {verdict}", highlight=False)
            for problem in answer["problems"]:
                out.print(f"  {problem['node']}: {problem['problem']}", highlight=False)
    if any(not a["reproducible"] for a in answers):
        raise typer.Exit(1)


@app.command("registry")
def registry(
    model: str = MODEL, db: str | None = DB_OPTION, url: str | None = URL, json: bool = JSON
) -> None:
    """A model's versions, aliases, stages and their full history."""
    with backend(db, url) as source:
        answer = source.model_registry(model)
    if json:
        render.print_json(answer)
        return
    out.print(f"aliases: {answer['aliases']}  stages: {answer['stages']}", highlight=False)
    _rows(
        f"history of {answer['model']}",
        answer["history"],
        ["at", "type", "version", "label", "actor"],
    )


def affected(
    dataset: str = typer.Argument(..., help="A dataset reference (or dataset version)."),
    version: str | None = typer.Option(None, "--version", help="One version of the dataset."),
    since: str | None = typer.Option(None, "--from", help="Versions created from this time..."),
    until: str | None = typer.Option(None, "--to", help="... up to this time."),
    db: str | None = DB_OPTION,
    url: str | None = URL,
    json: bool = JSON,
) -> None:
    """Which models, deployments and prediction sets were built on this data."""
    with backend(db, url) as source:
        answer = source.affected(dataset, version=version, since=since, until=until)
    if json:
        render.print_json(answer)
        return
    out.print(f"{answer['dataset']} versions {', '.join(answer['versions'])}", highlight=False)
    for group in ("models", "deployments", "predictions"):
        _rows(group, answer[group], ["id", "distance", "createdAt"])


def report(
    model: str = MODEL,
    db: str | None = DB_OPTION,
    url: str | None = URL,
    html: Path | None = typer.Option(None, "--html", help="Also write a readable page here."),
    json: bool = JSON,
) -> None:
    """The audit report of a model version: lineage, checks, evidence, chain proof."""
    from threadline.web.report import render_report

    with backend(db, url) as source:
        answer = source.audit_report(model)
    if html is not None:
        html.write_text(render_report(answer), encoding="utf-8")
    if json or html is None:
        render.print_json(answer)
    if html is not None:
        out.print(f"wrote {html}", highlight=False)
