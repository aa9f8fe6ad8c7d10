"""What every command shares: the database option, settings, consoles, error reporting."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from threadline.errors import ThreadlineError
from threadline.settings import Settings

if TYPE_CHECKING:
    from threadline.service import LineageService

out = Console(soft_wrap=True)  # one line per fact: output stays greppable
err = Console(stderr=True)

DB_OPTION = typer.Option(
    None,
    "--db",
    envvar="THREADLINE_DATABASE_URL",
    help="Database URL: sqlite:///path.db (default sqlite:///threadline.db) or postgresql://...",
)


def settings_for(db: str | None) -> Settings:
    """Return settings from the environment with the database chosen on the command line."""
    return Settings.from_env(database_url=db)


def explain(exc: ThreadlineError) -> str:
    """Return an error's message, with the closest matches when something was not found."""
    suggestions = getattr(exc, "suggestions", None)
    return exc.message + (f"; did you mean: {', '.join(suggestions)}" if suggestions else "")


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print an error and return the exit to raise."""
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


@contextmanager
def local_service(db: str | None, *, migrate: bool = True) -> Iterator[LineageService]:
    """Open the store named by ``--db`` and yield a service over it."""
    try:
        from threadline.service import LineageService
        from threadline.store import Store
    except ImportError as exc:  # the server extra is not installed
        raise fail(
            f"this command needs the server extra: pip install 'threadline[server]' ({exc})"
        ) from None
    settings = settings_for(db)
    store = Store(settings)
    try:
        if migrate:
            store.upgrade()
        yield LineageService(store, settings)
    except ThreadlineError as exc:
        raise fail(explain(exc)) from None
    finally:
        store.close()
