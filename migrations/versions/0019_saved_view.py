"""saved_view: a named state of the layer viewer (layers, opacity, extent, hotspots) shared with everyone who may
see the viewer

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_view",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        # The viewer's query: {"layers": "...", "opacity": "...", "bbox": "...", "hotspots": "..."}
        sa.Column("state", postgresql.JSONB, nullable=False),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("app_user.id", ondelete="SET NULL")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("char_length(name) BETWEEN 1 AND 80", name="ck_saved_view_name"),
    )
    op.create_index("ix_saved_view_created_at", "saved_view", ["created_at"])


def downgrade() -> None:
    op.drop_table("saved_view")
