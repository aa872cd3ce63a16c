"""An alert's escalation: when its severity last rose while it was firing (the engine's
`escalate` step, notified again).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("alert_alert", sa.Column("escalated_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("alert_alert") as batch:
        batch.drop_column("escalated_at")
