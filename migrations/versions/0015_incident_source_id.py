"""incident source id: a stable id per incident (the export's own id column, or a hash of the row), unique

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("incident", sa.Column("source_id", sa.Text, nullable=True))
    op.create_index("ux_incident_source_id", "incident", ["source_id"], unique=True,
                    postgresql_where=sa.text("source_id IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ux_incident_source_id", "incident")
    op.drop_column("incident", "source_id")
