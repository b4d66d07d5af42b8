"""Taking one message a rule matched, in the order that loses nothing: claimed in the
ledger, downloaded into a temporary file, its files ingested as a dropped file is, the
ledger told ``stored`` with the documents (one transaction, with what the rule sets on
them), and only then the rule's action on the server, then ``done``. A crash or a dropped
connection at any point leaves a ledger row that the next poll finishes: a ``taking``
message is read again (known bytes are the same documents), a ``stored`` one only gets its
action."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import Message
from email.parser import BytesParser
from pathlib import Path
from typing import Any, BinaryIO

from docintel.config import Settings
from docintel.store.db import session_scope
from docintel.store.mail import DONE, SKIPPED, STORED, MessageKey, mark, set_by_rule
from docintel.store.schema import Document
from docintel.watcher.confine import Refused
from docintel.watcher.ingest import Ingested, ingest
from docintel.watcher.mail.imap import Imap, MailError
from docintel.watcher.mail.parts import attachments, safe_name, type_matches, write_attachment
from docintel.watcher.mail.rules import Rule, matches

log = logging.getLogger("docintel.mail")


@dataclass
class Taker:
    """What taking messages from one account's folder needs."""

    settings: Settings
    imap: Imap
    send: Callable[[Ingested], None]
    keep_lock: Callable[[], None]
    now: datetime
    taken: list[dict[str, Any]] = field(default_factory=list)

    def take(self, key: MessageKey, size: int, rules: list[Rule]) -> None:
        """Read, store and act on a claimed message (see the module's docstring)."""
        with self._scratch() as folder:
            eml = Path(folder) / "message.eml"
            with eml.open("wb") as out:
                self.imap.download(key.uid, size, _Disk(out), self.keep_lock)
            with eml.open("rb") as fh:
                message = BytesParser(policy=policy.default).parse(fh)
            rule = next((r for r in rules if matches(r, message, self.now)), None)
            if rule is None:
                self.record(key, SKIPPED, error="no rule matched its body or attachments")
                return
            files = self._files(rule, message, eml, Path(folder))
            if not files:
                self.record(key, SKIPPED, rule=rule.name, error="no attachment passed the filters")
                return
            stored = self._store(key, rule, message, files)
        self.act(key, rule)
        for result in stored:
            if result.status == "queued" and not result.known:
                self.send(result)

    def _scratch(self) -> tempfile.TemporaryDirectory[str]:
        """A temporary folder for one message (ingest copies from it, never moves)."""
        scratch = self.settings.home / "mail-tmp"
        try:
            scratch.mkdir(parents=True, exist_ok=True)
            return tempfile.TemporaryDirectory(dir=scratch, prefix="mail-")
        except OSError as exc:
            raise MailError(f"no temporary folder for a message in {scratch} ({exc})") from exc

    def act(self, key: MessageKey, rule: Rule) -> None:
        """The rule's action, on a message whose documents are stored; then ``done``."""
        if rule.then != "nothing":
            self.imap.act(key.uid, rule.then, rule.move_to)
        self.record(key, DONE, done_at=self.now)

    def _files(self, rule: Rule, message: Message, eml: Path, folder: Path) -> list[Path]:
        if rule.take == "message":
            # The whole message, named after its subject: the mail route makes its
            # attachments children, which inherit what the rule sets.
            subject = header(message, "subject")
            named = folder / f"{safe_name(subject, 'message')[:100]}.eml"
            eml.rename(named)
            return [named]
        wanted = rule.attachments
        out: list[Path] = []
        used: set[str] = set()
        parts = folder / "parts"
        parts.mkdir()
        for attachment in attachments(message):
            if attachment.size < wanted.min_size_kb * 1024:
                continue  # a signature's logo, a tracking pixel
            if not type_matches(wanted.types, attachment.content_type, attachment.name):
                continue
            out.append(write_attachment(attachment, parts, used))
        return out

    def _store(
        self, key: MessageKey, rule: Rule, message: Message, files: list[Path]
    ) -> list[Ingested]:
        try:
            results = [ingest(path, self.settings) for path in files]
        except (Refused, OSError) as exc:
            # the archive's disk, not the server: the message stays as it is on the server
            raise MailError(
                f"message {key.uid} of {key.folder} could not be stored ({exc}); it is left "
                "on the server untouched and tried again"
            ) from exc
        origin = {
            "account": key.account,
            "folder": key.folder,
            "uidvalidity": key.uidvalidity,
            "uid": key.uid,
            "message_id": header(message, "message-id") or None,
            "from": header(message, "from"),
            "subject": header(message, "subject"),
        }
        ids = [r.document_id for r in results]
        with session_scope(self.settings.db_url) as s:
            for result in results:
                doc = s.get(Document, result.document_id)
                assert doc is not None
                set_by_rule(s, doc, rule.sets(), None if result.known else origin)
            mark(s, key, STORED, rule=rule.name, documents=ids, stored_at=self.now, error=None)
        log.info(
            "mail %s: %s #%s (%s) -> documents %s, rule %s",
            key.account,
            key.folder,
            key.uid,
            origin["subject"],
            ids,
            rule.name,
        )
        self.taken.append(
            {"folder": key.folder, "uid": key.uid, "rule": rule.name, "documents": ids}
        )
        return results

    def record(self, key: MessageKey, status: str, **values: Any) -> None:
        with session_scope(self.settings.db_url) as s:
            mark(s, key, status, **values)


def header(message: Message, name: str) -> str:
    """A header as text; one the parser cannot make sense of, as it was written."""
    try:
        value = message.get(name)
    except (IndexError, ValueError, TypeError, AttributeError):
        value = next((v for k, v in message.raw_items() if k.lower() == name), None)
    return " ".join(str(value).split()) if value is not None else ""


class _Disk:
    """The download's file: a failed write is the disk's fault, said as such, not taken
    for a dropped connection."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out

    def write(self, data: bytes) -> int:
        try:
            return self.out.write(data)
        except OSError as exc:
            raise MailError(f"a message could not be written to disk ({exc})") from exc
