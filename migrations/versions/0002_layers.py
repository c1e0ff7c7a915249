"""risk layers: catalog, vector features, raster assets, incidents

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "layer",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(64), nullable=False, unique=True),
        sa.Column("hazard", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title_sv", sa.Text, nullable=False),
        sa.Column("title_en", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("licence", sa.Text, nullable=False),
        sa.Column("confidentiality", sa.String(16), nullable=False, server_default="open"),
        sa.Column("version", sa.Integer, nullable=False, server_default="0"),
        sa.Column("is_demo", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("feature_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("metadata", postgresql.JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("bounds", Geometry("POLYGON", srid=3006, spatial_index=False), nullable=True),
        sa.CheckConstraint("kind IN ('vector', 'raster')", name="ck_layer_kind"),
        sa.CheckConstraint("confidentiality IN ('open', 'internal', 'restricted')", name="ck_layer_confidentiality"),
        sa.CheckConstraint("hazard IN ('flood', 'heat', 'hazardous_goods', 'drinking_water', 'crime', 'other')",
                           name="ck_layer_hazard"),
    )
    op.create_table(
        "layer_feature",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("layer_id", sa.Integer, sa.ForeignKey("layer.id", ondelete="CASCADE"), nullable=False),
        sa.Column("class", sa.String(64), nullable=False),
        sa.Column("properties", postgresql.JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("geom", Geometry("GEOMETRY", srid=3006, spatial_index=False), nullable=False),
    )
    op.create_index("ix_layer_feature_geom", "layer_feature", ["geom"], postgresql_using="gist")
    op.create_index("ix_layer_feature_layer_class", "layer_feature", ["layer_id", "class"])
    op.create_table(
        "raster_asset",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("layer_id", sa.Integer, sa.ForeignKey("layer.id", ondelete="CASCADE"), nullable=False,
                  unique=True),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("band", sa.Integer, nullable=False, server_default="1"),
        sa.Column("units", sa.Text, nullable=False),
        sa.Column("scale", sa.Float, nullable=False, server_default="1"),
        sa.Column("offset", sa.Float, nullable=False, server_default="0"),
        sa.Column("nodata", sa.Float, nullable=True),
        sa.Column("resolution_m", sa.Float, nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("bounds", Geometry("POLYGON", srid=3006, spatial_index=False), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "incident",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("district_id", sa.Integer, sa.ForeignKey("district.id", ondelete="SET NULL"), nullable=True),
        sa.Column("geom", Geometry("POINT", srid=3006, spatial_index=False), nullable=False),
    )
    op.create_index("ix_incident_geom", "incident", ["geom"], postgresql_using="gist")
    op.create_index("ix_incident_occurred_at", "incident", ["occurred_at"])


def downgrade() -> None:
    op.drop_table("incident")
    op.drop_table("raster_asset")
    op.drop_table("layer_feature")
    op.drop_table("layer")
