"""The security store: accounts, display tokens, sign-in failures and the append-only audit log.

Revision ID: s0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0001"
down_revision = None
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "security_users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(128), nullable=False, server_default=""),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False, server_default=""),
        sa.Column("source", sa.String(16), nullable=False, server_default="local"),
        sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("must_change", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("session_version", sa.Integer, nullable=False, server_default="1"),
        _time("created_at"),
    )
    op.create_table(
        "security_display_tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        _time("created_at"),
        _time("revoked_at", nullable=True),
    )
    op.create_table(
        "security_login_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(200), nullable=False),
        _time("at"),
    )
    op.create_index("ix_security_login_failures_key", "security_login_failures", ["key", "at"])
    op.create_table(
        "security_audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _time("at"),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.String(128), nullable=False, server_default=""),
        sa.Column("address", sa.String(64), nullable=False, server_default=""),
        sa.Column("detail", sa.String(255), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("security_audit")
    op.drop_index("ix_security_login_failures_key", "security_login_failures")
    op.drop_table("security_login_failures")
    op.drop_table("security_display_tokens")
    op.drop_table("security_users")
