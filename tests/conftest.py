"""Shared fixtures: a fresh store on real SQLite and real PostgreSQL, services, HTTP clients.

PostgreSQL is found at ``THREADLINE_TEST_PG`` (default: the local server, user postgres).
Without one, PostgreSQL tests skip loudly; with ``CI`` set they fail instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from threadline.service import LineageService
from threadline.settings import Settings
from threadline.store import Store

PG_ADMIN_URL = os.environ.get(
    "THREADLINE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = bool(os.environ.get("CI"))
_pg_state: dict[str, Any] = {"checked": False, "error": None}

DIALECTS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


def _pg_error() -> str | None:
    if not _pg_state["checked"]:
        _pg_state["checked"] = True
        try:
            engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            engine.dispose()
        except Exception as exc:  # any failure to connect means "no PostgreSQL here"
            _pg_state["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return _pg_state["error"]  # type: ignore[no-any-return]


def require_postgres() -> None:
    """Skip (or, under CI, fail) when no PostgreSQL server is reachable."""
    error = _pg_error()
    if error is None:
        return
    message = f"PostgreSQL not reachable at {make_url(PG_ADMIN_URL).render_as_string()}: {error}"
    if IN_CI:
        pytest.fail(f"CI is set but {message}", pytrace=False)
    pytest.skip(message)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say loudly that PostgreSQL tests were skipped.

    The skips are counted from the reports the controller receives, so that the banner
    shows under xdist too, where the skips happen in the workers.
    """
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if "PostgreSQL not reachable" in str(getattr(report, "longrepr", ""))
    ]
    if skipped:
        reason = str(skipped[0].longrepr[-1]) if isinstance(skipped[0].longrepr, tuple) else ""
        terminalreporter.write_sep(
            "!", f"{len(skipped)} PostgreSQL tests SKIPPED: {reason}", yellow=True, bold=True
        )


def _admin_execute(statement: str) -> None:
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


def _pg_url(database: str) -> str:
    return make_url(PG_ADMIN_URL).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that tests copy instead of migrating each time."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    store = Store(Settings(database_url=f"sqlite:///{path}"))
    store.upgrade()
    store.close()
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated PostgreSQL database that tests clone with CREATE DATABASE ... TEMPLATE."""
    require_postgres()
    name = f"threadline_tpl_{uuid.uuid4().hex[:10]}"
    _admin_execute(f'CREATE DATABASE "{name}"')
    store = Store(Settings(database_url=_pg_url(name)))
    store.upgrade()
    store.close()
    yield name
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fresh_database(dialect: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of a new, migrated database of the dialect, dropped afterwards."""
    if dialect == "sqlite":
        path = tmp_path / f"threadline-{uuid.uuid4().hex[:6]}.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    require_postgres()
    template = request.getfixturevalue("pg_template")
    name = f"threadline_test_{uuid.uuid4().hex[:12]}"
    _admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield _pg_url(name)
    finally:
        _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=DIALECTS)
def dialect(request: pytest.FixtureRequest) -> str:
    """The database dialect a test runs on: every store test runs on both."""
    return str(request.param)


@pytest.fixture
def db_url(dialect: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh, migrated database."""
    yield from fresh_database(dialect, request, tmp_path)


@pytest.fixture
def settings(db_url: str) -> Settings:
    """Settings for the fresh database.

    SQLite runs with ``synchronous=NORMAL`` here to spare the disk: it still survives a
    process crash, not a power loss. The default (FULL) is checked in
    ``tests/store/test_engine.py``; power loss itself is not simulated.
    """
    return Settings(database_url=db_url, sqlite_synchronous="NORMAL")


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    """A store over the fresh database."""
    opened = Store(settings)
    yield opened
    opened.close()


@pytest.fixture
def other_store(dialect: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A second store of the same dialect, over another fresh database (to compare with)."""
    for url in fresh_database(dialect, request, tmp_path):
        opened = Store(Settings(database_url=url, sqlite_synchronous="NORMAL"))
        yield opened
        opened.close()


@pytest.fixture
def service(store: Store, settings: Settings) -> LineageService:
    """The service layer over the fresh store."""
    return LineageService(store, settings)


@pytest.fixture
def client(settings: Settings) -> Iterator[Any]:
    """An in-process HTTP client (ASGI) of an app on the fresh database."""
    from fastapi.testclient import TestClient

    from threadline.api import create_app

    with TestClient(create_app(settings)) as test_client:
        yield test_client


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_server(settings: Settings) -> Iterator[str]:
    """A real uvicorn server on 127.0.0.1 serving the fresh database; yields its base URL."""
    yield from run_server(settings)


def run_server(settings: Settings) -> Iterator[str]:
    """Run a real uvicorn server on 127.0.0.1 in a thread; yield its base URL, then stop it."""
    import uvicorn

    from threadline.api import create_app

    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=20)
