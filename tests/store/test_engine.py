"""SQLite engines: an acknowledged event survives power loss by default (synchronous=FULL)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text

from threadline.settings import Settings
from threadline.store import Store

FULL = 2  # what PRAGMA synchronous answers for FULL (0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA)


def _pragmas(settings: Settings) -> tuple[int, str]:
    store = Store(settings)
    try:
        with store.read() as conn:
            synchronous: int = conn.execute(text("PRAGMA synchronous")).scalar_one()
            journal: str = conn.execute(text("PRAGMA journal_mode")).scalar_one()
        return synchronous, journal
    finally:
        store.close()


def test_default_settings_make_sqlite_fsync_every_commit(tmp_path: Path) -> None:
    settings = replace(Settings(), database_url=f"sqlite:///{tmp_path / 'default.db'}")
    assert _pragmas(settings) == (FULL, "wal")


def test_settings_from_environment_default_to_full_sync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("THREADLINE_SQLITE_SYNCHRONOUS", raising=False)
    monkeypatch.setenv("THREADLINE_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    assert _pragmas(Settings.from_env()) == (FULL, "wal")


def test_sqlite_synchronous_setting_is_applied(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'n.db'}", sqlite_synchronous="NORMAL")
    assert _pragmas(settings) == (1, "wal")
