"""annotation statistics: a hotspot annotation taken from a computed hotspot keeps the run's statistics

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("annotation", sa.Column("statistics", JSONB, nullable=True))


def downgrade() -> None:
    op.drop_column("annotation", "statistics")
