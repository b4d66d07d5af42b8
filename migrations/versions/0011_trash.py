"""The trash: a document deleted by a person is kept, with the time it was deleted, until
DOCINTEL_TRASH_DAYS have passed

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (SQLite has it): no rebuild of the documents table.
    op.add_column("documents", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f("ix_documents_deleted_at"), "documents", ["deleted_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_documents_deleted_at"), table_name="documents")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("deleted_at")
