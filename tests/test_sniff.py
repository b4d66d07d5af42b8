import io
import zipfile

import pytest

from docintel.pipeline.errors import DocumentError
from docintel.pipeline.route.sniff import Sniffed, sniff, sniff_file


@pytest.mark.parametrize(
    "head, kind, media",
    [
        (b"%PDF-1.7\n", "pdf", "application/pdf"),
        (b"\x00\x00junk%PDF-1.4\n", "pdf", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n....", "image", "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image", "image/jpeg"),
        (b"II*\x00\x08\x00", "image", "image/tiff"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image", "image/webp"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "audio", "audio/wav"),
        (b"fLaC\x00\x00", "audio", "audio/flac"),
        (b"OggS\x00\x02", "audio", "audio/ogg"),
        (b"ID3\x04\x00", "audio", "audio/mpeg"),
        (b"a,b,c\n1,2,3\n4,5,6\n", "table", "text/csv"),
        (b"name;amount\nx;1\ny;2\n", "table", "text/csv"),
    ],
)
def test_type_comes_from_the_bytes(head, kind, media):
    found = sniff(head)
    assert (found.kind, found.media_type) == (kind, media)


def test_renamed_executable_is_refused_with_a_reason(tmp_path):
    fake = tmp_path / "invoice.pdf"
    fake.write_bytes(b"MZ\x90\x00" + b"\x00" * 100)
    with pytest.raises(DocumentError, match="Windows executable"):
        sniff_file(fake)


def test_empty_file_says_what_to_do(tmp_path):
    empty = tmp_path / "scan.pdf"
    empty.write_bytes(b"")
    with pytest.raises(DocumentError, match="empty .0 bytes.*drop the complete file"):
        sniff_file(empty)


def test_xlsx_is_told_apart_from_other_zips(tmp_path):
    from docintel.testkit.samples import write_xlsx

    book = write_xlsx(tmp_path / "b.xlsx", {"s": [["a", "b"], [1, 2]]})
    assert sniff_file(book).kind == "table"
    other = tmp_path / "x.zip"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "hi")
    other.write_bytes(buf.getvalue())
    assert sniff_file(other) == Sniffed("archive", "application/zip")  # its members are read


def test_prose_is_not_mistaken_for_csv(tmp_path):
    found = sniff(b"Dear team,\nplease find the report attached.\nBest regards\n")
    assert (found.kind, found.media_type) == ("text", "text/plain")
    one_line = b"Shipment 0: the copper wires arrived at dock 0, checked by Anna.\n"
    two_sentences = b"The pallets arrived, as planned.\nAnna checked them, then signed.\n"
    assert sniff(one_line).kind == sniff(two_sentences).kind == "text"
    assert sniff(b"sku,qty\nA-1,4\n").kind == "table"  # a header and a row: a table
    header_only = tmp_path / "empty-export.csv"  # named a table: its header alone is one
    header_only.write_bytes(b"date,carrier,pallets\n")
    assert sniff_file(header_only).kind == "table"
    with pytest.raises(DocumentError, match="not a type docintel reads"):
        sniff(bytes(range(1, 200)) * 3)  # binary that is neither
