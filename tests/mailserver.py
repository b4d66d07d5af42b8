"""A real IMAP server for the mail-in tests: Debian's Dovecot (`dovecot-imapd`, installed
by .ci/run), started from a configuration written here into a folder of its own: a test
user with a password in a passwd-file, a self-signed certificate made by openssl, IMAPS
and IMAP+STARTTLS on free ports of 127.0.0.1, mailboxes under the folder, and XOAUTH2
with OAuth2 tokens Dovecot checks itself (JWTs signed with a key of the folder, as Microsoft
365 and Gmail sign theirs with their own). It runs as the
current user; as root, Dovecot refuses to read mail as uid 0 or to run its login process
as root, so the mailboxes then belong to ``nobody`` and the login process to Debian's
``dovenull``. Messages are delivered by APPEND over IMAP, as a mail client files them.

A ``Cutter`` sits between a client and the server and cuts the connection after a number
of bytes, for the dropped-connection test."""

from __future__ import annotations

import base64
import hashlib
import hmac
import imaplib
import json
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

USER, PASSWORD = "alice", "wonder land §1"  # a space and a non-ASCII character on purpose
USERS = 50  # mailboxes for the tests, one each
OAUTH_KEY = b"docintel-test-oauth2-signing-key!"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# What this Dovecot says it can do once logged in, less IDLE: a server without IDLE.
WITHOUT_IDLE = (
    "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE LITERAL+ NAMESPACE CHILDREN UNSELECT "
    "UIDPLUS MOVE SPECIAL-USE"
)


class Dovecot:
    def __init__(self, capability: str | None = None) -> None:
        self.capability = capability  # imap_capability: None keeps Dovecot's own
        # /usr/sbin is not on every user's PATH
        self.binary = shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin")
        if not self.binary:
            raise RuntimeError("dovecot is not installed (apt-get install dovecot-imapd)")
        # Not under pytest's 0700 tmp folder: the mail user (nobody, as root) must reach it.
        self.root = Path(tempfile.mkdtemp(prefix="docintel-dovecot-"))
        self.root.chmod(0o755)
        self.imaps_port, self.imap_port = free_port(), free_port()
        self.cert = self.root / "cert.pem"
        self.log = self.root / "dovecot.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.user = USER  # whose mailbox the client methods use
        self.users_taken = 0

    def new_user(self) -> str:
        """A user of its own (an empty mailbox) for a test. The users are all written at
        the start: Dovecot may keep a passwd-file it read within the same second."""
        self.users_taken += 1
        self.user = f"user{self.users_taken}"
        return self.user

    def start(self) -> Dovecot:
        self._certificate()
        users = [USER] + [f"user{n}" for n in range(1, USERS + 1)]
        (self.root / "users").write_text(
            "".join(f"{u}:{{PLAIN}}{PASSWORD}::::::\n" for u in users), encoding="utf-8"
        )
        for folder in ("run", "state", "mail", "home"):
            (self.root / folder).mkdir()
        mail_user, mail_group = self._mail_owner()
        if os.geteuid() == 0:
            for folder in ("mail", "home"):
                shutil.chown(self.root / folder, mail_user, mail_group)
        self._oauth2()
        (self.root / "dovecot.conf").write_text(self._config(mail_user, mail_group))
        self.proc = subprocess.Popen(
            [self.binary, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=(self.root / "stderr.log").open("wb"),
        )
        self._wait_until_up()
        return self

    def _certificate(self) -> None:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-keyout", str(self.root / "key.pem"), "-out", str(self.cert),
             "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
            check=True,
            capture_output=True,
        )  # fmt: skip

    def _oauth2(self) -> None:
        """Tokens validated locally: a JWT signed HS256 with OAUTH_KEY, its user in
        ``email`` (Dovecot reads the key at <prefix><azp>/<alg>/<kid>)."""
        keys = self.root / "oauth-keys" / "default" / "HS256"
        keys.mkdir(parents=True)
        (keys / "default").write_text(base64.b64encode(OAUTH_KEY).decode())
        (self.root / "oauth2.conf").write_text(
            "introspection_mode = local\n"
            f"local_validation_key_dict = fs:posix:prefix={self.root / 'oauth-keys'}/\n"
            "username_attribute = email\n"
        )

    def token(self, user: str, expires_in: float = 600) -> str:
        """An access token for ``user``, as an identity provider issues one."""

        def b64(data: bytes) -> str:
            return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

        now = int(time.time())
        claims = {"sub": user, "email": user, "iat": now - 5, "nbf": now - 5}
        claims["exp"] = now + int(expires_in)
        head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = b64(json.dumps(claims).encode())
        signature = hmac.new(OAUTH_KEY, f"{head}.{body}".encode(), hashlib.sha256).digest()
        return f"{head}.{body}.{b64(signature)}"

    def _mail_owner(self) -> tuple[str, str]:
        if os.geteuid() == 0:
            return "nobody", "nogroup"
        me = pwd.getpwuid(os.geteuid())
        return me.pw_name, os.popen("id -gn").read().strip() or me.pw_name

    def _config(self, mail_user: str, mail_group: str) -> str:
        me = pwd.getpwuid(os.geteuid()).pw_name
        login_user = "dovenull" if os.geteuid() == 0 else me
        internal_user = "dovecot" if os.geteuid() == 0 else me
        r = self.root
        return f"""
base_dir = {r}/run
state_dir = {r}/state
log_path = {self.log}
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{self.cert}
ssl_key = <{r}/key.pem
auth_mechanisms = plain login xoauth2 oauthbearer
auth_failure_delay = 0
default_internal_user = {internal_user}
default_internal_group = {internal_user if os.geteuid() == 0 else mail_group}
default_login_user = {login_user}
mail_location = maildir:{r}/mail/%u:LAYOUT=fs
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {r}/oauth2.conf
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {r}/users
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={r}/home/%u
}}
# No growing delay after each failed login from one address (anvil's auth penalty, 4 s
# and more): the tests fail logins on purpose.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
{f"imap_capability = {self.capability}" if self.capability else ""}
service imap-login {{
  inet_listener imap {{
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    port = {self.imaps_port}
    ssl = yes
  }}
}}
"""

    def _wait_until_up(self, timeout: float = 20.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.logs()}")
            try:
                self.client().logout()
                return
            except (OSError, imaplib.IMAP4.error):
                time.sleep(0.1)
        raise RuntimeError(f"dovecot did not answer within {timeout} s: {self.logs()}")

    def logs(self) -> str:
        out = ""
        for name in ("stderr.log", "dovecot.log"):
            path = self.root / name
            out += path.read_text(errors="replace")[-3000:] if path.exists() else ""
        return out

    def login_failures(self, user: str) -> int:
        """Logins of ``user`` the server refused, as its log tells."""
        lines = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        return sum(1 for line in lines if "auth failed" in line and f"user=<{user}>" in line)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(15)
        shutil.rmtree(self.root, ignore_errors=True)

    # --- what the tests do on the server, as a mail client ---------------------------

    def client(self) -> imaplib.IMAP4_SSL:
        context = ssl.create_default_context(cafile=str(self.cert))
        conn = imaplib.IMAP4_SSL("127.0.0.1", self.imaps_port, ssl_context=context, timeout=10)
        conn.authenticate("PLAIN", lambda _c: f"\0{self.user}\0{PASSWORD}".encode())
        return conn

    def append(self, message: bytes, folder: str = "INBOX") -> None:
        conn = self.client()
        try:
            if folder != "INBOX":
                conn.create(f'"{folder}"')  # NO where it exists: fine
            typ, data = conn.append(f'"{folder}"', None, None, message)
            assert typ == "OK", data
        finally:
            conn.logout()

    def messages(self, folder: str = "INBOX") -> dict[str, set[str]]:
        """Each message of ``folder`` by subject, with its flags."""
        conn = self.client()
        try:
            typ, count = conn.select(f'"{folder}"')
            if typ != "OK" or count[0] == b"0":
                return {}
            _, data = conn.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            out: dict[str, set[str]] = {}
            for item in data:
                if isinstance(item, tuple):
                    flags = item[0].decode().split("FLAGS (", 1)[1].split(")", 1)[0].split()
                    subject = item[1].decode().split(":", 1)[1].strip()
                    out[subject] = set(flags)
            return out
        finally:
            conn.logout()

    def drop_folder(self, folder: str) -> None:
        conn = self.client()
        try:
            conn.delete(f'"{folder}"')
        finally:
            conn.logout()


