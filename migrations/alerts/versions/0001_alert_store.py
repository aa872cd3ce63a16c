"""The alert store: alerts, their append-only actions, silences and maintenance windows, the
evaluator's lease, notification attempts and shift handovers.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "alert_alert",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("rule", sa.String(100), nullable=False),
        sa.Column("domain", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(4), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("handling", sa.String(12), nullable=False),
        sa.Column("group_key", sa.String(400), nullable=False),
        # rule + group key while pending or firing, NULL once resolved: one live alert per key
        sa.Column("active_key", sa.String(520), nullable=True, unique=True),
        sa.Column("district", sa.String(12), nullable=True),
        sa.Column("entity", sa.String(200), nullable=True),
        sa.Column("lon", sa.Float, nullable=True),
        sa.Column("lat", sa.Float, nullable=True),
        sa.Column("message_zh", sa.Text, nullable=False),
        sa.Column("message_en", sa.Text, nullable=False),
        _time("first_seen"),
        _time("last_change"),
        _time("fired_at", True),
        _time("resolved_at", True),
        sa.Column("assignee", sa.String(200), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("silenced", sa.Boolean, nullable=False),
        _time("pushed_until", True),
        _time("pushed_at", True),
        sa.Column("pushed_by", sa.String(200), nullable=True),
    )
    op.create_index("ix_alert_alert_last_change", "alert_alert", ["last_change"])
    op.create_index("ix_alert_alert_handling", "alert_alert", ["handling"])
    op.create_table(
        "alert_action",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.String(32), sa.ForeignKey("alert_alert.id"), nullable=False),
        sa.Column("step", sa.String(16), nullable=False),
        sa.Column("who", sa.String(200), nullable=False),
        _time("at"),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("assignee", sa.String(200), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_alert_action_alert", "alert_action", ["alert_id", "seq"])
    op.create_index("ix_alert_action_at", "alert_action", ["at"])
    op.create_table(
        "alert_silence",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("matchers", sa.Text, nullable=False),
        _time("starts_at"),
        _time("ends_at"),
        sa.Column("who", sa.String(200), nullable=False),
        _time("created_at"),
        sa.Column("comment", sa.Text, nullable=False),
    )
    op.create_table(
        "alert_lease",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(200), nullable=False),
        _time("acquired_at"),
        _time("expires_at"),
    )
    op.create_table(
        "alert_notification",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.String(32), nullable=False),
        sa.Column("event", sa.String(12), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        _time("at"),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("status", sa.Integer, nullable=True),
        sa.Column("error", sa.Text, nullable=False),
    )
    op.create_index("ix_alert_notification_alert", "alert_notification", ["alert_id"])
    op.create_table(
        "alert_handover",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("written_by", sa.String(200), nullable=False),
        _time("written_at"),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("signed_by", sa.String(200), nullable=True),
        _time("signed_at", True),
        sa.Column("version", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    for name in (
        "alert_handover",
        "alert_notification",
        "alert_lease",
        "alert_silence",
        "alert_action",
        "alert_alert",
    ):
        op.drop_table(name)
