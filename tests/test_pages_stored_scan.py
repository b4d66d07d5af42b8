"""A scanned page that is one JPEG at the resolution it is read at is decoded as stored,
not drawn: the same pixels (two JPEG decoders apart), and the same reading; a page where
drawing changes something (a stamp over it, another resolution) is drawn."""

from __future__ import annotations

import random

import jiwer
import numpy as np
import pymupdf
from PIL import Image

from docintel.config import get_settings
from docintel.pipeline.pages import tesseract as tess
from docintel.pipeline.pages.images import page_images
from docintel.testkit.page_samples import chart_page, images_to_pdf, scanned, text_page
from tests.helpers import process


def _scan(tmp_path, dpi=300, name="scan.pdf"):
    page, truth = text_page(random.Random(11), dpi=dpi)
    return images_to_pdf(tmp_path / name, [scanned(page, random.Random(12))], dpi=dpi), truth


def _drawn(path, dpi):
    with pymupdf.open(path) as doc:
        pix = doc[0].get_pixmap(dpi=dpi, colorspace=pymupdf.csRGB)
    return Image.frombytes("RGB", (pix.width, pix.height), pix.samples)


def test_a_jpeg_scan_at_its_resolution_is_decoded_with_the_pixels_drawing_gives(tmp_path):
    path, _ = _scan(tmp_path)
    image = page_images(path, "pdf", [1], 300, get_settings(), native=True)[1]
    assert image.info["drawn"] == "decoded" and image.info["dpi"] == (300, 300)
    drawn = _drawn(path, 300)
    assert image.size == drawn.size and image.mode == "RGB"
    assert np.abs(np.asarray(image, dtype=int) - np.asarray(drawn, dtype=int)).mean() < 1.0


def test_a_stamp_over_the_scan_or_another_resolution_is_drawn(tmp_path):
    path, _ = _scan(tmp_path)
    with pymupdf.open(path) as doc:
        doc[0].insert_text((72, 72), "PAID", fontsize=30, color=(1, 0, 0))
        doc.save(tmp_path / "stamped.pdf")
    settings = get_settings()
    stamped = page_images(tmp_path / "stamped.pdf", "pdf", [1], 300, settings, native=True)[1]
    assert stamped.info["drawn"] == "rendered"
    # read at 200 dpi, a 300 dpi scan is resampled: MuPDF draws it
    lower = page_images(path, "pdf", [1], 200, settings, native=True)[1]
    assert lower.info["drawn"] == "rendered" and lower.info["dpi"] == (200, 200)


def test_a_decoded_scan_reads_as_the_drawn_one(embedded, tmp_path):
    path, truth = _scan(tmp_path)
    drawn = tmp_path / "drawn.png"
    _drawn(path, 300).save(drawn, dpi=(300, 300))
    decoded = process(path, embedded)["pages"][0]
    assert "read by Tesseract at 300 dpi" in decoded["decision"]
    other = process(drawn, embedded)["pages"][0]["markdown"]
    flat = " ".join(truth.text.split())
    for read in (decoded["markdown"], other):
        assert jiwer.cer(flat, " ".join(read.split())) < 0.01
    assert jiwer.cer(" ".join(other.split()), " ".join(decoded["markdown"].split())) < 0.005


def test_a_grey_scan_is_decoded_grey_and_read_like_its_colour_twin(embedded, tmp_path):
    page, truth = text_page(random.Random(11), dpi=300)
    colour = scanned(page, random.Random(12))
    path = images_to_pdf(tmp_path / "grey.pdf", [colour.convert("L")], dpi=300)
    image = page_images(path, "pdf", [1], 300, get_settings(), native=True)[1]
    # kept grey: made RGB, it was three times the pixels, turned grey again to be read
    assert image.info["drawn"] == "decoded" and image.mode == "L"
    drawn = _drawn(path, 300).convert("L")
    assert np.abs(np.asarray(image, dtype=int) - np.asarray(drawn, dtype=int)).mean() < 1.0
    read = process(path, embedded)["pages"][0]
    assert read["kind"] == "text" and "read by Tesseract at 300 dpi" in read["decision"]
    flat = " ".join(truth.text.split())
    assert jiwer.cer(flat, " ".join(read["markdown"].split())) < 0.01


