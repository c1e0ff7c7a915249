"""districts say whether they are the generated demo city (a column, not a source text)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The source text the demo loader stored before this column existed (layers/demo_city.py: DEMO_SOURCE then);
# written out so that the migration does not change when the project's code does.
DEMO_SOURCE = "Riskkarta demo data: generated district areas, not official boundaries"


def upgrade() -> None:
    op.add_column("district", sa.Column("is_demo", sa.Boolean, nullable=False, server_default=sa.false()))
    op.execute(sa.text("UPDATE district SET is_demo = true WHERE source = :demo").bindparams(demo=DEMO_SOURCE))


def downgrade() -> None:
    op.drop_column("district", "is_demo")
