"""picture history: find an annotation's audit rows by the picture it was drawn on

The audit log keeps each annotation's state before and after every write (its GeoJSON Feature, whose
properties name the picture). A picture's history and its state at a past time read those rows by picture.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""
from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX ix_audit_event_annotation_picture ON audit_event "
               "((COALESCE(after, before) -> 'properties' ->> 'picture'), id) WHERE entity = 'annotation'")


def downgrade() -> None:
    op.drop_index("ix_audit_event_annotation_picture", "audit_event")
