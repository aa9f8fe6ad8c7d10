"""Alembic migrations from an empty database equal the table metadata, on both dialects."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from typer.testing import CliRunner

from tests.conftest import _admin_execute, _pg_url, require_postgres
from threadline.cli.main import app
from threadline.store.migrate import head_revision
from threadline.store.tables import metadata


@pytest.fixture
def empty_db_url(dialect: str, tmp_path: Path) -> Iterator[str]:
    """URL of a database with no tables at all."""
    if dialect == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    require_postgres()
    name = f"threadline_empty_{uuid.uuid4().hex[:10]}"
    _admin_execute(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url(name)
    finally:
        _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_db_upgrade_from_empty_matches_table_metadata(empty_db_url: str) -> None:
    result = CliRunner().invoke(app, ["db", "upgrade", "--db", empty_db_url])
    assert result.exit_code == 0, result.output
    assert f"revision {head_revision()}" in result.output
    engine = create_engine(empty_db_url)
    try:
        with engine.connect() as conn:
            differences = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), metadata
            )
            tables = set(inspect(conn).get_table_names())
    finally:
        engine.dispose()
    assert differences == []
    assert tables == set(metadata.tables) | {"alembic_version"}


def test_db_upgrade_twice_is_a_no_op(empty_db_url: str) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade", "--db", empty_db_url]).exit_code == 0
    again = runner.invoke(app, ["db", "upgrade", "--db", empty_db_url])
    assert again.exit_code == 0, again.output
