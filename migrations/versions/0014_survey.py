"""perceived safety: survey results per district and year, and the population they are set against

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "survey_result",
        sa.Column("district_code", sa.Text, primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("indicator", sa.Text, primary_key=True),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("value", sa.Float, nullable=False),              # per cent of those who answered
        sa.Column("sample_size", sa.Integer, nullable=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("is_demo", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("imported_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("value BETWEEN 0 AND 100", name="ck_survey_value"),
        sa.CheckConstraint("sample_size IS NULL OR sample_size > 0", name="ck_survey_sample"),
    )
    op.create_table(
        "district_population",
        sa.Column("district_code", sa.Text, primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("population", sa.Integer, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("is_demo", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.CheckConstraint("population > 0", name="ck_population_positive"),
    )


def downgrade() -> None:
    op.drop_table("district_population")
    op.drop_table("survey_result")
