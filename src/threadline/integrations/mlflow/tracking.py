"""Check a tracking URI before MLflow opens it, so a sync never creates or migrates a store.

MLflow's SQL store creates its tables in an empty or foreign database and migrates an old
one on open; a sync must only read. So database URIs are inspected read-only first: the
database must exist, hold MLflow's tables, and be at the schema revision this MLflow reads.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from threadline.errors import ThreadlineError

SQLITE_HEADER = b"SQLite format 3\x00"
DB_SCHEMES = ("sqlite", "postgresql", "mysql", "mssql")
MLFLOW_TABLES = ("experiments", "runs", "alembic_version")


class MlflowSyncError(ThreadlineError):
    """The MLflow store cannot be synced (missing, not MLflow, wrong schema, unreachable)."""


def redact(uri: str) -> str:
    """Return the URI with any password replaced by ``***``."""
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    host = parts.netloc.rpartition("@")[2]
    netloc = f"{parts.username}:***@{host}" if parts.username else f"***@{host}"
    return urlunsplit(parts._replace(netloc=netloc))


def identity(uri: str) -> str:
    """Return the URI as events record it: without credentials, driver or query.

    So a store keeps one identity however it is reached, and rotating a password changes
    no event.
    """
    parts = urlsplit(uri)
    if not parts.netloc:
        return uri
    scheme = parts.scheme.split("+", 1)[0]
    return urlunsplit((scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


def check_tracking_uri(uri: str) -> str:
    """Return the tracking URI to read (a SQLite path made absolute), or say why not.

    Raises:
        MlflowSyncError: no such store, not an MLflow store, or an unsupported schema.
    """
    uri = uri.strip()
    if not uri:
        raise MlflowSyncError("no MLflow tracking URI given")
    scheme = urlsplit(uri).scheme.split("+", 1)[0].lower()
    if scheme in ("", "file") or (len(scheme) == 1 and Path(uri).exists()):
        return _check_sqlite(_local_path(uri), uri)
    if scheme == "sqlite":
        path = uri.split("://", 1)[1][1:] if "://" in uri else ""
        if path in ("", ":memory:") or path.startswith("file:"):
            raise MlflowSyncError(f"{uri}: give the path of an MLflow SQLite database file")
        return _check_sqlite(Path(path), uri)
    if scheme in DB_SCHEMES:
        _check_database(uri)
    elif scheme in ("http", "https"):
        _check_server(uri)
    return uri


def _check_server(uri: str) -> None:
    """Fail fast when a tracking server cannot be reached (MLflow retries for minutes)."""
    import httpx

    try:
        httpx.get(f"{uri.rstrip('/')}/health", timeout=10.0)
    except httpx.TransportError as exc:
        raise MlflowSyncError(f"{redact(uri)}: cannot reach the MLflow server ({exc})") from None


def _local_path(uri: str) -> Path:
    if uri.startswith("file:"):
        return Path(urlsplit(uri).path)
    return Path(uri)


def _check_sqlite(path: Path, uri: str) -> str:
    if not path.exists():
        raise MlflowSyncError(f"{uri}: no such MLflow database ({path} does not exist)")
    if path.is_dir():
        raise MlflowSyncError(
            f"{uri}: {path} is a directory; MLflow file stores (mlruns) are not supported, "
            "migrate it to SQLite with `mlflow migrate-filestore`"
        )
    with path.open("rb") as file:
        header = file.read(len(SQLITE_HEADER))
    if not header:
        raise MlflowSyncError(f"{uri}: {path} is empty, not an MLflow database")
    if header != SQLITE_HEADER:
        raise MlflowSyncError(f"{uri}: {path} is not an MLflow database (not a SQLite file)")
    resolved = path.resolve()
    try:
        # Read-only: opening with MLflow itself would create or migrate its tables.
        conn = sqlite3.connect(f"{resolved.as_uri()}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            revision = _revision(conn.execute, tables)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise MlflowSyncError(f"{uri}: cannot read {path} as a database ({exc})") from None
    _check_schema(uri, tables, revision)
    return f"sqlite:///{resolved}"


def _check_database(uri: str) -> None:
    from sqlalchemy import create_engine, inspect, text
    from sqlalchemy.exc import SQLAlchemyError

    shown = redact(uri)
    try:
        engine = create_engine(uri)
    except (SQLAlchemyError, ImportError) as exc:
        raise MlflowSyncError(f"{shown}: cannot open the database ({exc})") from None
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            revision = _revision(lambda sql: conn.execute(text(sql)), tables)
    except SQLAlchemyError as exc:
        first = str(exc).splitlines()[0]
        raise MlflowSyncError(f"{shown}: cannot read the database ({first})") from None
    finally:
        engine.dispose()
    _check_schema(shown, tables, revision)


Execute = Callable[[str], Iterable[Sequence[Any]]]


def _revision(execute: Execute, tables: set[str]) -> str | None:
    if "alembic_version" not in tables:
        return None
    rows = list(execute("SELECT version_num FROM alembic_version"))
    return str(rows[0][0]) if rows else None


def _check_schema(uri: str, tables: set[str], revision: str | None) -> None:
    import mlflow
    from mlflow.store.db.utils import _get_latest_schema_revision

    if not tables:
        raise MlflowSyncError(f"{uri}: the database is empty, not an MLflow database")
    missing = [t for t in MLFLOW_TABLES if t not in tables]
    if missing:
        raise MlflowSyncError(f"{uri}: not an MLflow database (no table {', '.join(missing)})")
    head = _get_latest_schema_revision()  # type: ignore[no-untyped-call]  # MLflow is untyped
    if revision != head:
        raise MlflowSyncError(
            f"{uri}: MLflow schema version {revision} is not the one MLflow {mlflow.__version__} "
            f"reads ({head}); sync with the MLflow version that wrote it, or back the database "
            "up and run `mlflow db upgrade`"
        )
