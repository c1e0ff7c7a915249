"""incident counts per grid cell, precomputed for the aggregated crime tiles

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_cell",
        sa.Column("size_m", sa.Integer, primary_key=True),
        sa.Column("gx", sa.Integer, primary_key=True),
        sa.Column("gy", sa.Integer, primary_key=True),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("top", sa.String(64), nullable=False),
        sa.Column("geom", Geometry("POLYGON", srid=3006, spatial_index=False), nullable=False),
    )
    op.create_index("ix_incident_cell_geom", "incident_cell", ["geom"], postgresql_using="gist")
    # Existing incidents get their cells now; later imports rebuild them (webapp.services.imports.incidents).
    op.execute("""
        INSERT INTO incident_cell (size_m, gx, gy, n, top, geom)
        SELECT s.size, c.gx, c.gy, c.n, c.top, ST_MakeEnvelope(c.gx, c.gy, c.gx + s.size, c.gy + s.size, 3006)
        FROM unnest(ARRAY[250, 500, 1000, 2000, 4000, 8000, 16000, 32000]) AS s(size),
        LATERAL (SELECT (floor(ST_X(geom) / s.size) * s.size)::int AS gx,
                        (floor(ST_Y(geom) / s.size) * s.size)::int AS gy,
                        count(*) AS n, mode() WITHIN GROUP (ORDER BY category) AS top
                 FROM incident GROUP BY 1, 2) AS c
    """)


def downgrade() -> None:
    op.drop_table("incident_cell")
