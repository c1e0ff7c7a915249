"""hazards are plugins: any registered hazard key, not a fixed list

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""
from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The registry (layers/registry.py) decides which hazards exist; a key is a short slug.
    op.drop_constraint("ck_layer_hazard", "layer", type_="check")
    op.create_check_constraint("ck_layer_hazard", "layer", "hazard ~ '^[a-z][a-z0-9_]{0,31}$'")


def downgrade() -> None:
    op.drop_constraint("ck_layer_hazard", "layer", type_="check")
    op.create_check_constraint(
        "ck_layer_hazard", "layer",
        "hazard IN ('flood', 'heat', 'hazardous_goods', 'drinking_water', 'crime', 'other')")