def mail(
    subject: str,
    files: list[tuple[str, bytes, str]] = (),  # type: ignore[assignment]
    *,
    sender: str = "Billing <billing@acme.example>",
    to: str = "invoices@office.example",
    body: str = "Please find the attachment.",
    message_id: str | None = None,
    date: datetime | None = None,
) -> bytes:
    """A message with ``files`` (name, bytes, media type) attached."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Date"] = format_datetime(date or datetime.now(UTC))
    message["Message-ID"] = message_id or make_msgid(domain="acme.example")
    message.set_content(body)
    for name, data, media_type in files:
        major, _, minor = media_type.partition("/")
        message.add_attachment(data, maintype=major, subtype=minor, filename=name)
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))


class Cutter:
    """A TCP relay to ``port`` that cuts each connection once ``cut_after`` bytes came
    from the server (None: never), as a network that drops mid-fetch."""

    def __init__(self, port: int, cut_after: int | None = None) -> None:
        self.port, self.cut_after, self.cuts = port, cut_after, 0
        self.open: list[socket.socket] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.listen_port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.port))
            self.open += [client, server]
            threading.Thread(target=self._pipe, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, True), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, counted: bool) -> None:
        sent = 0
        try:
            while data := src.recv(65536):
                if counted and self.cut_after is not None and sent + len(data) > self.cut_after:
                    dst.sendall(data[: max(0, self.cut_after - sent)])
                    self.cuts += 1
                    raise ConnectionResetError("cut")
                dst.sendall(data)
                sent += len(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def cut_now(self) -> None:
        """Cut every connection open now, as a network that goes away."""
        self.cuts += 1
        for sock in self.open:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.open.clear()

    def close(self) -> None:
        self.sock.close()
