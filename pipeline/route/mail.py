"""E-mail (EML, and Outlook MSG through msg-parser): the headers as fields, the body (plain
text, or the HTML one converted) as the document's text, and every attachment (inline
images and attached mails included) as a member to become a document of its own."""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
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
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    fields = {h: str(message[h]) for h in HEADERS if message[h] is not None}
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


def _body(message: EmailMessage) -> tuple[str, list[TableData]]:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return "", []
    text = part.get_content()
    if part.get_content_type() == "text/html":
        return html_markdown(text)
    return text.strip(), []


def _members(message: EmailMessage) -> list[Member]:
    members: list[Member] = []
    body = message.get_body(preferencelist=("plain", "html"))
    for n, part in enumerate(message.iter_attachments()):
        if part is body:
            continue
        name = _safe_name(part.get_filename() or "", part.get_content_type(), n)
        if part.get_content_type() == "message/rfc822":
            inner = part.get_content()
            data = inner.as_bytes() if hasattr(inner, "as_bytes") else bytes(inner)
        else:
            data = part.get_payload(decode=True) or b""
        if data:
            members.append(Member(name, data))
    # inline images referenced by the HTML body (Content-ID) are parts of their own too
    for n, part in enumerate(message.walk()):
        if (
            part.get_content_maintype() == "image"
            and part.get("Content-ID")
            and not any(part is a for a in message.iter_attachments())
        ):
            data = part.get_payload(decode=True) or b""
            if data:
                name = _safe_name(part.get_filename() or "", part.get_content_type(), 100 + n)
                members.append(Member(name, data))
    return members


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
