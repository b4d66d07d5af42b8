"""document types and profile fields

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 09:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fields",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("profile", sa.String(length=64), nullable=False),
        sa.Column("profile_hash", sa.String(length=16), nullable=True),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("column", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("normalized", sa.Text(), nullable=True),
        sa.Column("number", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(length=8), nullable=True),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("quote", sa.Text(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("engine", sa.String(length=32), nullable=True),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("corrected", sa.Text(), nullable=True),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_fields_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fields")),
        sa.UniqueConstraint(
            "document_id", "field", "row", "column", name=op.f("uq_fields_document_id")
        ),
    )
    op.create_index(op.f("ix_fields_document_id"), "fields", ["document_id"], unique=False)
    op.create_index(op.f("ix_fields_profile"), "fields", ["profile"], unique=False)
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("doc_type", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("doc_type_confidence", sa.Float(), nullable=True))
        batch.create_index(op.f("ix_documents_doc_type"), ["doc_type"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_index(op.f("ix_documents_doc_type"))
        batch.drop_column("doc_type_confidence")
        batch.drop_column("doc_type")
    op.drop_index(op.f("ix_fields_profile"), table_name="fields")
    op.drop_index(op.f("ix_fields_document_id"), table_name="fields")
    op.drop_table("fields")
