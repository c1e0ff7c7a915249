"""incident layer: incidents come in families (crime, accidents), each its own layer with its own cells

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("incident", sa.Column("layer", sa.Text, nullable=False, server_default="crime"))
    op.drop_index("ux_incident_source_id", "incident")
    op.create_index("ux_incident_source_id", "incident", ["layer", "source_id"], unique=True,
                    postgresql_where=sa.text("source_id IS NOT NULL"))
    op.add_column("incident_cell", sa.Column("layer", sa.Text, nullable=False, server_default="crime"))
    op.execute("ALTER TABLE incident_cell DROP CONSTRAINT incident_cell_pkey")
    op.execute("ALTER TABLE incident_cell ADD PRIMARY KEY (layer, size_m, gx, gy)")


def downgrade() -> None:
    op.execute("DELETE FROM incident_cell WHERE layer <> 'crime'")
    op.execute("DELETE FROM incident WHERE layer <> 'crime'")
    op.execute("ALTER TABLE incident_cell DROP CONSTRAINT incident_cell_pkey")
    op.execute("ALTER TABLE incident_cell ADD PRIMARY KEY (size_m, gx, gy)")
    op.drop_column("incident_cell", "layer")
    op.drop_index("ux_incident_source_id", "incident")
    op.create_index("ux_incident_source_id", "incident", ["source_id"], unique=True,
                    postgresql_where=sa.text("source_id IS NOT NULL"))
    op.drop_column("incident", "layer")
