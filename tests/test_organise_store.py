"""Correspondents, notes and tag rules in the store, on SQLite: one organisation is one
correspondent however its name is written; a merge moves the documents and keeps the name
as an alias, matched again later; a rename keeps the old name; notes are listed with who
and when; a rule's conditions all must hold."""

from __future__ import annotations

import pytest

from docintel.store import correspondents as corr
from docintel.store.db import session_scope
from docintel.store.mail import tags_of
from docintel.store.notes import add_note, delete_note, notes_of
from docintel.store.organise import EditError
from docintel.store.profiles import ConditionError
from docintel.store.schema import Document, ProfileField
from docintel.store.tag_rules import add_rule, matching_rules


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ACME GmbH", "Acme gmbh."),
        ("Acme Ltd", "ACME Limited"),
        ("Société Générale SARL", "SOCIETE GENERALE S.A.R.L."),
        ("Müller GmbH & Co. KG", "Muller"),
        ("Atlas Metalworks, Inc.", "atlas metalworks"),
    ],
)
def test_one_organisation_is_one_key(a, b):
    assert corr.key_of(a) == corr.key_of(b) != ""


def test_different_organisations_stay_apart():
    assert corr.key_of("Acme Industrial GmbH") != corr.key_of("Acme GmbH")
    assert corr.key_of("GmbH") == "gmbh"  # a name that is only a legal form keeps it


def doc(s, n: int) -> Document:
    d = Document(sha256=f"{n:064d}", name=f"d{n}.pdf", status="done", warnings=[], meta={})
    s.add(d)
    s.flush()
    return d


def test_merge_moves_documents_and_keeps_the_name_as_an_alias(embedded):
    with session_scope(embedded.db_url) as s:
        d1, d2, d3 = doc(s, 1), doc(s, 2), doc(s, 3)
        acme, ltd = corr.get_or_create(s, "ACME GmbH"), corr.get_or_create(s, "Acme Ltd UK")
        assert corr.get_or_create(s, "acme gmbh.").id == acme.id
        corr.assign(s, d1, acme)
        corr.assign(s, d2, ltd)
        corr.assign(s, d3, ltd)
        assert corr.merge(s, ltd, acme) == 2
        assert (d2.correspondent_id, d2.correspondent) == (acme.id, "ACME GmbH")
        assert corr.get_or_create(s, "ACME LTD UK").id == acme.id  # found by its alias
        [row] = corr.listing(s)
        assert row == {
            "id": acme.id,
            "name": "ACME GmbH",
            "aliases": ["Acme Ltd UK"],
            "documents": 3,
        }
        with pytest.raises(EditError, match="itself"):
            corr.merge(s, acme, acme)


def test_rename_keeps_the_old_name_and_refuses_another_correspondents(embedded):
    with session_scope(embedded.db_url) as s:
        d1 = doc(s, 1)
        acme, other = corr.get_or_create(s, "Acme"), corr.get_or_create(s, "Globex")
        corr.assign(s, d1, acme)
        corr.rename(s, acme, "Acme Industries")
        assert d1.correspondent == "Acme Industries"
        assert corr.find(s, "ACME").id == acme.id
        with pytest.raises(EditError, match="merge the two"):
            corr.rename(s, acme, "Globex Ltd")
        assert other.name == "Globex"


def test_notes_with_who_and_when(embedded):
    with session_scope(embedded.db_url) as s:
        d1 = doc(s, 1)
        first = add_note(s, d1.id, "editor", "  call them about the discount ")
        add_note(s, d1.id, "boss", "paid on the 3rd")
        with pytest.raises(EditError, match="needs some text"):
            add_note(s, d1.id, "editor", "   ")
        listed = notes_of(s, d1.id)
        assert [(n["author"], n["text"]) for n in listed] == [
            ("editor", "call them about the discount"),
            ("boss", "paid on the 3rd"),
        ]
        assert listed[0]["created_at"]
        assert delete_note(s, d1.id, first.id) and not delete_note(s, d1.id, first.id)
        assert len(notes_of(s, d1.id)) == 1


