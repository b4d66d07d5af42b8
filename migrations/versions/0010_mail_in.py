"""Mail in: IMAP accounts, each folder's place, the ledger of messages taken (processed
once, by account, folder, UIDVALIDITY and UID, and by Message-ID), document tags, and a
document's correspondent

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 01:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "mail_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("security", sa.String(length=16), nullable=False),
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("auth", sa.String(length=16), nullable=False),
        sa.Column("password_env", sa.String(length=128), nullable=True),
        sa.Column("password_file", sa.Text(), nullable=True),
        sa.Column("token_command", sa.Text(), nullable=True),
        sa.Column("ca_file", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_ok_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_try_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_accounts")),
        sa.UniqueConstraint("name", name=op.f("uq_mail_accounts_name")),
    )
    op.create_table(
        "mail_folders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("folder", sa.String(length=255), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.Column("rules_hash", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_folders")),
        sa.UniqueConstraint("account", "folder", name=op.f("uq_mail_folders_account")),
    )
    op.create_table(
        "mail_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("folder", sa.String(length=255), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("uid", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.String(length=512), nullable=True),
        sa.Column("rule", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("documents", JSON, nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_messages")),
        sa.UniqueConstraint(
            "account", "folder", "uidvalidity", "uid", name=op.f("uq_mail_messages_account")
        ),
    )
    op.create_index(
        "ix_mail_messages_account_message_id", "mail_messages", ["account", "message_id"]
    )
    op.create_table(
        "document_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_document_tags_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_tags")),
        sa.UniqueConstraint("document_id", "tag", name=op.f("uq_document_tags_document_id")),
    )
    op.create_index(op.f("ix_document_tags_tag"), "document_tags", ["tag"])
    # A plain ADD COLUMN (SQLite has it): no rebuild of the documents table.
    op.add_column("documents", sa.Column("correspondent", sa.String(length=200), nullable=True))
    op.create_index(op.f("ix_documents_correspondent"), "documents", ["correspondent"])


def downgrade() -> None:
    op.drop_index(op.f("ix_documents_correspondent"), table_name="documents")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("correspondent")
    op.drop_index(op.f("ix_document_tags_tag"), table_name="document_tags")
    op.drop_table("document_tags")
    op.drop_index("ix_mail_messages_account_message_id", table_name="mail_messages")
    op.drop_table("mail_messages")
    op.drop_table("mail_folders")
    op.drop_table("mail_accounts")
