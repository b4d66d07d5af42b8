#!/usr/bin/env python3
"""Rebuilds this folder (e-mail class of docintel's real fidelity set) from the mirrored
public repositories: copies each message (or mbox) out of its repository at a pinned commit,
and writes manifest.jsonl with each file's source, licence and reference.

The reference is the file as Python's own ``email`` package reads it (policy default):
  - a message: ``headers`` From/To/Subject/Date as ``str(message[h])``; ``body`` the part
    ``get_body(preferencelist=("plain", "html"))`` picks, its ``get_content()`` and content
    type; ``attachments`` every leaf part (not multipart/*, not message/*) met by ``walk()`` (so the
    parts of attached messages and of a digest too) that ``is_attachment()`` or is not
    text/*, other than the body part itself: sha256 and size of ``get_payload(decode=True)``.
  - an mbox: ``kind`` "mbox", ``message_count`` as ``mailbox.mbox`` counts them, and each
    message's headers.

    python collect.py            # MIRRORS=/work/.mirror by default
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
import mailbox
import os
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
MIRRORS = Path(os.environ.get("MIRRORS", "/work/.mirror"))

# repository -> (pinned commit, licence, short name used in file names)
REPOS = {
    "mailgun/flanker": ("c7f70738dbb39eda2861b03917b63ec9fa828f5d", "Apache-2.0", "flanker"),
    "SpamScope/mail-parser": (
        "01c177fecddd9db1def23ba509ab31b12ab4fbc5",
        "Apache-2.0",
        "mailparser",
    ),
    "GOVCERT-LU/eml_parser": ("5b8060a7efadd2e0324bc026c350cac129269635", "AGPL-3.0", "emlparser"),
    "mikel/mail": ("d645d7b5b7d03218b0bc8971ef041c991a63f5f7", "MIT", "mikel"),
    "apache/james-mime4j": ("2602a9a9703db9df4088b7e88bf8a307ecdfe968", "Apache-2.0", "mime4j"),
    "php-mime-mail-parser/php-mime-mail-parser": (
        "059dcc38fbfb559b0644e9c26c65a759b21801bc",
        "MIT",
        "phpmime",
    ),
    "gitpan/Mail-MboxParser": (
        "0ee8baa56931c9e7f8d35107e318d5722c434bba",
        "Artistic-1.0-Perl OR GPL-1.0-or-later (same terms as Perl)",
        "mboxparser",
    ),
}
# MIME-tools' test messages, shipped in mime4j with their own licence file
MIMETOOLS = "Artistic-1.0 (MIME-tools test messages; ARTISTIC-LICENSE.txt beside them)"

FL = "tests/fixtures/messages/"
SP = "tests/mails/"
GV = "samples/"
MK = "spec/fixtures/emails/"
MT = "core/src/test/resources/mimetools-testmsgs/"
TM = "core/src/test/resources/testmsgs/"
PH = "tests/mails/"

SOURCES = [
    # mailgun/flanker
    ("mailgun/flanker", FL + "attached-pdf.eml"),  # Content-Type first, nested, a PDF
    ("mailgun/flanker", FL + "enclosed.eml"),  # an attached message/rfc822
    ("mailgun/flanker", FL + "mailgun-pic.eml"),
    ("mailgun/flanker", FL + "iphone.eml"),
    ("mailgun/flanker", FL + "bz2-attachment.eml"),  # Content-Type first, 5 header lines
    ("mailgun/flanker", FL + "bounce/zed.eml"),  # a report with the returned message
    ("mailgun/flanker", FL + "bilingual-simple.eml"),
    ("mailgun/flanker", FL + "torture-part.eml"),
    # SpamScope/mail-parser
    ("SpamScope/mail-parser", SP + "mail_test_3"),
    ("SpamScope/mail-parser", SP + "mail_test_6"),  # related HTML with inline PNGs
    ("SpamScope/mail-parser", SP + "mail_test_7"),  # JPEGs and a PDF
    ("SpamScope/mail-parser", SP + "mail_test_8"),
    ("SpamScope/mail-parser", SP + "mail_test_12"),
    ("SpamScope/mail-parser", SP + "mail_test_14"),
    ("SpamScope/mail-parser", SP + "mail_test_17"),
    # GOVCERT-LU/eml_parser
    ("GOVCERT-LU/eml_parser", GV + "sample_attachments.eml"),  # Content-Type first
    ("GOVCERT-LU/eml_parser", GV + "sample_fail_github_issue_38.eml"),
    ("GOVCERT-LU/eml_parser", GV + "sample_mime.eml"),
    ("GOVCERT-LU/eml_parser", GV + "sample_gh_issue_79_2.eml"),  # four header lines
    ("GOVCERT-LU/eml_parser", GV + "github_issue_48.eml"),
    ("GOVCERT-LU/eml_parser", GV + "sample.eml"),
    # mikel/mail
    ("mikel/mail", MK + "attachment_emails/attachment_message_rfc822.eml"),
    ("mikel/mail", MK + "attachment_emails/attachment_message_rfc822_inline_image.eml"),
    ("mikel/mail", MK + "attachment_emails/attachment_pdf.eml"),
    ("mikel/mail", MK + "attachment_emails/attachment_only_email.eml"),
    ("mikel/mail", MK + "error_emails/content_transfer_encoding_x_uuencode.eml"),
    ("mikel/mail", MK + "mime_emails/raw_email_with_nested_attachment.eml"),
    ("mikel/mail", MK + "multi_charset/japanese_attachment.eml"),
    ("mikel/mail", MK + "rfc2822/example01.eml"),  # five header lines
    # apache/james-mime4j
    ("apache/james-mime4j", MT + "multi-digest.msg"),  # a multipart/digest
    ("apache/james-mime4j", MT + "frag.msg"),  # messages inside messages
    ("apache/james-mime4j", MT + "multi-nested.msg"),
    ("apache/james-mime4j", MT + "mp-msg-rfc822.msg"),
    ("apache/james-mime4j", MT + "bluedot-postcard.msg"),  # Content-Type first
    ("apache/james-mime4j", MT + "german.msg"),
    ("apache/james-mime4j", MT + "re-fwd.msg"),
    ("apache/james-mime4j", MT + "multi-2gifs.msg"),
    ("apache/james-mime4j", TM + "simple-attachment.msg"),
    # php-mime-mail-parser
    ("php-mime-mail-parser/php-mime-mail-parser", PH + "issue274.eml"),  # DOCX, PDF, ODT, mail
    ("php-mime-mail-parser/php-mime-mail-parser", PH + "issue158d"),
    ("php-mime-mail-parser/php-mime-mail-parser", PH + "m0013"),
    ("php-mime-mail-parser/php-mime-mail-parser", PH + "m0020"),
    ("php-mime-mail-parser/php-mime-mail-parser", PH + "m0024"),
    ("php-mime-mail-parser/php-mime-mail-parser", PH + "issue115"),
    ("php-mime-mail-parser/php-mime-mail-parser", PH + "issue250"),  # a PNG alone
    # mbox files
    ("apache/james-mime4j", "mbox/src/test/resources/test-1/mbox.rlug"),
    ("gitpan/Mail-MboxParser", "t/testbox"),
]
MBOXES = {"mbox/src/test/resources/test-1/mbox.rlug", "t/testbox"}

HEADERS = ("From", "To", "Subject", "Date")


def git_dir(repo: str) -> Path:
    return MIRRORS / repo.replace("/", "+") / "repo"


def pinned(repo: str) -> str:
    commit = REPOS[repo][0]
    if commit is None:  # a repository without a pin: the mirror's HEAD, recorded as such
        commit = subprocess.run(
            ["git", f"--git-dir={git_dir(repo)}", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    return commit


def blob(repo: str, commit: str, path: str) -> bytes:
    return subprocess.run(
        ["git", f"--git-dir={git_dir(repo)}", "show", f"{commit}:{path}"],
        capture_output=True,
        check=True,
    ).stdout


def header(message, name: str) -> str | None:
    try:
        value = message[name]
        return None if value is None else str(value)
    except Exception:  # a header the default policy cannot parse: its raw value
        raw = [v for k, v in message.raw_items() if k.lower() == name.lower()]
        return " ".join(str(raw[0]).split()) if raw else None


def body_of(message) -> tuple[object, dict]:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return None, {"text": "", "content_type": None}
    try:
        text = part.get_content()
    except (LookupError, UnicodeError, KeyError):  # unknown or wrong charset
        text = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
    return part, {"text": text, "content_type": part.get_content_type()}


def message_reference(data: bytes) -> dict:
    message = email.message_from_bytes(data, policy=email.policy.default)
    part, body = body_of(message)
    attachments = []
    for sub in message.walk():
        if (
            sub is part
            or sub.is_multipart()
            or sub.get_content_maintype() in ("message", "multipart")
        ):
            continue
        if not (sub.is_attachment() or sub.get_content_maintype() != "text"):
            continue
        payload = sub.get_payload(decode=True) or b""
        attachments.append(
            {
                "content_type": sub.get_content_type(),
                "filename": sub.get_filename(),
                "sha256": hashlib.sha256(payload).hexdigest(),
                "size": len(payload),
            }
        )
    return {
        "kind": "message",
        "headers": {h: header(message, h) for h in HEADERS},
        "body": body,
        "attachments": attachments,
    }


def mbox_reference(data: bytes) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "box"
        path.write_bytes(data)
        box = mailbox.mbox(str(path), create=False)
        try:
            raws = [box.get_bytes(key) for key in box.keys()]
        finally:
            box.close()
    messages = []
    for raw in raws:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        messages.append({"headers": {h: header(message, h) for h in HEADERS}})
    return {"kind": "mbox", "message_count": len(messages), "messages": messages}


def main() -> None:
    rows = []
    names = set()
    for repo, path in SOURCES:
        commit, licence, short = pinned(repo), REPOS[repo][1], REPOS[repo][2]
        if repo == "apache/james-mime4j" and "/mimetools-testmsgs/" in path:
            licence = MIMETOOLS
        data = blob(repo, commit, path)
        stem = Path(path).name.rsplit(".", 1)[0] if "." in Path(path).name else Path(path).name
        suffix = ".mbox" if path in MBOXES else ".eml"
        name = f"{short}-{stem}{suffix}"
        assert name not in names, name
        names.add(name)
        (HERE / name).write_bytes(data)
        reference = mbox_reference(data) if path in MBOXES else message_reference(data)
        rows.append(
            {
                "file": name,
                "repo": repo,
                "path": path,
                "commit": commit,
                "licence": licence,
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
                "reference": reference,
            }
        )
    for stale in [*HERE.glob("*.eml"), *HERE.glob("*.mbox")]:
        if stale.name not in names:
            stale.unlink()
    with (HERE / "manifest.jsonl").open("w") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} files, manifest.jsonl written in {HERE}")


if __name__ == "__main__":
    main()
