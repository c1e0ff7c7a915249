"""import_job: the administrator's web uploads of imports, their progress and their outcome

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_job",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("target", sa.Text, nullable=False),              # districts, survey or a layer's slug
        sa.Column("filename", sa.Text, nullable=False),
        sa.Column("options", postgresql.JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("state", sa.String(16), nullable=False, server_default="queued"),
        sa.Column("done", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("total", sa.BigInteger),
        sa.Column("label", sa.Text),
        sa.Column("result", postgresql.JSONB),                     # the summary, as the CLI prints it
        sa.Column("problem", postgresql.JSONB),                    # status, type, title, detail
        sa.Column("created_by", sa.Integer, sa.ForeignKey("app_user.id", ondelete="SET NULL")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="ck_import_job_state"),
    )
    op.create_index("ix_import_job_created_at", "import_job", ["created_at"])


def downgrade() -> None:
    op.drop_table("import_job")
