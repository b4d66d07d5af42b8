"""Tesseract is handed a page as an uncompressed grey BMP in the temporary folder, not on
stdin: it reads stdin through a C++ stream a character at a time (a 300 dpi page: 0.98 s
against 0.82 s for the same run), and Leptonica reads PNM slowly (0.76 s against BMP's
0.64 s). The file is the page's grey pixels, and is gone after the run; where the
temporary folder cannot be written, the page still goes, on stdin. Shown with a stand-in
``tesseract`` on PATH that keeps what it was given."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest
from PIL import Image

from docintel.pipeline.pages import tesseract as tess

STAND_IN = """#!/usr/bin/env python3
import shutil, sys
kept = sys.argv[0] + ".kept"
with open(kept + ".argv", "w") as out:
    out.write("\\n".join(sys.argv[1:]))
if sys.argv[1] == "stdin":
    with open(kept, "wb") as out:
        shutil.copyfileobj(sys.stdin.buffer, out)
else:
    shutil.copyfile(sys.argv[1], kept)
print("level\\tpage_num\\tblock_num\\tpar_num\\tline_num\\tword_num\\tleft\\ttop\\twidth\\theight\\tconf\\ttext")
print("5\\t1\\t1\\t1\\t1\\t1\\t10\\t20\\t30\\t40\\t96.5\\tInvoice")
"""


@pytest.fixture()
def stand_in(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    exe = folder / "tesseract"
    exe.write_text(STAND_IN)
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return exe


def page() -> Image.Image:
    image = Image.new("RGB", (300, 200), "white")
    image.paste((20, 40, 200), (50, 60, 250, 90))
    return image


def given(exe: Path) -> tuple[list[str], Image.Image]:
    argv = Path(f"{exe}.kept.argv").read_text().splitlines()
    return argv, Image.open(f"{exe}.kept")


def test_the_page_goes_as_a_file_of_its_grey_pixels_removed_after_the_run(stand_in):
    words = tess.ocr_words(page(), dpi=300)
    assert [(w.text, w.conf, w.left) for w in words] == [("Invoice", 96.5, 10)]
    argv, image = given(stand_in)
    handed = Path(argv[0])
    assert handed.name == tess.PAGE_FILE and handed.parent.parent == Path(tempfile.gettempdir())
    assert not handed.parent.exists()  # removed after the run
    assert argv[1:] == ["stdout", "-l", "eng", "--psm", "3", "--dpi", "300", "tsv"]
    assert image.mode == "L" and image.tobytes() == page().convert("L").tobytes()


def test_a_temporary_folder_that_cannot_be_written_sends_the_page_on_stdin(
    stand_in, tmp_path, monkeypatch
):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    monkeypatch.setattr(tempfile, "tempdir", str(not_a_folder))
    assert [w.text for w in tess.ocr_words(page(), dpi=300)] == ["Invoice"]
    argv, image = given(stand_in)
    assert argv[0] == "stdin" and image.tobytes() == page().convert("L").tobytes()


def test_words_are_read_from_tsv_with_its_header_or_without_it():
    """The binary's TSV names its columns on its first line; a library's rows come bare."""
    rows = (
        "4\t1\t1\t1\t1\t0\t5\t5\t90\t50\t-1\t\n"
        "5\t1\t1\t1\t1\t1\t10\t20\t30\t40\t96.5\tInvoice\n"
        "5\t1\t1\t1\t1\t2\t50\t20\t30\t40\t91\t 42 \n"
    )
    header = "\t".join(tess.TSV_FIELDS) + "\n"
    bare = tess.tsv_words(rows)
    assert [(w.text, w.conf, w.left, w.line) for w in bare] == [
        ("Invoice", 96.5, 10, 1),
        ("42", 91.0, 50, 1),
    ]
    assert tess.tsv_words(header + rows) == bare
