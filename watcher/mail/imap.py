"""IMAP, through the standard library's imaplib: a TLS connection (IMAPS, or STARTTLS,
never plain text), the login (a password, or an OAuth2 token by XOAUTH2), and the few
commands the fetcher needs. Messages are downloaded in pieces (``BODY.PEEK[]<offset.n>``)
into a file, so a large one is never held whole in memory by the fetch, and PEEK leaves
its \\Seen flag alone until the rule says otherwise."""

from __future__ import annotations

import base64
import imaplib
import os
import re
import shlex
import ssl
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from docintel.config import redact_text

CHUNK = 1 << 20  # bytes per FETCH of a message's body
HEADER_BATCH = 100  # messages whose headers one FETCH asks for


class Sink(Protocol):
    def write(self, data: bytes, /) -> int: ...


class MailError(Exception):
    """A poll that could not go on, said so that a person can act on it."""


class LoginRefused(MailError):
    pass


class Unreachable(MailError):
    """The server is down, refused the connection, or dropped it mid-way."""


@dataclass(frozen=True)
class AccountConfig:
    """What connecting needs, copied from the account's row (no session held)."""

    name: str
    host: str
    port: int
    security: str  # tls | starttls
    username: str
    auth: str  # password | xoauth2
    password_env: str | None = None
    password_file: str | None = None
    token_command: str | None = None
    ca_file: str | None = None

    @classmethod
    def of(cls, row: Any) -> AccountConfig:
        return cls(**{f: getattr(row, f) for f in cls.__dataclass_fields__})


def default_password_env(name: str) -> str:
    return "DOCINTEL_MAIL_PASSWORD_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def password_of(account: AccountConfig) -> str:
    """The password from the file the account names, else from its environment variable;
    never stored in the database, never printed."""
    if account.password_file:
        try:
            with open(account.password_file, encoding="utf-8") as fh:
                return fh.read().rstrip("\r\n")
        except OSError as exc:
            raise MailError(
                f"the password file {account.password_file} cannot be read ({exc.strerror})"
            ) from exc
    variable = account.password_env or default_password_env(account.name)
    value = os.environ.get(variable)
    if not value:
        raise MailError(f"the password is read from {variable}, which is not set")
    return value


