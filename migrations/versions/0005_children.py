"""documents inside documents: an e-mail's attachments, an archive's members

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("member", sa.Text(), nullable=True))
        batch.create_index(op.f("ix_documents_parent_id"), ["parent_id"], unique=False)
        batch.create_foreign_key(
            op.f("fk_documents_parent_id_documents"), "documents", ["parent_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_constraint(op.f("fk_documents_parent_id_documents"), type_="foreignkey")
        batch.drop_index(op.f("ix_documents_parent_id"))
        batch.drop_column("member")
        batch.drop_column("parent_id")
