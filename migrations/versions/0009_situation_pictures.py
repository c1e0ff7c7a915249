"""situation pictures: a committee's picture of one topic for one tertial, with a version for optimistic locking

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "situation_picture",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("district_code", sa.Text, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("tertial", sa.Integer, nullable=False),
        sa.Column("topic", sa.String(16), nullable=False),
        sa.Column("summary", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False, server_default="draft"),
        sa.Column("comment", sa.Text),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_by", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("tertial BETWEEN 1 AND 3", name="ck_picture_tertial"),
        sa.CheckConstraint("topic IN ('accidents', 'crime', 'threats', 'extremism', 'other')",
                           name="ck_picture_topic"),
        sa.CheckConstraint("status IN ('draft', 'submitted', 'returned', 'accepted')", name="ck_picture_status"),
    )
    op.create_index("ux_picture_period", "situation_picture", ["district_code", "year", "tertial", "topic"],
                    unique=True)


def downgrade() -> None:
    op.drop_table("situation_picture")
