"""computed hotspots: the grid cells, each run with its parameters and input counts, and each run's cells

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One row per cell of a grid ("hex-250", "square-500", ...) that ever took part in a run: the lattice is
    # anchored at the origin, so a cell keeps its index and shape from run to run.
    op.create_table(
        "grid_cell",
        sa.Column("grid", sa.Text, primary_key=True),
        sa.Column("i", sa.Integer, primary_key=True),
        sa.Column("j", sa.Integer, primary_key=True),
        sa.Column("geom", Geometry("POLYGON", srid=3006, spatial_index=False), nullable=False),
        sa.Column("geom_3857", Geometry("POLYGON", srid=3857, spatial_index=False),
                  sa.Computed("ST_Transform(geom, 3857)", persisted=True)),
    )
    op.create_index("ix_grid_cell_geom", "grid_cell", ["geom"], postgresql_using="gist")
    op.create_index("ix_grid_cell_geom_3857", "grid_cell", ["geom_3857"], postgresql_using="gist")
    op.create_table(
        "hotspot_run",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("layer", sa.Text, nullable=False),
        sa.Column("layer_version", sa.Integer, nullable=False),
        sa.Column("category", sa.Text, nullable=True),          # NULL: every category
        sa.Column("period", sa.Text, nullable=False),            # "12m", "2026", "2026-2"
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),        # exclusive
        sa.Column("band", sa.Text, nullable=False),              # "all", "night", ..., "weekday", "weekend"
        sa.Column("grid", sa.Text, nullable=False),
        sa.Column("params", JSONB, nullable=False),
        sa.Column("incidents", sa.Integer, nullable=False),      # counted in the study area
        sa.Column("cells", sa.Integer, nullable=False),          # cells in the study area
        sa.Column("hot", sa.Integer, nullable=False),
        sa.Column("cold", sa.Integer, nullable=False),
        sa.Column("current", sa.Boolean, nullable=False, server_default=sa.true()),
    )
    op.create_index("ux_hotspot_run_current", "hotspot_run",
                    ["layer", sa.text("COALESCE(category, '')"), "period", "band"], unique=True,
                    postgresql_where=sa.text("current"))
    # The cells of a run that hold incidents or came out significant (every other cell: n = 0, class 0). No foreign
    # key: a recompute writes half a million rows, and the service deletes a run's cells with the run.
    op.create_table(
        "hotspot_cell",
        sa.Column("run_id", sa.Integer, primary_key=True),
        sa.Column("i", sa.Integer, primary_key=True),
        sa.Column("j", sa.Integer, primary_key=True),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("z", sa.Float, nullable=False),
        sa.Column("p", sa.Float, nullable=False),
        sa.Column("p_fdr", sa.Float, nullable=False),
        sa.Column("class", sa.SmallInteger, nullable=False),
        sa.CheckConstraint('"class" BETWEEN -3 AND 3', name="ck_hotspot_cell_class"),
    )


def downgrade() -> None:
    op.drop_table("hotspot_cell")
    op.drop_table("hotspot_run")
    op.drop_table("grid_cell")
