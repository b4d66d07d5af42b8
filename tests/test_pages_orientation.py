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
        assert (
            accuracy(truth.text, page["markdown"])
            >= accuracy(truth.text, upright["markdown"]) - 0.01
        )


def test_a_large_page_is_levelled_by_opencv_as_pillow_would_level_it():
    """The fast turn of a page of 4 megapixels or more has Pillow's centre, direction and
    size: a turn the wrong way or about another point moves every rule by pixels."""
    import numpy as np
    from PIL import ImageDraw

    from docintel.pipeline.pages import tesseract as tess

    page = Image.new("L", (2000, 2600), 255)
    draw = ImageDraw.Draw(page)
    for y in range(100, 2500, 60):
        draw.line((100, y, 1900, y + 30), fill=0, width=3)
    for angle in (1.5, -1.5):
        pillow = np.asarray(page.rotate(angle, resample=Image.BICUBIC, fillcolor=255), dtype=int)
        fast = tess._turned_by_opencv(page, angle)
        assert fast.size == page.size and fast.mode == "L"
        assert np.abs(np.asarray(fast, dtype=int) - pillow).mean() < 1.0  # the wrong way: ~14


def test_a_tilted_300_dpi_scan_is_levelled_and_read_whole(embedded, tmp_path):
    page, truth = text_page(random.Random(5), dpi=300)
    tilted = scanned(page, random.Random(6), quality=80)
    assert tilted.width * tilted.height >= 4_000_000  # the fast turn's pages
    path = tmp_path / "tilted.png"
    tilted.save(path, dpi=(300, 300))
    read = process(path, embedded)["pages"][0]["markdown"]
    assert jiwer.cer(" ".join(truth.text.split()), " ".join(read.split())) < 0.01


def test_a_picture_is_seen_as_exif_turns_it_with_its_pixels_copied_once_at_most(tmp_path):
    """``as_seen`` gives what ``exif_transpose(...).convert("RGB")`` gave, without its two
    copies of a photo it does not turn: a one-frame RGB file is turned in place (itself);
    a TIFF's frames stay apart."""
    from PIL import ImageOps

    from docintel.pipeline.pages.images import as_seen

    rng = random.Random(3)
    page, _ = text_page(rng, dpi=100)
    exif = Image.Exif()
    exif[0x0112] = 6
    page.save(tmp_path / "plain.jpg", quality=80)
    page.transpose(Image.Transpose.ROTATE_90).save(tmp_path / "turned.jpg", quality=80, exif=exif)
    page.convert("L").save(tmp_path / "grey.png")
    blank = Image.new("RGB", page.size, "white")
    page.save(tmp_path / "two.tiff", save_all=True, append_images=[blank])

    for name in ("plain.jpg", "turned.jpg", "grey.png"):
        expected = ImageOps.exif_transpose(Image.open(tmp_path / name)).convert("RGB")
        opened = Image.open(tmp_path / name)
        seen = as_seen(opened)
        assert seen.mode == "RGB" and seen.size == expected.size == page.size
        assert seen.tobytes() == expected.tobytes(), name
        assert (seen is opened) == (name != "grey.png")  # no copy where RGB already
    tiff = Image.open(tmp_path / "two.tiff")
    frames = []
    for number in (0, 1):
        tiff.seek(number)
        frames.append(as_seen(tiff))
    assert frames[0] is not tiff and frames[0].tobytes() == page.convert("RGB").tobytes()
    assert frames[1].tobytes() == blank.tobytes()


def test_a_colour_photo_read_in_grey_is_decoded_to_its_luma_and_turned_as_exif_says(tmp_path):
    """The page reader reads in grey: a colour JPEG (a phone's receipt) is decoded to the
    luma libjpeg stores, turned by its EXIF orientation, and says it was decoded grey (the
    chart check decodes its colours where it asks); the pixels are the grey Pillow made of
    the colours, within 2 of 255 but at the edges of strong colours (where decoding the
    colours clipped them). Other pictures are seen as before."""
    import numpy as np
    from PIL import ImageOps

    from docintel.config import get_settings
    from docintel.pipeline.pages.images import page_images

    rng = random.Random(3)
    page, _ = text_page(rng, dpi=100)
    page.paste((200, 30, 30), (40, 40, 240, 240))
    exif = Image.Exif()
    exif[0x0112] = 6
    page.transpose(Image.Transpose.ROTATE_90).save(tmp_path / "turned.jpg", quality=80, exif=exif)
    page.save(tmp_path / "page.png")
    settings = get_settings()
    for name in ("turned.jpg", "page.png"):
        grey = page_images(tmp_path / name, "image", [1], 300, settings, native=True, grey=True)[1]
        colour = page_images(tmp_path / name, "image", [1], 300, settings, native=True)[1]
        assert colour.mode == "RGB" and "decoded" not in colour.info
        expected = ImageOps.exif_transpose(Image.open(tmp_path / name)).convert("L")
        assert grey.size == expected.size == page.size
        if name == "page.png":  # not a JPEG: seen in colour, as before
            assert grey.mode == "RGB" and "decoded" not in grey.info
            continue
        assert grey.mode == "L" and grey.info["decoded"] == "grey"
        difference = np.abs(np.asarray(grey, dtype=int) - np.asarray(expected, dtype=int))
        assert difference.mean() < 0.05 and (difference > 2).mean() < 0.001


