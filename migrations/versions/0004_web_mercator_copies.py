"""stored Web Mercator copies of tile geometries, so tiles skip a transform per row

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""
from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Generated columns: PostgreSQL keeps them in step with geom; nothing else ever writes them.
    op.execute("ALTER TABLE incident ADD COLUMN geom_3857 geometry(Point, 3857) "
               "GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED")
    op.execute("ALTER TABLE layer_feature ADD COLUMN geom_3857 geometry(Geometry, 3857) "
               "GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED")
    op.execute("ALTER TABLE incident_cell ADD COLUMN geom_3857 geometry(Polygon, 3857) "
               "GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED")


def downgrade() -> None:
    for table in ("incident_cell", "layer_feature", "incident"):
        op.drop_column(table, "geom_3857")
