"""E-mail (EML, and Outlook MSG through msg-parser): the headers as fields, the body (plain
text, or the HTML one converted) as the document's text, and every attachment (inline
images and attached mails included) as a member to become a document of its own."""

from __future__ import annotations

import email
import email.errors
import email.policy
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from docintel.pipeline.route.office import html_markdown
from docintel.pipeline.types import PageResult, TableData

HEADERS = ("from", "to", "cc", "date", "subject", "message-id")


@dataclass
class Member:
    """A file inside another: its name there, and its bytes."""

    name: str
    data: bytes


@dataclass
class Mail:
    pages: list[PageResult]
    tables: list[TableData]
    members: list[Member] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def read_mail(path: Path) -> Mail:
    """A message, or an mbox of several (each message then a member of its own)."""
    data = path.read_bytes()
    mbox = data.lstrip(b"\r\n").startswith(b"From ")  # blank lines may come before the first
    if mbox and (messages := mbox_messages(path)) and len(messages) > 1:
        return _mbox(messages)
    message = email.message_from_bytes(data.lstrip(b"\r\n"), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    fields = {h: v for h in HEADERS if (v := header_text(message, h)) is not None}
    body, tables = _body(message)
    head = "\n".join(f"**{h.title()}:** {v}" for h, v in fields.items())
    markdown = f"{head}\n\n{body}".strip()
    page = PageResult(
        1,
        "done",
        text_source="email",
        decision="read from the message's own headers and body",
        markdown=markdown,
        fields=fields,
        engine="email",
        kind="form",
    )
    for i, table in enumerate(tables):
        table.placed(1, i, "email")
    return Mail([page], tables, _members(message))


def header_text(message: EmailMessage, name: str) -> str | None:
    """A header's value as text; one the parser cannot make sense of (a Message-ID of
    '<[id-domain.com]>') as it was written, not a failed document."""
    try:
        value = message[name]
    except (IndexError, ValueError, TypeError, AttributeError, email.errors.HeaderParseError):
        raw = next((v for k, v in message.raw_items() if k.lower() == name), None)
        return " ".join(str(raw).split()) if raw is not None else None
    return None if value is None else str(value)


def mbox_messages(path: Path) -> list[bytes]:
    """The messages of an mbox file, each as its own bytes (its 'From ' line left out)."""
    import mailbox

    box = mailbox.mbox(str(path), create=False)
    try:
        return [box.get_bytes(key) for key in box.keys()]
    finally:
        box.close()


def _mbox(messages: list[bytes]) -> Mail:
    """An mbox: a page that lists its messages, and each message a member."""
    lines, members = [], []
    for n, raw in enumerate(messages, start=1):
        head = BytesParser(policy=email.policy.default).parsebytes(raw, headersonly=True)
        subject = header_text(head, "subject") or "(no subject)"  # type: ignore[arg-type]
        sender = header_text(head, "from") or "unknown sender"  # type: ignore[arg-type]
        lines.append(f"{n}. {subject} ({sender}, {header_text(head, 'date') or ''})")  # type: ignore[arg-type]
        members.append(Member(f"message-{n:04d}.eml", raw))
    page = PageResult(
        1,
        "done",
        text_source="email",
        decision=f"an mbox of {len(messages)} messages, each a document",
        markdown="\n".join([f"A mailbox (mbox) of {len(messages)} messages:", "", *lines]),
        engine="email",
    )
    return Mail([page], [], members)


def _body(message: EmailMessage) -> tuple[str, list[TableData]]:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return "", []
    try:
        text = part.get_content()
    except (LookupError, UnicodeError, KeyError):  # an unknown or wrong charset
        text = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
    if part.get_content_type() == "text/html":
        return html_markdown(text)
    return text.strip(), []


def _members(message: EmailMessage) -> list[Member]:
    """Every part that is a file, however deep in the message's multiparts: attachments,
    inline images, attached messages (each a member; their own parts are theirs), the
    parts of a digest. Text alternatives of the body are the body, not files."""
    body = message.get_body(preferencelist=("plain", "html"))
    members: list[Member] = []

    def visit(part: EmailMessage) -> None:
        if part is body:
            return
        kind = part.get_content_type()
        if kind in ("message/rfc822", "message/global"):
            data = _message_bytes(part)
            if data:
                members.append(
                    Member(_safe_name(part.get_filename() or "", kind, len(members)), data)
                )
            return
        if part.is_multipart():
            for inner in part.iter_parts():
                visit(inner)  # type: ignore[arg-type]
            return
        named = part.is_attachment() or part.get_filename()
        if part.get_content_maintype() == "text" and not named:
            return  # another rendering of the body
        data = part.get_payload(decode=True) or b""
        if data:
            members.append(Member(_safe_name(part.get_filename() or "", kind, len(members)), data))

    if message.is_multipart():
        for part in message.iter_parts():
            visit(part)  # type: ignore[arg-type]
    elif message is not body:
        visit(message)
    return members


def _message_bytes(part: EmailMessage) -> bytes:
    """An attached message's own bytes, as they came (re-encoding its headers can fail on
    a malformed one)."""
    inner = part.get_payload()
    inner = inner[0] if isinstance(inner, list) and inner else inner
    if isinstance(inner, bytes | str):
        return inner.encode("utf-8", "surrogateescape") if isinstance(inner, str) else inner
    try:
        return inner.as_bytes(policy=email.policy.compat32)
    except (UnicodeError, ValueError, TypeError):
        return str(inner).encode("utf-8", "replace")


def _safe_name(name: str, content_type: str, n: int) -> str:
    """The attachment's own name without any folder part; a made-up one where it has none."""
    base = re.split(r"[\\\\/]", name)[-1].strip().lstrip(".")
    if base:
        return base[:200]
    extension = {"message/rfc822": ".eml", "application/pdf": ".pdf", "image/jpeg": ".jpg",
                 "image/png": ".png", "text/plain": ".txt"}.get(content_type, ".bin")  # fmt: skip
    return f"attachment-{n + 1}{extension}"


def read_msg(path: Path) -> Mail:
    """An Outlook MSG file: the same fields, body and attachments as an e-mail. An
    attached message stored as an embedded object (not as bytes) is named in a warning."""
    from msg_parser import MsOxMessage

    props = MsOxMessage(str(path)).get_properties()
    sender = props.get("SenderSmtpAddress") or props.get("SenderEmailAddress")
    name = props.get("SenderName")
    found = {
        "from": f"{name} <{sender}>" if name and sender else (sender or name),
        "to": props.get("DisplayTo"),
        "cc": props.get("DisplayCc"),
        "date": props.get("ClientSubmitTime") or props.get("MessageDeliveryTime"),
        "subject": props.get("Subject"),
        "message-id": props.get("InternetMessageId"),
    }
    fields = {k: str(v) for k, v in found.items() if v}
    body = str(props.get("Body") or "").replace("\r\n", "\n").strip()
    tables: list[TableData] = []
    if not body and props.get("Html"):
        html = props["Html"]
        body, tables = html_markdown(
            html.decode("utf-8", "replace") if isinstance(html, bytes) else html
        )
    head = "\n".join(f"**{h.title()}:** {v}" for h, v in fields.items())
    page = PageResult(
        1,
        "done",
        text_source="msg",
        decision="read from the Outlook message's own properties",
        markdown=f"{head}\n\n{body}".strip(),
        fields=fields,
        engine="msg-parser",
        kind="form",
    )
    members, warnings = [], []
    for n, attachment in enumerate(props.get("attachments") or []):
        data = attachment.data if isinstance(attachment.data, bytes) else None
        label = attachment.Filename or f"attachment {n + 1}"
        if not data:
            warnings.append(
                f"{label}: an attachment stored as an embedded Outlook object was not read; "
                "save it from Outlook as a file and drop that."
            )
            continue
        members.append(Member(_safe_name(attachment.Filename or "", "", n), data))
    for i, table in enumerate(tables):
        table.placed(1, i, "msg-parser")
    return Mail([page], tables, members, warnings)
