"""Organising documents: correspondents (and the names merged into them), a document's
correspondent, a person's notes on a document, and the rules that tag a finishing document

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 16:00:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "correspondents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_correspondents")),
        sa.UniqueConstraint("key", name=op.f("uq_correspondents_key")),
    )
    op.create_table(
        "correspondent_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("correspondent_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["correspondent_id"],
            ["correspondents.id"],
            name=op.f("fk_correspondent_aliases_correspondent_id_correspondents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_correspondent_aliases")),
        sa.UniqueConstraint("key", name=op.f("uq_correspondent_aliases_key")),
    )
    op.create_index(
        op.f("ix_correspondent_aliases_correspondent_id"),
        "correspondent_aliases",
        ["correspondent_id"],
    )
    op.create_table(
        "document_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_document_notes_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_notes")),
    )
    op.create_index(op.f("ix_document_notes_document_id"), "document_notes", ["document_id"])
    op.create_table(
        "tag_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("tag", sa.String(length=128), nullable=False),
        sa.Column("doc_type", sa.String(length=64), nullable=True),
        sa.Column("condition", sa.Text(), nullable=True),
        sa.Column("correspondent", sa.String(length=200), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tag_rules")),
        sa.UniqueConstraint("name", name=op.f("uq_tag_rules_name")),
    )
    # SQLite cannot add a foreign key to a table in place: the batch rebuilds documents
    # there (its indexes with it); PostgreSQL alters it.
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("correspondent_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_documents_correspondent_id_correspondents"),
            "correspondents",
            ["correspondent_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(op.f("ix_documents_correspondent_id"), ["correspondent_id"])
    _link_named_correspondents()


def _link_named_correspondents() -> None:
    """Documents a mail rule (or a person) named a correspondent for before this revision
    are linked to one correspondent per folded name, as a finishing document is now."""
    from docintel.store.correspondents import clean_name, key_of

    bind = op.get_bind()
    docs = sa.table(
        "documents", sa.column("id", sa.Integer), sa.column("correspondent", sa.String),
        sa.column("correspondent_id", sa.Integer),
    )  # fmt: skip
    made = sa.table(
        "correspondents", sa.column("id", sa.Integer), sa.column("name", sa.String),
        sa.column("key", sa.String), sa.column("created_at", sa.DateTime(timezone=True)),
    )  # fmt: skip
    names = bind.execute(
        sa.select(docs.c.correspondent).where(docs.c.correspondent.is_not(None)).distinct()
    ).scalars()
    kept: dict[str, tuple[int, str]] = {}  # folded name -> (id, name shown)
    for name in sorted(names):
        key = key_of(name)
        if not key:
            continue
        if key not in kept:
            row = {"name": clean_name(name), "key": key, "created_at": datetime.now(UTC)}
            new = bind.execute(sa.insert(made).values(row).returning(made.c.id)).scalar_one()
            kept[key] = (new, row["name"])
        bind.execute(
            sa.update(docs)
            .where(docs.c.correspondent == name)
            .values(correspondent_id=kept[key][0], correspondent=kept[key][1])
        )


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_index(op.f("ix_documents_correspondent_id"))
        batch.drop_constraint(
            op.f("fk_documents_correspondent_id_correspondents"), type_="foreignkey"
        )
        batch.drop_column("correspondent_id")
    op.drop_table("tag_rules")
    op.drop_index(op.f("ix_document_notes_document_id"), table_name="document_notes")
    op.drop_table("document_notes")
    op.drop_index(
        op.f("ix_correspondent_aliases_correspondent_id"), table_name="correspondent_aliases"
    )
    op.drop_table("correspondent_aliases")
    op.drop_table("correspondents")
