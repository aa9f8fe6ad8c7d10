"""Alembic environment: migrations run on a connection handed in by ``threadline.store.migrate``."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import create_engine

from threadline.store.tables import metadata

config = context.config


def _run(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    # Used by developers running `alembic` directly with -x url=...
    url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///threadline.db")
    with create_engine(url).connect() as conn:
        _run(conn)
