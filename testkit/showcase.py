"""The samples that show what docintel reads, beside the small ones of ``samples.py``:
``docintel dev samples`` writes both into samples/."""

from __future__ import annotations

import random
from pathlib import Path


def write_showcase(folder: Path) -> list[Path]:
    """Samples of each kind docintel reads, with what it should find in them: a scanned
    receipt, a scanned form with filled fields, a meeting recording (espeak-ng speech), an
    e-mail with an invoice attached, a DOCX contract and a ZIP of two files."""
    import zipfile

    import docx
    import numpy as np
    import pymupdf
    import soundfile

    from docintel.testkit import fidelity_samples, meeting_samples, profile_samples

    receipt = profile_samples.write_sample(
        profile_samples.receipt(random.Random(7), 0), folder / "receipt-scan.pdf", True, 3
    )
    form, _ = fidelity_samples.sparse_form(folder / "permit-form.tmp.pdf")
    with pymupdf.open(form) as doc:  # its page image compressed: 12 KB, not 2 MB
        doc.save(folder / "permit-form.pdf", deflate=True, deflate_images=True, garbage=3)
    form.unlink()
    spoken = meeting_samples.write_meeting(
        meeting_samples.meeting(random.Random(9), 0), folder / "meeting.tmp.wav", seed=2
    )
    samples, rate = soundfile.read(spoken, dtype="float32")
    meeting = folder / "meeting.ogg"
    soundfile.write(meeting, np.asarray(samples), rate, format="OGG", subtype="VORBIS")
    spoken.unlink()
    attached = profile_samples.write_sample(
        profile_samples.invoice(random.Random(8), 0), folder / "attached.tmp.pdf"
    )
    mail = write_mail(
        folder / "mail-with-invoice.eml",
        "Your invoice from Atlas Metalworks",
        "Hello,\n\nplease find our invoice attached.\n\nKind regards,\nAtlas",
        [("invoice.pdf", attached.read_bytes())],
        sender="Accounts <billing@atlas-metalworks.example>",
        date="Mon, 09 Mar 2026 09:15:00 +0000",
    )
    attached.unlink()
    terms = profile_samples.contract(random.Random(4), 0)
    document = docx.Document()
    document.add_heading(terms.lines[0], level=0)
    for line in [*terms.lines[1:], *terms.after]:
        document.add_paragraph(line)
    contract = folder / "contract.docx"
    document.save(contract)
    archive = folder / "archive.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("stock/bins.csv", "bin,cartons\nB-17,40\nB-18,12\n")
        z.writestr("stock/note.txt", "The recount of bin B-17 is due on Friday.\n")
    return [receipt, folder / "permit-form.pdf", meeting, mail, contract, archive]


def write_mail(
    path: Path,
    subject: str,
    body: str,
    attached: list[tuple[str, bytes]],
    sender: str = "Accounts <billing@example.com>",
    to: str = "inbox@northwind.example",
    date: str | None = None,
) -> Path:
    """An e-mail at ``path`` carrying ``attached`` (file name, bytes): PDFs, and mails
    (a name ending .eml) forwarded as attachments (message/rfc822)."""
    import email
    import email.message
    import email.policy

    message = email.message.EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    if date:
        message["Date"] = date
    message.set_content(body)
    for name, data in attached:
        if name.endswith(".eml"):
            message.add_attachment(email.message_from_bytes(data, policy=email.policy.default))
        else:
            message.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    path.write_bytes(message.as_bytes())
    return path
