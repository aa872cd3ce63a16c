"""Alembic environment of the alert store (version table `alembic_version_alerts`, so the alert
schema migrates on its own beside other schemas sharing the same database).

`alerts.store.AlertStore` runs `upgrade head` with an open connection in
`config.attributes["connection"]`; from the command line, `-x url=...` names the database:
`alembic -c migrations/alerts/alembic.ini -x url=sqlite:///data/store.db upgrade head`.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

VERSION_TABLE = "alembic_version_alerts"


def _run(connection: object) -> None:
    context.configure(connection=connection, version_table=VERSION_TABLE)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise SystemExit("name the database: alembic -x url=... upgrade head")
    with create_engine(url).connect() as conn:
        _run(conn)
        conn.commit()
