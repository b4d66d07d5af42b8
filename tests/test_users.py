"""Users and roles over the HTTP API and the CLI, against PostgreSQL: tokens made before
users keep working (full: admin, read-only: viewer); a user signs in with a name and an
argon2-hashed password, and the session ends at logout or with a new password; a viewer is
refused every edit in a sentence, an editor edits but manages no one, an admin adds users;
a removed user's tokens stop (within TOKEN_CHECK_S). Saved views over the API and the CLI."""

from __future__ import annotations

import json
import time

from typer.testing import CliRunner

from docintel.api.auth import TOKEN_CHECK_S
from tests.apiserver import make_token, serving
from tests.test_api import SAMPLES, upload
from tests.test_web_workspace import finished


def cli(*args: str, stdin: str | None = None):
    from docintel.cli import app

    return CliRunner().invoke(app, list(args), input=stdin)


def user_token(settings, user: str, role: str, *, read_only: bool = False) -> str:
    from docintel.store.db import session_scope
    from docintel.store.tokens import create_token
    from docintel.store.users import add_user

    with session_scope(settings.db_url) as s:
        add_user(s, user, role, None)
        return create_token(s, f"{user}-token", read_only=read_only, user=user)


def test_tokens_made_before_users_keep_their_powers(api_settings):
    full = make_token(api_settings, "old-full")
    reader = make_token(api_settings, "old-reader", read_only=True)
    with serving(api_settings) as served:
        with served.client(full) as c:
            assert c.get("/v1/me").json() == {"name": "old-full", "role": "admin"}
            assert c.get("/v1/users").status_code == 200
        with served.client(reader) as c:
            assert c.get("/v1/me").json() == {"name": "old-reader", "role": "viewer"}
            assert c.get("/v1/users").status_code == 403


def test_roles_viewer_refused_editor_edits_admin_manages(api_settings):
    admin = user_token(api_settings, "ada", "admin")
    editor = user_token(api_settings, "ed", "editor")
    viewer = user_token(api_settings, "vi", "viewer")
    editors_reader = user_token(api_settings, "ro", "editor", read_only=True)
    with serving(api_settings) as served, served.client(editor) as c:
        doc_id = upload(c, SAMPLES / "invoice.pdf").json()["id"]
        finished(c, doc_id)
        assert c.patch(f"/v1/documents/{doc_id}/fields", json={"total": "9.00"}).status_code == 200
        refused = c.post("/v1/users", json={"name": "x", "role": "viewer"})
        assert refused.status_code == 403 and "needs an admin" in refused.json()["detail"]
        for secret, name in ((viewer, "vi"), (editors_reader, "ro")):
            with served.client(secret) as v:
                assert v.get(f"/v1/documents/{doc_id}").status_code == 200
                no = v.patch(f"/v1/documents/{doc_id}/fields", json={"total": "1.00"})
                assert no.status_code == 403
                assert no.json()["detail"].startswith(f"'{name}' is a viewer (read-only)")
                assert v.put(f"/v1/documents/{doc_id}/tags/x").status_code == 403
                assert v.delete(f"/v1/documents/{doc_id}").status_code == 403
        with served.client(admin) as a:
            made = a.post("/v1/users", json={"name": "new", "role": "editor", "password": "p" * 8})
            assert made.status_code == 201, made.text
            short = a.post("/v1/users", json={"name": "n2", "role": "editor", "password": "short"})
            assert short.status_code == 422 and "8 characters" in short.json()["detail"]
            bad = a.post("/v1/users", json={"name": "n3", "role": "boss"})
            assert bad.status_code == 422 and "viewer, editor, admin" in bad.json()["detail"]
            assert {u["name"]: u["role"] for u in a.get("/v1/users").json()} == {
                "ada": "admin",
                "ed": "editor",
                "new": "editor",
                "ro": "editor",
                "vi": "viewer",
            }
            last = a.delete("/v1/users/ada")
            assert last.status_code == 422 and "last admin" in last.json()["detail"]
            assert a.delete("/v1/users/nobody").status_code == 404
            assert a.delete("/v1/users/ed").status_code == 200
        time.sleep(TOKEN_CHECK_S + 0.1)  # a known token is looked up again after this
        assert c.get("/v1/me").status_code == 401  # the removed user's token


def test_password_login_makes_a_session_that_logout_and_passwd_end(api_settings):
    from docintel.store.db import session_scope
    from docintel.store.schema import ApiToken
    from docintel.store.users import add_user
    from docintel.store.users_schema import User

    with session_scope(api_settings.db_url) as s:
        add_user(s, "pat", "editor", "correct horse")
        stored = s.query(User).one()
        assert stored.password_hash.startswith("$argon2id$")  # never the password itself
    with serving(api_settings) as served, served.client() as c:
        wrong = c.post("/login", data={"name": "pat", "password": "wrong horse"})
        assert wrong.status_code == 401 and "do not match" in wrong.text
        nobody = c.post("/login", data={"name": "nobody", "password": "correct horse"})
        assert nobody.status_code == 401 and "do not match" in nobody.text
        ok = c.post("/login", data={"name": "pat", "password": "correct horse"})
        assert ok.status_code == 303
        assert c.get("/v1/me").json() == {"name": "pat", "role": "editor"}
        c.get("/logout")
        c.cookies.clear()
        assert c.get("/v1/me").status_code == 401
        c.post("/login", data={"name": "pat", "password": "correct horse"})
        assert c.get("/v1/me").status_code == 200
        changed = cli("users", "passwd", "pat", "--password-stdin", stdin="battery staple\n")
        assert changed.exit_code == 0, changed.output
        time.sleep(TOKEN_CHECK_S + 0.1)
        assert c.get("/v1/me").status_code == 401  # signed out by the new password
        with session_scope(api_settings.db_url) as s:
            assert not s.query(ApiToken).filter(ApiToken.session).count()
        with served.client() as again:
            again.post("/login", data={"name": "pat", "password": "battery staple"})
            assert again.get("/v1/me").json()["name"] == "pat"


