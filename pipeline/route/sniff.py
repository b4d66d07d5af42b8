"""What a file really is, from its bytes, not its name.

Like paperless-ngx's consumer, each check says why a file is refused, so the message on the
document tells a person what to do.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from docintel.pipeline.errors import DocumentError
from docintel.pipeline.route.einvoice import is_einvoice

HEAD_BYTES = 8192
EINVOICE_XML = "application/xml"  # an XML file whose root is an e-invoice (CII, UBL)


@dataclass(frozen=True)
class Sniffed:
    kind: str  # pdf, image, audio, table, text, mail, archive
    media_type: str


_MAGIC: list[tuple[bytes, int, Sniffed]] = [
    (b"\x89PNG\r\n\x1a\n", 0, Sniffed("image", "image/png")),
    (b"\xff\xd8\xff", 0, Sniffed("image", "image/jpeg")),
    (b"II*\x00", 0, Sniffed("image", "image/tiff")),
    (b"MM\x00*", 0, Sniffed("image", "image/tiff")),
    (b"GIF87a", 0, Sniffed("image", "image/gif")),
    (b"GIF89a", 0, Sniffed("image", "image/gif")),
    (b"fLaC", 0, Sniffed("audio", "audio/flac")),
    (b"OggS", 0, Sniffed("audio", "audio/ogg")),
    (b"ID3", 0, Sniffed("audio", "audio/mpeg")),
]

_REFUSED: list[tuple[bytes, str]] = [
    (b"MZ", "a Windows executable"),
    (b"\x7fELF", "a Linux executable"),
    (b"\xca\xfe\xba\xbe", "a macOS/Java binary"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
]


def sniff_file(path: Path) -> Sniffed:
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    return sniff(head, path)


def sniff(head: bytes, path: Path | None = None) -> Sniffed:
    name = path.name if path else "the file"
    if not head:
        raise DocumentError(
            f"{name} is empty (0 bytes): it was probably still being copied or the export "
            "failed; drop the complete file again."
        )
    # The leading magic of each format first: a PNG whose metadata mentions "%PDF-", or a
    # ZIP holding a PDF, is what its first bytes say.
    if head.startswith(b"%PDF-"):
        return Sniffed("pdf", "application/pdf")
    for magic, offset, result in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return result
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed("image", "image/webp")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return Sniffed("audio", "audio/wav")
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B ", b"mp42", b"isom", b"dash"):
            return Sniffed("audio", "audio/mp4")
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06:
        return Sniffed("audio", "audio/mpeg")  # MPEG audio frame sync without an ID3 tag
    if head[:4] == b"PK\x03\x04":
        return _sniff_zip(path, name)
    if head[257:262] == b"ustar":
        return Sniffed("archive", "application/x-tar")
    if head.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")):
        return _sniff_compressed(path, name)
    if _looks_like_mail(head):
        return Sniffed("mail", "message/rfc822")
    if head.startswith(b"{\\rtf"):
        return Sniffed("text", "application/rtf")
    if head.startswith(OLE2):
        return _sniff_ole2(name)
    for magic, what in _REFUSED:
        if head.startswith(magic):
            raise DocumentError(
                f"{name} is {what}, not a document, recording or table; docintel reads PDF, "
                "PNG/JPEG/TIFF/WEBP, WAV/FLAC/MP3/OGG/M4A, CSV, XLSX, DOCX, PPTX, HTML and "
                "text."
            )
    # PDF writers may put junk before the header, and readers accept it within 1 KiB: a
    # weak hint, taken only when no format's own magic matched.
    if b"%PDF-" in head[:1024]:
        return Sniffed("pdf", "application/pdf")
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") and is_einvoice(head):
        return Sniffed("text", EINVOICE_XML)
    if _looks_like_html(head):
        return Sniffed("text", "text/html")
    if _looks_like_csv(head, named_table=name.lower().endswith((".csv", ".tsv", ".tab"))):
        return Sniffed("table", "text/csv")
    if _looks_like_text(head):
        markdown = name.lower().endswith((".md", ".markdown"))
        return Sniffed("text", "text/markdown" if markdown else "text/plain")
    raise DocumentError(
        f"{name} is not a type docintel reads (first bytes {head[:8]!r}); docintel reads PDF, "
        "PNG/JPEG/TIFF/WEBP, WAV/FLAC/MP3/OGG/M4A, CSV, XLSX, DOCX, PPTX, HTML and text. If "
        "it is a PDF, it is damaged beyond its header: export it again."
    )


def _sniff_zip(path: Path | None, name: str) -> Sniffed:
    try:
        names = set(zipfile.ZipFile(path).namelist()) if path else set()
    except (zipfile.BadZipFile, OSError) as exc:
        raise DocumentError(f"{name} is a damaged ZIP container ({exc}); save it again.") from exc
    if "xl/workbook.xml" in names:
        return Sniffed("table", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    if "word/document.xml" in names:
        return Sniffed("text", DOCX)
    if "ppt/presentation.xml" in names:
        return Sniffed("text", PPTX)
    if "mimetype" in names and path is not None:
        kind = zipfile.ZipFile(path).read("mimetype")[:100].decode("ascii", "replace").strip()
        if kind in ODF_TEXT:
            return Sniffed("text", kind)
        if kind.startswith("application/vnd.oasis.opendocument"):
            raise DocumentError(
                f"{name} is an OpenDocument file ({kind}) docintel does not read: save it as "
                "XLSX, DOCX, PPTX or PDF and drop that."
            )
    return Sniffed("archive", "application/zip")


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary Office formats and Outlook MSG
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODF_TEXT = (
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.presentation",
)


def _sniff_compressed(path: Path | None, name: str) -> Sniffed:
    """A compressed TAR is an archive; another compressed file is refused with what to do."""
    import tarfile

    try:
        if path is not None and tarfile.is_tarfile(path):
            return Sniffed("archive", "application/x-tar")
    except (OSError, EOFError, tarfile.TarError):
        pass
    raise DocumentError(
        f"{name} is a compressed file that is not a TAR archive: unpack it and drop the file "
        "inside."
    )


_MAIL_HEADERS = {"from", "to", "cc", "subject", "date", "message-id", "mime-version", "received",
                 "return-path", "delivered-to", "reply-to", "sender", "in-reply-to", "references",
                 "content-type", "content-transfer-encoding", "x-mailer"}  # fmt: skip
# a message's own: two of the others alone could be a memo's "Date:" and "To:"
_MAIL_ONLY = {"from", "received", "message-id", "mime-version", "content-type", "return-path"}
# RFC 5322: a field name is any printable character but the colon (MAIL_FROM, X-Spam_Score)
_HEADER_LINE = re.compile(r"^([!-9;-~]+):")


def _looks_like_mail(head: bytes) -> bool:
    """An RFC 5322 message (or an mbox's first): an optional mbox 'From ' line, then a block
    of header lines only, with a message's own headers among them: 'Content-Type:' first,
    a short block and an mbox line all count."""
    lines = decode_text(head[:HEAD_BYTES]).splitlines()
    if len(head) >= HEAD_BYTES:
        lines = lines[:-1]  # the head may end inside a line
    while lines and not lines[0].strip():
        lines = lines[1:]  # blank lines before an mbox's first 'From ' line or the headers
    mbox = bool(lines) and re.match(r"^From \S", lines[0]) is not None
    lines = lines[1:] if mbox else lines
    if not lines or not _HEADER_LINE.match(lines[0]):
        return False
    names: list[str] = []
    ended = False
    for line in lines[:400]:
        if not line.strip():
            ended = True
            break
        if line[:1] in (" ", "\t"):
            continue  # a folded header goes on
        m = _HEADER_LINE.match(line)
        if m is None:
            return False  # text that is no header, before any blank line: not a message
        names.append(m.group(1).lower())
    known = set(names) & _MAIL_HEADERS
    if (mbox and known) or len(known) >= 3 or (len(known) >= 2 and known & _MAIL_ONLY):
        return True
    # a block of headers longer than the head (signatures, relays' stamps) is a message's
    return not ended and len(names) >= 8 and bool(known)


def _sniff_ole2(name: str) -> Sniffed:
    """An OLE2 container says little of itself in its first bytes; the name's extension
    decides between Word and PowerPoint, and anything else is refused with what to do."""
    lowered = name.lower()
    if lowered.endswith(".msg"):
        return Sniffed("mail", "application/vnd.ms-outlook")
    if lowered.endswith(".doc"):
        return Sniffed("text", "application/msword")
    if lowered.endswith(".ppt"):
        return Sniffed("text", "application/vnd.ms-powerpoint")
    raise DocumentError(
        f"{name} is an old binary Office or Outlook file (OLE2) docintel does not read: save "
        "it as DOCX, PPTX, XLSX or PDF and drop that."
    )


def _looks_like_html(head: bytes) -> bool:
    start = decode_text(head[:1024]).lstrip().lower()
    return start.startswith(("<!doctype html", "<html")) or (
        start.startswith("<") and ("<body" in start or "<head" in start)
    )


def _looks_like_text(head: bytes) -> bool:
    """Text a person wrote: no NUL bytes, and nearly every character printable."""
    if b"\x00" in head and head[:2] not in (b"\xff\xfe", b"\xfe\xff"):
        return False
    text = decode_text(head)
    if not text.strip():
        return False
    printable = sum(1 for ch in text if ch.isprintable() or ch in "\n\r\t")
    return printable / len(text) > 0.97


def decode_text(data: bytes) -> str:
    for encoding in (
        ("utf-8-sig", "utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig",)
    ):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("cp1252", errors="replace")


def _looks_like_csv(head: bytes, named_table: bool = False) -> bool:
    """Rows of one width under a delimiter. A file not named as a table must also have
    rows (one line is a header of nothing: "Shipment 0 arrived at dock 0, checked by Anna."
    became a table of no rows and no searchable text) and cells that are not sentences."""
    if b"\x00" in head and head[:2] not in (b"\xff\xfe", b"\xfe\xff"):
        return False
    text = decode_text(head)
    lines = [ln for ln in text.splitlines() if ln.strip()][:20]
    if len(lines) < 1:
        return False
    if len(head) == HEAD_BYTES:  # the last line may be cut mid-way
        lines = lines[:-1] or lines
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|")
    except csv.Error:
        return False
    rows = list(csv.reader(io.StringIO("\n".join(lines)), dialect))
    widths = {len(row) for row in rows}
    if len(widths) != 1 or widths.pop() < 2:
        return False
    return named_table or (len(rows) >= 2 and not _sentences(rows))


def _sentences(rows: list[list[str]]) -> bool:
    """Prose split at its commas: long cells, or rows that end as sentences do."""
    cells = [c for row in rows for c in row]
    words = sum(len(c.split()) for c in cells) / len(cells)
    ended = sum(1 for row in rows if row[-1].rstrip().endswith((".", "!", "?")))
    return words > 6 or ended * 2 > len(rows)
