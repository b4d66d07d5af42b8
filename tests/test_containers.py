"""E-mails and archives: every attachment or member a document of its own, processed by its
own pipeline and linked to its parent; the guards refuse what would escape, explode or
recurse, each with its reason, and nothing is written outside the archive folder."""

from __future__ import annotations

import io
import json
import os
import random
import tarfile
import zipfile
from email.message import EmailMessage
from pathlib import Path

from typer.testing import CliRunner

from docintel.cli import app
from docintel.testkit.page_samples import mixed_page
from tests.helpers import process
from tests.test_profiles import us_invoice


def _mail(tmp_path: Path, attachments: list[tuple[str, bytes, str]]) -> Path:
    message = EmailMessage()
    message["From"] = "Accounts <ar@northwind.example>"
    message["To"] = "inbox@ops.example"
    message["Subject"] = "Invoice INV-2026-0193 and the signed delivery note"
    message["Date"] = "Mon, 02 Nov 2026 09:15:00 +0000"
    message["Message-ID"] = "<193@northwind.example>"
    message.set_content("Hello,\n\nplease find our invoice and the scan attached.\n\nMaria")
    for name, data, kind in attachments:
        maintype, subtype = kind.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    path = tmp_path / "mail.eml"
    path.write_bytes(message.as_bytes())
    return path


def _scan_jpeg() -> bytes:
    image, _ = mixed_page(random.Random(5), dpi=120)
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=85)
    return buf.getvalue()


def test_an_email_with_a_pdf_and_a_scan_ends_with_three_linked_documents(embedded, tmp_path):
    invoice = us_invoice(tmp_path / "inv.pdf").read_bytes()
    path = _mail(
        tmp_path,
        [("invoice.pdf", invoice, "application/pdf"), ("scan.jpg", _scan_jpeg(), "image/jpeg")],
    )
    result = process(path, embedded)
    doc = result["document"]
    assert doc["kind"] == "mail" and doc["status"] == "done"
    (page,) = result["pages"]
    assert page["fields"]["subject"].startswith("Invoice INV-2026-0193")
    assert page["fields"]["from"] == "Accounts <ar@northwind.example>"
    assert "please find our invoice" in page["markdown"]
    children = {c["name"]: c for c in result["children"]}
    assert set(children) == {"invoice.pdf", "scan.jpg"}
    assert all(c["status"] == "done" for c in children.values())
    assert children["invoice.pdf"]["kind"] == "pdf" and children["scan.jpg"]["kind"] == "image"
    assert children["invoice.pdf"]["doc_type"] == "invoice"
    shown = json.loads(
        CliRunner().invoke(app, ["show", str(children["scan.jpg"]["id"]), "--json"]).stdout
    )
    assert shown["document"]["parent_id"] == doc["id"]
    assert shown["pages"][0]["text_source"] == "tesseract"  # its own pipeline read it
    # the mail's agent step read its attachments' summaries
    assert "## Attachments" in result["markdown"]
    assert "- invoice.pdf (invoice): " in result["markdown"]
    listed = CliRunner().invoke(app, ["query", "--json", "--parent", str(doc["id"])])
    assert sorted(d["name"] for d in json.loads(listed.stdout)) == ["invoice.pdf", "scan.jpg"]


def test_a_known_attachment_is_linked_not_processed_again(embedded, tmp_path):
    invoice = us_invoice(tmp_path / "inv.pdf")
    first = process(invoice, embedded)["document"]
    result = process(
        _mail(tmp_path, [("copy.pdf", invoice.read_bytes(), "application/pdf")]), embedded
    )
    (child,) = result["children"]
    assert child["status"] == "duplicate" and child["duplicate_of"] == first["id"]
    # the mail reads it as the document it is: its type and summary, not "duplicate"
    assert "- copy.pdf (invoice): " in result["markdown"], result["markdown"]


def test_a_mail_reads_what_is_known_of_each_attachment(embedded, tmp_path):
    """An attachment read with nothing to sum up, or one that failed, was "not read yet" to
    the mail's agent step, as if it were still in flight."""
    from PIL import Image

    blank = io.BytesIO()
    Image.new("L", (400, 300), 255).save(blank, format="PNG")
    attached = [
        ("broken.pdf", b"%PDF-1.4 broken", "application/pdf"),
        ("blank.png", blank.getvalue(), "image/png"),
    ]
    result = process(_mail(tmp_path, attached), embedded)
    text = result["markdown"]
    assert "- broken.pdf (failed): could not be read: broken.pdf is a damaged PDF" in text, text
    assert "- blank.png (other): read; nothing to sum up" in text, text
    assert "not read yet" not in text