def oauth_token(account: AccountConfig, timeout: float = 60.0) -> str:
    """An access token: the first line its token command prints (a refresh is that
    command's business: mutt_oauth2.py, oauth2l, az ...). Its output is never shown."""
    if not account.token_command:
        raise MailError("XOAUTH2 needs a token command (docintel mail add --token-command)")
    try:
        done = subprocess.run(
            shlex.split(account.token_command),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MailError(f"the token command could not run ({exc})") from exc
    token = done.stdout.strip().splitlines()[0].strip() if done.stdout.strip() else ""
    if done.returncode != 0 or not token:
        said = (done.stderr.strip().splitlines() or ["no output"])[-1][:200]
        raise MailError(f"the token command failed (exit {done.returncode}): {said}")
    return token


def encode_folder(name: str) -> str:
    """A folder name as IMAP writes it: modified UTF-7 (RFC 3501 5.1.3), quoted."""
    out, pending = [], []

    def flush() -> None:
        if pending:
            raw = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(raw).decode().rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    quoted = "".join(out).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{quoted}"'


_LIST = re.compile(r'^\((?P<flags>[^)]*)\) (?P<sep>"[^"]*"|NIL) (?P<name>.+)$')


def decode_folder(name: str) -> str:
    """Modified UTF-7 (as IMAP writes names) back to text."""

    def decoded(found: re.Match[str]) -> str:
        chunk = found.group(1)
        if not chunk:
            return "&"
        raw = chunk.replace(",", "/")
        return base64.b64decode(raw + "=" * (-len(raw) % 4)).decode("utf-16-be")

    return re.sub(r"&([A-Za-z0-9+,]*)-", decoded, name)


def _text(data: Any) -> str:
    parts = data if isinstance(data, list) else [data]
    return " ".join(
        p.decode("utf-8", "replace") if isinstance(p, bytes) else str(p) for p in parts if p
    )


class Imap:
    """A logged-in connection, with the commands the fetcher uses."""

    def __init__(self, conn: imaplib.IMAP4, account: AccountConfig) -> None:
        self.conn = conn
        self.account = account

    def _ok(self, what: str, result: tuple[str, Any]) -> Any:
        typ, data = result
        if typ != "OK":
            raise MailError(f"{self.account.host}: {what} failed: {_text(data)[:300]}")
        return data

    def has(self, capability: str) -> bool:
        return capability in self.conn.capabilities

    def folders(self) -> list[str]:
        """Every folder's name, decoded (``(\\HasNoChildren) "/" "Archive/2026"``)."""
        names = []
        for line in self._ok("LIST", self.conn.list()):
            text = line.decode("ascii", "replace") if isinstance(line, bytes) else ""
            if found := _LIST.match(text):
                name = found["name"]
                if name.startswith('"'):
                    name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
                names.append(decode_folder(name))
        return names

    def select(self, folder: str) -> int:
        """Open ``folder`` for reading and flagging; its UIDVALIDITY."""
        self._ok(f"SELECT {folder}", self.conn.select(encode_folder(folder)))
        _, data = self.conn.response("UIDVALIDITY")
        if not data or data[0] is None:
            raise MailError(f"{self.account.host} gave {folder} no UIDVALIDITY")
        return int(data[0])

    def search(self, above: int, since: date | None = None) -> list[int]:
        """UIDs above ``above`` not marked deleted (sent on or after ``since``), ascending.
        ``UID n:*`` always names the last message, so the answer is filtered too."""
        criteria = [f"UID {above + 1}:*", "UNDELETED"]
        if since is not None:
            criteria += ["SINCE", since.strftime("%d-%b-%Y")]
        data = self._ok("SEARCH", self.conn.uid("SEARCH", *criteria))
        uids = [int(u) for u in b" ".join(d for d in data if d).split()]
        return sorted(u for u in uids if u > above)

    def headers(self, uids: list[int]) -> dict[int, tuple[int, bytes]]:
        """(size, header block) of each message still there, by UID."""
        found: dict[int, tuple[int, bytes]] = {}
        for start in range(0, len(uids), HEADER_BATCH):
            batch = ",".join(str(u) for u in uids[start : start + HEADER_BATCH])
            data = self._ok(
                "FETCH headers", self.conn.uid("FETCH", batch, "(RFC822.SIZE BODY.PEEK[HEADER])")
            )
            for item in data:
                if not isinstance(item, tuple):
                    continue  # the closing ")" and unasked FLAGS updates
                meta = item[0].decode("ascii", "replace")
                uid, size = re.search(r"UID (\d+)", meta), re.search(r"RFC822\.SIZE (\d+)", meta)
                if uid and size:
                    found[int(uid.group(1))] = (int(size.group(1)), item[1])
        return found

    def download(
        self, uid: int, size: int, out: Sink, keep_alive: Callable[[], None] = lambda: None
    ) -> None:
        """The message's bytes into ``out``, a piece at a time."""
        offset = 0
        while offset < size:
            keep_alive()  # e.g. extend the account's lock on a long download
            data = self._ok(
                f"FETCH message {uid}",
                self.conn.uid("FETCH", str(uid), f"(BODY.PEEK[]<{offset}.{CHUNK}>)"),
            )
            piece = next((i[1] for i in data if isinstance(i, tuple)), None)
            if not piece:
                break
            out.write(piece)
            offset += len(piece)
        if offset != size:
            raise MailError(f"message {uid} gave {offset} of its {size} bytes (gone meanwhile?)")

    def act(self, uid: int, action: str, move_to: str | None) -> None:
        """The rule's action on one message. Each is harmless to repeat: a UID that is no
        longer in the folder (moved or deleted the first time) is a no-op."""
        if action == "mark_read":
            self._store(uid, "\\Seen")
        elif action == "flag":
            self._store(uid, "\\Flagged")
        elif action == "delete":
            self._delete(uid)
        elif action == "move":
            assert move_to
            self._move(uid, move_to)

    def _store(self, uid: int, flag: str) -> None:
        self._ok(f"STORE {flag}", self.conn.uid("STORE", str(uid), "+FLAGS.SILENT", f"({flag})"))

    def _delete(self, uid: int) -> None:
        self._store(uid, "\\Deleted")
        # Only this message is expunged (UIDPLUS): a plain EXPUNGE would also remove what a
        # person marked deleted and meant to keep until their own client expunges it.
        if self.has("UIDPLUS"):
            self._ok("EXPUNGE", self.conn.uid("EXPUNGE", str(uid)))

    def _move(self, uid: int, folder: str) -> None:
        target = encode_folder(folder)
        command = "MOVE" if self.has("MOVE") else "COPY"
        typ, data = self.conn.uid(command, str(uid), target)
        if typ != "OK" and "TRYCREATE" in _text(data).upper():
            self._ok(f"CREATE {folder}", self.conn.create(target))
            typ, data = self.conn.uid(command, str(uid), target)
        self._ok(f"{command} to {folder}", (typ, data))
        if command == "COPY":
            self._delete(uid)

    def logout(self) -> None:
        try:
            self.conn.logout()
        except (imaplib.IMAP4.error, OSError):
            pass


def connect(account: AccountConfig, timeout: float) -> Imap:
    """Connected over TLS and logged in. Raises Unreachable or LoginRefused (or MailError
    for a missing secret), with the reason and never the secret."""
    context = ssl.create_default_context(cafile=account.ca_file or None)
    where = f"{account.host}:{account.port}"
    try:
        if account.security == "tls":
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                account.host, account.port, ssl_context=context, timeout=timeout
            )
        else:
            conn = imaplib.IMAP4(account.host, account.port, timeout=timeout)
            conn.starttls(context)  # refuses to go on without it: no plain-text login
    except (OSError, imaplib.IMAP4.error) as exc:
        raise Unreachable(f"cannot connect to {where} over {account.security}: {exc}") from exc
    try:
        _login(conn, account)
    except imaplib.IMAP4.abort as exc:
        raise Unreachable(f"{where} closed the connection at the login: {exc}") from exc
    except imaplib.IMAP4.error as exc:
        conn.shutdown()
        said = redact_text(_text(exc.args[0] if exc.args else exc))[:300]
        raise LoginRefused(f"{where} refused the login of {account.username}: {said}") from exc
    except BaseException:
        conn.shutdown()
        raise
    # Servers say more once a user is logged in (MOVE, UIDPLUS); imaplib keeps the
    # greeting's list.
    typ, data = conn.capability()
    if typ == "OK" and data and data[-1]:
        conn.capabilities = tuple(data[-1].decode("ascii", "replace").upper().split())
    return Imap(conn, account)


def _login(conn: imaplib.IMAP4, account: AccountConfig) -> None:
    user = account.username
    if account.auth == "xoauth2":
        payload = f"user={user}\x01auth=Bearer {oauth_token(account)}\x01\x01".encode()
        # A refused token comes back as a challenge (JSON saying why) that wants an empty
        # answer before the server says NO.
        conn.authenticate("XOAUTH2", lambda challenge: b"" if challenge else payload)
        return
    password = password_of(account)
    if "AUTH=PLAIN" in conn.capabilities:
        # SASL PLAIN takes UTF-8; LOGIN's arguments are ASCII in imaplib.
        plain = f"\0{user}\0{password}".encode()
        conn.authenticate("PLAIN", lambda _challenge: plain)
    else:
        conn.login(user, password)


# The errors a poll can meet on the wire, beside imaplib's own.
WIRE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # a refused or reset connection, a timeout, a TLS error
    imaplib.IMAP4.abort,
    EOFError,
)
