"""``threadline serve``: the HTTP server."""

from __future__ import annotations

import ipaddress

import typer

from threadline.cli.common import DB_OPTION, fail, settings_for


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    db: str | None = DB_OPTION,
    host: str = typer.Option("127.0.0.1", help="Address to bind."),
    port: int = typer.Option(5000, help="Port to listen on (Marquez's default)."),
    insecure: bool = typer.Option(
        False, "--insecure", help="Allow a non-loopback bind without authentication."
    ),
    log_level: str = typer.Option("info", help="Log level: debug, info, warning, error."),
) -> None:
    """Serve the OpenLineage, Marquez-compatible and native APIs."""
    if not _is_loopback(host) and not insecure:
        raise fail(
            f"refusing to listen on {host} without authentication; "
            "bind 127.0.0.1 or pass --insecure"
        )
    run_server(settings_for(db), host=host, port=port, log_level=log_level)


def run_server(settings: object, *, host: str, port: int, log_level: str = "info") -> None:
    """Run uvicorn with the Threadline app until interrupted."""
    try:
        import uvicorn

        from threadline.api import create_app
        from threadline.web.ui import ui_notice
    except ImportError as exc:
        raise fail(
            f"serving needs the server extra: pip install 'threadline[server]' ({exc})"
        ) from None
    app = create_app(settings)  # type: ignore[arg-type]
    typer.echo(ui_notice(f"http://{host}:{port}/"), err=True)
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)