def _zip(path: Path, members: dict[str, bytes], links: dict[str, str] = {}) -> Path:  # noqa: B006
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
        for name, target in links.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o120777 << 16
            z.writestr(info, target)
    return path


def test_an_archive_refuses_escapes_links_and_bombs_and_keeps_the_rest(embedded, tmp_path):
    invoice = us_invoice(tmp_path / "inv.pdf").read_bytes()
    passwd_before = os.stat("/etc/passwd").st_mtime_ns
    path = _zip(
        tmp_path / "bundle.zip",
        {
            "docs/invoice.pdf": invoice,
            "../../etc/passwd": b"root::0:0:owned:/root:/bin/sh\n",
            "/abs/evil.txt": b"absolute\n",
            "zeros.txt": b"0" * 5_000_000,  # 5 MB of one byte: compresses ~1000:1
            "notes.txt": b"Stock count on Friday.\n",
        },
        links={"link-to-shadow": "/etc/shadow"},
    )
    result = process(path, embedded)
    doc = result["document"]
    assert doc["status"] == "done"
    assert sorted(c["member"] for c in result["children"]) == ["docs/invoice.pdf", "notes.txt"]
    warnings = "\n".join(doc["warnings"])
    assert "../../etc/passwd: refused, a name that climbs out" in warnings
    assert "/abs/evil.txt: refused, an absolute path" in warnings
    assert "link-to-shadow: refused, a symbolic link" in warnings
    assert "zeros.txt: refused, compressed" in warnings and "decompression bomb" in warnings
    assert os.stat("/etc/passwd").st_mtime_ns == passwd_before
    written = [p.name for p in tmp_path.rglob("*") if p.is_file()]
    assert "passwd" not in written and "evil.txt" not in written
    assert all(c["status"] == "done" for c in result["children"])


def test_a_tar_gz_with_a_symlink_member(embedded, tmp_path):
    path = tmp_path / "batch.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        data = b"Delivery note DN-5531, pallets: 12\n"
        info = tarfile.TarInfo("batch/note.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("batch/secret")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/shadow"
        tar.addfile(link)
    result = process(path, embedded)
    assert [c["member"] for c in result["children"]] == ["batch/note.txt"]
    assert "batch/secret: refused, a link to '/etc/shadow'" in result["document"]["warnings"]


def test_archives_nested_ten_deep_stop_at_the_depth_limit(embedded, tmp_path):
    data = b"the innermost note\n"
    name = "note.txt"
    for level in range(10):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr(name, data)
        data, name = buf.getvalue(), f"level{level}.zip"
    path = tmp_path / "nested.zip"
    path.write_bytes(data)
    process(path, embedded)
    out = CliRunner().invoke(app, ["query", "--json", "--limit", "50"])
    docs = json.loads(out.stdout)
    failed = [d for d in docs if d["status"] == "failed"]
    assert len(docs) == embedded.archive_max_depth + 1  # the dropped one and its nested ones
    (deepest,) = failed
    assert "nested 5 deep" in deepest["error"] and "DOCINTEL_ARCHIVE_MAX_DEPTH" in deepest["error"]


def test_an_outlook_msg_is_read_like_an_email(embedded):
    """A real .msg (msg-parser's own test file): its sender, recipient, subject and body;
    its attachment is an embedded Outlook object, which is named in a warning."""
    path = Path(__file__).resolve().parent / "data" / "failure-notice.msg"
    result = process(path, embedded)
    doc = result["document"]
    assert doc["kind"] == "mail" and doc["status"] == "done"
    fields = result["pages"][0]["fields"]
    assert fields["from"] == "Mail Delivery Subsystem <mailer-daemon@tjdpf.org.cn>"
    assert fields["to"] == "yosipnps@model.com"
    assert "Failure Notice" in fields["subject"]
    assert "not able to deliver your message" in result["pages"][0]["markdown"]
    assert any("embedded Outlook object" in w for w in doc["warnings"])