def test_a_colour_scan_read_in_grey_is_decoded_grey_with_the_grey_its_colours_give(tmp_path):
    path, _ = _scan(tmp_path)
    settings = get_settings()
    image = page_images(path, "pdf", [1], 300, settings, native=True, grey=True)[1]
    # libjpeg's luma, where the colours were decoded and turned grey by Pillow before
    assert image.info["drawn"] == "decoded" and image.info["decoded"] == "grey"
    assert image.mode == "L" and image.size == _drawn(path, 300).size
    colour = page_images(path, "pdf", [1], 300, settings, native=True)[1]
    assert colour.mode == "RGB" and "decoded" not in colour.info
    difference = np.abs(np.asarray(image, dtype=int) - np.asarray(colour.convert("L"), dtype=int))
    assert difference.mean() < 0.05 and difference.max() <= 2


def test_a_scanned_chart_read_in_grey_is_still_told_a_chart_by_its_colours(embedded, tmp_path):
    chart, _ = chart_page(random.Random(2), dpi=150)
    path = images_to_pdf(tmp_path / "chart.pdf", [chart], dpi=150)
    assert page_images(path, "pdf", [1], 150, get_settings(), native=True, grey=True)[1].mode == "L"
    page = process(path, embedded)["pages"][0]
    assert page["kind"] == "chart" and page["chart"]["read"] is False


def test_the_colours_of_a_page_full_of_text_are_not_asked_for():
    words = [tess.Word("word" * 25, 90.0, 0, 20 * i, 10, 10, 1, 1, i) for i in range(5)]
    page = Image.new("RGB", (800, 1000), "white")
    page.paste((200, 30, 30), (100, 100, 300, 300))  # a strong colour, as on a chart

    def colours():
        raise AssertionError("a page with 500 letters asked for its colours")

    assert tess.classify_page(page, words, [], colours) == "text"
    assert tess.classify_page(page, words[:1], [], lambda: page) == "chart"


def test_the_chart_checks_colour_spread_is_the_one_int16_gave():
    """``_colourful`` works channel by channel on the bytes (35 ms -> 1 ms an overview): the
    same pages are colourful as by int16's max - min over the channels, either side of its
    0.3% bar. Bytes subtracted the wrong way round wrap past 60 on a faintly tinted grey
    page, and miss a green whose red and blue are low."""
    rng = np.random.default_rng(5)
    pages = []
    for share in (0.0, 0.002, 0.0029, 0.0031, 0.004, 0.5):
        pixels = np.full((600, 800, 3), 200, np.uint8)
        strong = rng.random((600, 800)) < share
        pixels[strong] = rng.integers(0, 256, (int(strong.sum()), 3), dtype=np.uint8)
        pages.append(pixels)
    tinted = np.full((600, 800, 3), (200, 201, 200), np.uint8)  # grey to the eye
    green = np.full((600, 800, 3), 200, np.uint8)
    green[:, :3] = (10, 250, 10)  # 0.375% of the page in a strong green
    for pixels in [*pages, tinted, green]:
        image = Image.fromarray(pixels)
        rgb = np.asarray(image, dtype=np.int16)
        expected = bool(((rgb.max(axis=2) - rgb.min(axis=2)) > 60).mean() > 0.003)
        assert tess._colourful(image) is expected
    assert not tess._colourful(Image.fromarray(tinted)) and tess._colourful(Image.fromarray(green))


def test_a_scan_a_pixel_or_two_off_its_pages_size_is_decoded_as_stored(embedded, tmp_path):
    """A page size rounded in points leaves the scan 2 pixels taller than drawing the page
    at its resolution gives (a real energy invoice): decoded as stored, read as drawn; 3
    pixels off, it is drawn."""
    import io

    page, truth = text_page(random.Random(11), dpi=300)
    scan = scanned(page, random.Random(12))
    buf = io.BytesIO()
    scan.save(buf, format="JPEG", quality=85)

    def pdf(name: str, short_by: int):
        doc = pymupdf.open()
        w, h = scan.size
        sheet = doc.new_page(width=w * 72 / 300, height=(h - short_by) * 72 / 300)
        sheet.insert_image(sheet.rect, stream=buf.getvalue(), keep_proportion=False)
        doc.save(tmp_path / name)
        return tmp_path / name

    settings = get_settings()
    near, far = pdf("near.pdf", 2), pdf("far.pdf", 3)
    image = page_images(near, "pdf", [1], 300, settings, native=True)[1]
    assert image.info["drawn"] == "decoded" and image.size == scan.size
    assert page_images(far, "pdf", [1], 300, settings, native=True)[1].info["drawn"] == "rendered"
    read = process(near, embedded)["pages"][0]
    assert "read by Tesseract at 300 dpi" in read["decision"]
    flat = " ".join(truth.text.split())
    assert jiwer.cer(flat, " ".join(read["markdown"].split())) < 0.01
