"""Run the Alembic migrations (one tree for both dialects) against a store's engine."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from threadline.store.engine import WRITE_OPTION

MIGRATIONS = Path(__file__).parent / "migrations"
_LOCK_ID = 0x7468726561  # arbitrary, fixed: serialises concurrent upgrades on PostgreSQL


def alembic_config() -> Config:
    """Return an Alembic configuration pointing at Threadline's migration tree."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``; concurrent callers wait for each other."""
    config = alembic_config()
    with engine.connect() as conn:
        conn = conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text(f"SELECT pg_advisory_xact_lock({_LOCK_ID})"))
            config.attributes["connection"] = conn
            command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """Return the schema revision the database is at (None when never migrated)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    """Return the newest revision this version of Threadline knows."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