def test_a_rule_tags_where_every_condition_holds(embedded):
    with session_scope(embedded.db_url) as s:
        big, small = doc(s, 1), doc(s, 2)
        for d, total in ((big, 1500.0), (small, 80.0)):
            d.doc_type = "invoice"
            s.add(ProfileField(document_id=d.id, profile="invoice", field="total", row=0,
                               column="", normalized=str(total), number=total))  # fmt: skip
        corr.assign(s, big, corr.get_or_create(s, "ACME GmbH"))
        add_rule(s, "big invoices", "approve", doc_type="invoice", condition="total > 1000")
        add_rule(s, "acme", "acme", correspondent="acme")
        add_rule(s, "receipts", "receipt", doc_type="receipt")
        assert [r.name for r in matching_rules(s, big)[0]] == ["acme", "big invoices"]
        assert matching_rules(s, small) == ([], {})
        with pytest.raises(EditError, match="needs a condition"):
            add_rule(s, "all", "x")
        with pytest.raises(ConditionError, match="cannot read the condition"):
            add_rule(s, "bad", "x", condition="total is big")
        with pytest.raises(EditError, match="already"):
            add_rule(s, "acme", "y", doc_type="invoice")
        broken = add_rule(s, "broken", "x", condition="total > 5")
        broken.condition = "total >"  # stored before the reading changed, say
        rules, unreadable = matching_rules(s, big)
        assert [r.name for r in rules] == ["acme", "big invoices"]
        assert "cannot read the condition" in unreadable["broken"]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_migration_links_the_names_documents_had(backend, tmp_path, request):
    """Correspondents a mail rule named before 0012 become one correspondent per folded
    name, their documents linked to it."""
    from sqlalchemy import create_engine, text

    from docintel import migrations

    url = (
        f"sqlite:///{tmp_path / 'm.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    from alembic import command

    command.upgrade(migrations.alembic_config(url), "0011")
    engine = create_engine(url)
    with engine.begin() as conn:
        for n, who in enumerate(["ACME GmbH", "Acme gmbh.", "Globex", None]):
            conn.execute(
                text(
                    "INSERT INTO documents (sha256, name, size, status, warnings, attempts, meta,"
                    " created_at, updated_at, correspondent) VALUES (:sha, :name, 0, 'done', '[]',"
                    " 0, '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, :who)"
                ),
                {"sha": f"{n:064d}", "name": f"d{n}", "who": who},
            )
    command.upgrade(migrations.alembic_config(url), "head")
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT d.name, d.correspondent, c.name FROM documents d"
                " LEFT JOIN correspondents c ON c.id = d.correspondent_id ORDER BY d.name"
            )
        ).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [
        ("d0", "ACME GmbH", "ACME GmbH"),
        ("d1", "ACME GmbH", "ACME GmbH"),
        ("d2", "Globex", "Globex"),
        ("d3", None, None),
    ]


def test_a_rule_matches_the_sender_of_the_mail_an_attachment_came_in(embedded):
    with session_scope(embedded.db_url) as s:
        mail, other = doc(s, 1), doc(s, 2)
        mail.meta = {"mail": {"from": "Billing <billing@initech.example>", "subject": "inv"}}
        attachment = doc(s, 3)
        attachment.parent_id = mail.id
        add_rule(s, "initech mail", "initech", correspondent="initech.example")
        assert [r.name for r in matching_rules(s, attachment)[0]] == ["initech mail"]
        assert [r.name for r in matching_rules(s, mail)[0]] == ["initech mail"]
        assert matching_rules(s, other) == ([], {})


def test_what_a_person_took_off_is_not_given_back_when_organised_again(embedded):
    """On SQLite, the steps a retry runs again: a correspondent and a rule's tag taken off
    by hand are not proposed again (nor the correspondent once merged into another), a
    merge is in each moved document's audit trail, and what is given back by hand is the
    person's again."""
    from docintel.store.organise import tag, untag
    from docintel.store.queries import audit_trail
    from docintel.worker.organising import organise_finished
    from docintel.worker.workspace import merge_correspondents, set_correspondent

    with session_scope(embedded.db_url) as s:
        d, other = doc(s, 1), doc(s, 2)
        for x in (d, other):
            x.doc_type = "invoice"
            s.add(ProfileField(document_id=x.id, profile="invoice", field="vendor", row=0,
                               column="", value="ACME GmbH", normalized="ACME GmbH"))  # fmt: skip
        add_rule(s, "invoices", "approve", doc_type="invoice")
        organise_finished(s, embedded, d, d.sha256)
        organise_finished(s, embedded, other, other.sha256)
        assert (d.correspondent, tags_of(s, d.id)) == ("ACME GmbH", ["approve"])
        set_correspondent(s, d, None, "ann")
        assert untag(s, d.id, "approve")
        organise_finished(s, embedded, d, d.sha256)
        assert (d.correspondent, tags_of(s, d.id)) == (None, [])
        merge_correspondents(s, corr.find(s, "ACME"), corr.get_or_create(s, "Globex"), "ann")
        organise_finished(s, embedded, d, d.sha256)  # ACME is an alias of Globex now
        assert d.correspondent is None
        assert other.correspondent == "Globex"
        tag(s, d.id, "approve")
        set_correspondent(s, d, "Acme", "ann")
        assert "removed_by_person" not in d.meta
        sha, other_sha = d.sha256, other.sha256
    with session_scope(embedded.db_url) as s:
        moved = [e["content"] for e in audit_trail(s, other_sha) if e["role"] == "user"]
        assert moved == ["correspondent 'ACME GmbH' -> 'Globex' (merged by ann)"]
        said = [e["content"] for e in audit_trail(s, sha) if e["step"] == "organise"]
        assert said[-1] == (  # one organise step's events: the last run's overwrote them
            "tag 'approve' of rule 'invoices' not added: a person removed it; type is invoice"
        )
