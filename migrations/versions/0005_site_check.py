"""saved site checks for the planning file

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "site_check",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("created_by", sa.Text, nullable=True),
        sa.Column("reference", sa.Text, nullable=True),
        sa.Column("title", sa.Text, nullable=True),
        sa.Column("land_use", sa.String(1), nullable=False),
        sa.Column("vulnerable", postgresql.ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("inputs", postgresql.JSONB, nullable=False),
        sa.Column("result", postgresql.JSONB, nullable=False),
        sa.Column("layer_versions", postgresql.JSONB, nullable=False),
        sa.Column("rerun_of", sa.Integer, sa.ForeignKey("site_check.id", ondelete="SET NULL"), nullable=True),
        sa.Column("geom", Geometry("GEOMETRY", srid=3006, spatial_index=False), nullable=False),
        sa.CheckConstraint("land_use IN ('A', 'B', 'C')", name="ck_site_check_land_use"),
    )
    op.create_index("ix_site_check_geom", "site_check", ["geom"], postgresql_using="gist")
    op.create_index("ix_site_check_created_at", "site_check", ["created_at"])


def downgrade() -> None:
    op.drop_table("site_check")
