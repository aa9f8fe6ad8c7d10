"""``threadline audit``: prove the log was not altered."""

from __future__ import annotations

import typer

from threadline.cli.common import DB_OPTION, err, local_service, out

app = typer.Typer(help="Verify the tamper-evident event log.", no_args_is_help=True)


@app.command("verify")
def verify(db: str | None = DB_OPTION) -> None:
    """Recompute the hash chain; exit 1 naming the first broken entry."""
    with local_service(db, migrate=False) as service:
        report = service.verify()
    if report.broken is not None:
        err.print(
            f"[bold red]chain broken at sequence {report.broken.seq}:[/] {report.broken.reason}",
            highlight=False,
        )
        raise typer.Exit(1)
    redacted = f", {report.redacted} redacted" if report.redacted else ""
    out.print(
        f"[green]ok[/]: {report.checked} events verified{redacted}; head is {report.head_seq}"
    )
