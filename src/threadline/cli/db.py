"""``threadline db upgrade`` and ``threadline rebuild``: schema and projections."""

from __future__ import annotations

import typer
from rich.progress import Progress

from threadline.cli.common import DB_OPTION, local_service, out

app = typer.Typer(help="Manage the database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(db: str | None = DB_OPTION) -> None:
    """Apply the schema migrations up to the newest revision."""
    from threadline.store.migrate import current_revision

    with local_service(db, migrate=True) as service:
        revision = current_revision(service.store.engine)
    out.print(f"database is at revision {revision}")


def rebuild(db: str | None = DB_OPTION) -> None:
    """Drop the projections and replay the event log into fresh ones."""
    with local_service(db) as service, Progress(transient=True) as progress:
        task = progress.add_task("replaying", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        replayed = service.rebuild(advance)
    out.print(f"rebuilt the projections from {replayed} events")
