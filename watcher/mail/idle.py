"""IMAP IDLE (RFC 2177) over imaplib's connection: Python 3.11's imaplib has no IDLE (3.14
added one), so the command is written here with imaplib's public ``send`` and
``readline``. The server is told ``tag IDLE``, answers ``+``, and then writes an untagged
``* n EXISTS`` when a message arrives; ``DONE`` ends the command with the tagged OK.

Waiting must not block on a read: imaplib reads through a buffered file over the socket,
and a read that times out leaves that file unusable. So the wait is ``select`` on the
socket, and what is already buffered (by the file, or by TLS) is looked at with the socket
briefly non-blocking. A closed connection raises ``imaplib.IMAP4.abort``, like any other
dropped connection of a poll."""

from __future__ import annotations

import imaplib
import itertools
import re
import select
import ssl
import threading
import time
from collections.abc import Callable

from docintel.watcher.mail.imap import Imap, MailError

SLICE_S = 1.0  # how often a wait looks at ``stopping`` and extends the account's lock
_tags = itertools.count(1)
_EXISTS = re.compile(rb"^\* (\d+) EXISTS\b", re.IGNORECASE)
_LITERAL = re.compile(rb"\{(\d+)\}\r?\n$")


def idle_once(
    imap: Imap,
    timeout: float,
    stopping: threading.Event,
    keep_alive: Callable[[], None] = lambda: None,
) -> bool:
    """One IDLE command on the selected folder, ended after ``timeout`` seconds, at the
    first new message, or when ``stopping`` is set. True when a message arrived."""
    conn = imap.conn
    tag = f"DI{next(_tags)}".encode()
    conn.send(tag + b" IDLE\r\n")
    while True:  # untagged lines may come before the continuation
        line = _line(conn)
        if line.startswith(b"+"):
            break
        if line.startswith(tag):
            raise MailError(f"{imap.account.host} refused IDLE: {_said(line)}")
        if _EXISTS.match(line):
            conn.send(b"DONE\r\n")  # arrived between the last search and IDLE
            _finish(imap, conn, tag)
            return True
    arrived = False
    end = time.monotonic() + timeout
    while not arrived and not stopping.is_set():
        left = end - time.monotonic()
        if left <= 0:
            break
        keep_alive()
        if not _readable(conn, min(left, SLICE_S)):
            continue
        line = _line(conn)
        if line.upper().startswith(b"* BYE"):
            raise imaplib.IMAP4.abort(f"the server ended the connection: {_said(line)}")
        arrived = bool((m := _EXISTS.match(line)) and int(m.group(1)) > 0)
    conn.send(b"DONE\r\n")
    _finish(imap, conn, tag)
    return arrived


def _finish(imap: Imap, conn: imaplib.IMAP4, tag: bytes) -> None:
    """Read up to the IDLE command's tagged answer (untagged updates before it are
    dropped: the next search asks the server again)."""
    while not (line := _line(conn)).startswith(tag + b" "):
        pass
    if not line[len(tag) + 1 :].upper().startswith(b"OK"):
        raise MailError(f"{imap.account.host}: IDLE ended with {_said(line)}")


def _line(conn: imaplib.IMAP4) -> bytes:
    """One response line, with any literal it announces ({n}) read into it."""
    line = conn.readline()
    if not line:
        raise imaplib.IMAP4.abort("socket error: EOF during IDLE")
    while found := _LITERAL.search(line):
        line += conn.read(int(found.group(1)))
        more = conn.readline()
        if not more:
            raise imaplib.IMAP4.abort("socket error: EOF during IDLE")
        line += more
    return line


def _readable(conn: imaplib.IMAP4, wait: float) -> bool:
    """Whether a line (or the connection's end) can be read now, waiting up to ``wait``."""
    if _peek(conn):
        return True
    ready, _, _ = select.select([conn.sock], [], [], wait)
    # Readable with nothing buffered after: a TLS record still partial (wait on). An empty
    # peek is the connection's end, which the next read reports.
    return bool(ready) and _peek(conn) is not None


def _peek(conn: imaplib.IMAP4) -> bytes | None:
    """What the connection's buffers hold, found without blocking: None where nothing has
    come yet, b"" at the connection's end. The socket is TLS (IMAPS, or after STARTTLS),
    where "nothing yet" is SSLWantReadError and the end is an empty read."""
    sock = conn.sock
    timeout = sock.gettimeout()
    sock.setblocking(False)
    try:
        return bytes(conn.file.peek(1))  # type: ignore[attr-defined]
    except (BlockingIOError, ssl.SSLWantReadError):
        return None
    finally:
        sock.settimeout(timeout)


def _said(line: bytes) -> str:
    return line.decode("utf-8", "replace").strip()[:300]
