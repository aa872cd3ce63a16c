"""Alembic environment of the security store (accounts, display tokens, sign-in failures, audit
log) with a version table of its own, `alembic_version_security`, so the alert store and others
can migrate on their own in the same database.

`security.store.Store.migrate()` runs `upgrade head` with an open connection in
`config.attributes["connection"]`; from the command line, `-x url=...` names the database:
`alembic -c migrations/security/alembic.ini -x url=sqlite:///data/store.db upgrade head`.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

VERSION_TABLE = "alembic_version_security"


def _run(connection: Connection) -> None:
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
