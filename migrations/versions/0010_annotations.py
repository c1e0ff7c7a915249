"""annotations: what a committee draws on its situation picture (EPSG:3006), with a version for optimistic locking

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "annotation",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("picture_id", sa.Integer, sa.ForeignKey("situation_picture.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("severity", sa.Integer, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False, server_default=""),
        sa.Column("measure_type", sa.String(16)),
        sa.Column("responsible", sa.Text),
        sa.Column("measure_status", sa.String(16)),
        sa.Column("valid_from", sa.Date),
        sa.Column("valid_to", sa.Date),
        sa.Column("origin_id", sa.Integer, sa.ForeignKey("annotation.id", ondelete="SET NULL")),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_by", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("geom", Geometry("GEOMETRY", srid=3006, spatial_index=False), nullable=False),
        sa.CheckConstraint("kind IN ('hotspot', 'incident_area', 'measure', 'risk_object', 'observation')",
                           name="ck_annotation_kind"),
        sa.CheckConstraint("severity BETWEEN 1 AND 4", name="ck_annotation_severity"),
    )
    op.create_index("ix_annotation_picture_id", "annotation", ["picture_id"])
    op.create_index("ix_annotation_geom", "annotation", ["geom"], postgresql_using="gist")


def downgrade() -> None:
    op.drop_table("annotation")