def test_users_cli_add_list_remove_and_token_for_a_user(api_settings):
    done = cli("users", "add", "cleo", "--role", "viewer", "--password-stdin", stdin="s3cret-pw\n")
    assert done.exit_code == 0, done.output
    taken = cli("users", "add", "cleo", "--no-password")
    assert taken.exit_code == 1 and "exists" in taken.output
    assert cli("users", "add", "dan", "--role", "boss", "--no-password").exit_code == 1
    made = cli("token", "create", "cleo-laptop", "--user", "cleo")
    assert made.exit_code == 0, made.output
    listed = json.loads(cli("users", "list", "--json").output)
    assert [(u["name"], u["role"], u["password"], u["tokens"]) for u in listed] == [
        ("cleo", "viewer", True, ["cleo-laptop"])
    ]
    tokens = json.loads(cli("token", "list", "--json").output)
    assert [(t["name"], t["user"], t["role"]) for t in tokens] == [
        ("cleo-laptop", "cleo", "viewer")
    ]
    assert cli("users", "add", "a/b", "--no-password").exit_code == 1  # a page's path
    assert cli("users", "role", "cleo", "admin").exit_code == 0
    demoted = cli("users", "role", "cleo", "editor")
    assert demoted.exit_code == 1 and "last admin" in demoted.output
    assert cli("users", "add", "dora", "--role", "admin", "--no-password").exit_code == 0
    assert cli("users", "role", "cleo", "editor").exit_code == 0
    assert cli("users", "remove", "dora").exit_code == 1  # the last admin again
    assert cli("users", "remove", "cleo").exit_code == 0
    assert [u["name"] for u in json.loads(cli("users", "list", "--json").output)] == ["dora"]
    assert json.loads(cli("token", "list", "--json").output) == []
    gone = cli("users", "remove", "cleo")
    assert gone.exit_code == 1 and "no user named 'cleo'" in gone.output


def test_saved_views_over_the_api_and_the_cli(api_settings):
    token = user_token(api_settings, "vic", "viewer")
    writer = make_token(api_settings, "writer")
    with serving(api_settings) as served, served.client(writer) as w:
        ids = [upload(w, SAMPLES / n).json()["id"] for n in ("invoice.pdf", "shipments.csv")]
        for doc_id in ids:
            finished(w, doc_id)
        w.put(f"/v1/documents/{ids[0]}/tags/to pay")
        with served.client(token) as c:
            saved = c.put("/v1/views/To pay", json={"filters": {"tag": "to pay", "mode": "text"}})
            assert saved.json() == {"name": "To pay", "filters": {"tag": "to pay"}}
            c.put("/v1/views/Tables", json={"filters": {"type": "table"}})
            bad = c.put("/v1/views/x", json={"filters": {"colour": "red"}})
            assert bad.status_code == 422 and "unknown filter(s) colour" in bad.json()["detail"]
            views = {v["name"]: (v["count"], v["url"]) for v in c.get("/v1/views").json()}
            assert views == {"Tables": ("1", "/?type=table"), "To pay": ("1", "/?tag=to+pay")}
            assert w.get("/v1/views").json() == []  # another caller's list
            assert c.delete("/v1/views/Tables").status_code == 200
            assert c.delete("/v1/views/Tables").status_code == 404
    saved = cli("views", "save", "Done PDFs", "--user", "vic", "--status", "done", "--type", "pdf")
    assert saved.exit_code == 0, saved.output
    listed = json.loads(cli("views", "list", "--user", "vic", "--json").output)
    assert [(v["name"], v["count"]) for v in listed] == [("Done PDFs", "1"), ("To pay", "1")]
    assert cli("views", "remove", "Done PDFs", "--user", "vic").exit_code == 0
    assert cli("views", "remove", "Done PDFs", "--user", "vic").exit_code == 1


def test_a_session_ends_when_it_expires(api_settings):
    """A password login's session is refused after its end (30 days), as a revoked token."""
    from datetime import timedelta

    from docintel.store.db import session_scope
    from docintel.store.schema import ApiToken, utcnow
    from docintel.store.tokens import caller_for
    from docintel.store.users import add_user, open_session

    with session_scope(api_settings.db_url) as s:
        secret = open_session(s, add_user(s, "sam", "viewer", "long enough"))
    with session_scope(api_settings.db_url) as s:
        assert caller_for(s, secret).name == "sam"
        row = s.query(ApiToken).filter(ApiToken.session).one()
        assert row.expires_at - utcnow() > timedelta(days=29)
        row.expires_at = utcnow() - timedelta(seconds=1)
    with session_scope(api_settings.db_url) as s:
        assert caller_for(s, secret) is None