def test_a_chart_photographed_in_colour_is_still_told_a_chart_by_its_colours(embedded, tmp_path):
    """Decoded in grey, a photo's colours are decoded again where the chart check asks."""
    from docintel.testkit.page_samples import chart_page

    chart, _ = chart_page(random.Random(2), dpi=150)
    chart.convert("RGB").save(tmp_path / "chart.jpg", quality=90, dpi=(150, 150))
    page = process(tmp_path / "chart.jpg", embedded)["pages"][0]
    assert page["kind"] == "chart" and page["chart"]["read"] is False


def test_the_skew_is_found_in_15_rotations_at_the_angle_every_step_finds(monkeypatch):
    """The deskew looks a degree apart, then step by step near the best degree: the angle
    every step's search finds (ties to the smaller), that levels a page tilted by a known
    angle, in 15 rotations of the small page instead of 33."""
    import numpy as np

    from docintel.pipeline.pages import tesseract as tess

    def every_step(image: Image.Image) -> float:
        small = tess.grey(tess.shrunk(image, 600))
        best, best_score = 0.0, -1.0
        for angle in np.arange(-4.0, 4.125, 0.25):
            ink = np.asarray(small.rotate(float(angle), fillcolor=255), dtype=np.uint8) < 128
            score = float(np.square(np.diff(ink.sum(axis=1).astype(np.float64))).sum())
            if score > best_score:
                best, best_score = float(angle), score
        return best

    turns = []
    rotate = Image.Image.rotate

    def counted(self: Image.Image, *args: object, **kwargs: object) -> Image.Image:
        turns.append(1)
        return rotate(self, *args, **kwargs)  # type: ignore[arg-type]

    rng = random.Random(11)
    for dpi in (100, 200):
        page, _ = text_page(rng, dpi=dpi)
        for tilt in (-2.5, 0.5, 1.75, 3.0):
            tilted = page.rotate(tilt, resample=Image.BICUBIC, fillcolor="white")
            monkeypatch.setattr(Image.Image, "rotate", counted)
            turns.clear()
            found = tess.skew_angle(tilted)
            monkeypatch.setattr(Image.Image, "rotate", rotate)
            assert len(turns) <= 15
            assert found == every_step(tilted), (dpi, tilt)
            assert abs(found + tilt) <= 0.25, (dpi, tilt)


def test_a_multi_picture_jpeg_is_one_page_read_once(embedded, tmp_path):
    """A camera's JPEG with further pictures in it (MPO: its preview, or the other eye of a
    stereo pair) is one page, the first picture, decoded in grey where the reader reads in
    grey. Before, each picture was a page and the receipt's text was read twice."""
    from docintel.config import get_settings
    from docintel.pipeline.pages.images import page_images

    rng = random.Random(8)
    image, truth = text_page(rng, dpi=200)
    photo = scanned(image, rng, quality=90)
    preview = photo.resize((photo.width // 3, photo.height // 3))
    path = tmp_path / "receipt.jpg"
    photo.save(path, format="MPO", save_all=True, append_images=[preview])
    assert Image.open(path).format == "MPO" and Image.open(path).n_frames == 2
    grey = page_images(path, "image", [1], 300, get_settings(), native=True, grey=True)[1]
    assert grey.mode == "L" and grey.size == photo.size and grey.info["decoded"] == "grey"
    result = process(path, embedded)
    assert [p["page"] for p in result["pages"]] == [1]
    assert accuracy(truth.text, result["pages"][0]["markdown"]) >= BAR
