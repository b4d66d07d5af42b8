"""Layout hints learned from people's corrections: where a correspondent prints a field
(the label beside the value and the place from it), read first on its next documents

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "layout_hints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("correspondent", sa.String(length=200), nullable=False),
        sa.Column("profile", sa.String(length=64), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("place", sa.String(length=16), nullable=False),
        sa.Column("example", sa.Text(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_layout_hints_document_id_documents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_layout_hints")),
        sa.UniqueConstraint(
            "correspondent", "profile", "field", name=op.f("uq_layout_hints_correspondent")
        ),
    )
    op.create_index(
        op.f("ix_layout_hints_correspondent"), "layout_hints", ["correspondent"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_layout_hints_correspondent"), table_name="layout_hints")
    op.drop_table("layout_hints")
