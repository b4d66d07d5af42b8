"""Pages read the way a person sees them: a phone photo turned by its EXIF orientation, and
a page on its side or upside down (no EXIF to say so) turned as Tesseract's orientation
detection says, where reading it as it lies gives little Tesseract is sure of."""

from __future__ import annotations

import random

import jiwer
from PIL import Image

from docintel.testkit.page_samples import scanned, text_page
from tests.helpers import process

BAR = 0.97  # character accuracy of a scanned page read upright (tests/test_pages.py)


def accuracy(truth: str, found: str | None) -> float:
    return 1 - jiwer.cer(" ".join(truth.split()), " ".join((found or "").split()))


def test_a_photo_is_read_as_its_exif_orientation_shows_it(embedded, tmp_path):
    """The pixels stored turned a quarter counter-clockwise with EXIF Orientation 6 (turn
    them 90 degrees clockwise to view), as a phone held on its side saves them: every
    viewer shows the page upright, and so is it read. Before, it was read as stored."""
    rng = random.Random(5)
    image, truth = text_page(rng, dpi=200)
    stored = scanned(image, rng).rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the stored image's top is the view's right side
    stored.save(tmp_path / "photo.jpg", quality=80, exif=exif)
    page = process(tmp_path / "photo.jpg", embedded)["pages"][0]
    assert accuracy(truth.text, page["markdown"]) >= BAR


def test_a_page_upside_down_or_on_its_side_is_turned_and_read(embedded, tmp_path):
    """No EXIF: a scan fed upside down and one on its side. Tesseract reads them as they lie
    with little it is sure of; its orientation detection says how to turn them, and the
    turned reading, surer, is kept and said in the page's decision. An upright page is
    not asked (its reading is sure), and is read as before."""
    rng = random.Random(9)
    image, truth = text_page(rng, dpi=200)
    page_scan = scanned(image, rng)
    page_scan.save(tmp_path / "upright.png")
    page_scan.rotate(180).save(tmp_path / "upside-down.png")
    page_scan.rotate(90, expand=True).save(tmp_path / "on-its-side.png")  # counter-clockwise
    upright = process(tmp_path / "upright.png", embedded)["pages"][0]
    assert "turned" not in upright["decision"]
    for name, turn in (("upside-down.png", 180), ("on-its-side.png", 90)):
        page = process(tmp_path / name, embedded)["pages"][0]
        assert f"turned {turn} degrees clockwise" in page["decision"], page["decision"]
        assert accuracy(truth.text, page["markdown"]) >= BAR, name
        assert accuracy(truth.text, page["markdown"]) >= accuracy(
            truth.text, upright["markdown"]
        ) - 0.01
