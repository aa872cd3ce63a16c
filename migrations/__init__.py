"""The stores' schema migrations (alembic): one script folder per store, `alerts` and `security`.

`upgrade(engine, folder, lock)` runs `alembic upgrade head` of a folder, one process at a time:
web workers starting together on an empty database must not all create the tables at once.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

__all__ = ["HERE", "upgrade"]

HERE = Path(__file__).resolve().parent


def upgrade(engine: sa.Engine, folder: str, lock: int) -> None:
    """`alembic upgrade head` of `HERE / folder` on `engine`. PostgreSQL: under the advisory
    lock `lock`, so each process upgrades in turn and finds the work of the one before done.
    SQLite takes its write lock per statement, not per upgrade: an upgrade that meets tables
    another process made between its look and its write fails, and looks again once."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE / folder))
    for attempt in (1, 2):
        try:
            with engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock})
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
            return
        except sa.exc.DBAPIError:
            if attempt == 2 or engine.dialect.name != "sqlite":
                raise
