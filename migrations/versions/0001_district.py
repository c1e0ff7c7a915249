"""district areas (stadsdelsområden) with their committees

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The extension is normally created with the database (it needs a superuser); this is a no-op then.
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "district",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("committee", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("geom", Geometry("MULTIPOLYGON", srid=3006, spatial_index=False), nullable=False),
        sa.CheckConstraint("ST_IsValid(geom)", name="ck_district_geom_valid"),
    )
    op.create_index("ix_district_geom", "district", ["geom"], postgresql_using="gist")


def downgrade() -> None:
    op.drop_index("ix_district_geom", table_name="district")
    op.drop_table("district")
